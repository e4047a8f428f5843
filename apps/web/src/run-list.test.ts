import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../server/run-listing.js';
import { runRows } from './run-list.js';

const run = (over: Partial<RunSummary>): RunSummary => ({
  name: '2026-12-01T10-00-00',
  createdAt: '2026-12-01T10:00:00.123Z',
  epochsDone: 10,
  epochs: 10,
  finalTestLoss: 102.4567,
  hasModel: true,
  backend: 'native',
  latentDim: 20,
  normalization: 'unit',
  data: { source: 'cache', description: 'MNIST from cache', train: 60000, test: 10000 },
  ...over,
});

describe('runs table rows', () => {
  it('shows epochs done of asked, the final test loss to 2 decimals, and what trained it, in the given order', () => {
    const rows = runRows([run({}), run({ name: 'b', epochsDone: 3, epochs: 50, finalTestLoss: 120 })]);
    expect(rows.map((r) => r.name)).toEqual(['2026-12-01T10-00-00', 'b']);
    expect(rows[0]).toMatchObject({ created: '2026-12-01 10:00:00Z', epochs: '10/10', testLoss: '102.46', details: 'native · z 20 · cache', note: '' });
    expect(rows[1]).toMatchObject({ epochs: '3/50', testLoss: '120.00' });
  });

  it('says why a run cannot be opened: no model yet, or a broken config', () => {
    const [unfinished, broken] = runRows([
      run({ hasModel: false, finalTestLoss: null, epochsDone: 0 }),
      run({ error: 'config.json: invalid JSON', backend: null, latentDim: null, data: null, epochs: null }),
    ]);
    expect(unfinished).toMatchObject({ testLoss: '–', note: 'no model yet (unfinished run)' });
    expect(broken).toMatchObject({ epochs: '10', details: '', note: 'config.json: invalid JSON' });
  });
});
