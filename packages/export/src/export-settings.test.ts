import { describe, expect, it } from 'vitest';
import { settingsFromMetadata } from './export-settings.js';

describe('settingsFromMetadata', () => {
  it('takes the normalization and reconstruction a saved model recorded, and only those', () => {
    expect(settingsFromMetadata({ epochs: 3, settings: { normalization: 'symmetric', reconstruction: 'gaussian', beta: 1 } })).toEqual({ normalization: 'symmetric', reconstruction: 'gaussian' });
  });

  it('states nothing that was not recorded', () => {
    expect(settingsFromMetadata(undefined)).toEqual({});
    expect(settingsFromMetadata({ settings: { normalization: 'binary' } })).toEqual({ normalization: 'binary' });
    expect(settingsFromMetadata({ settings: { normalization: 3, reconstruction: null } })).toEqual({});
    expect(settingsFromMetadata({ settings: 'unit' })).toEqual({});
  });
});
