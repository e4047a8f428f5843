// Where there is no SharedArrayBuffer (a page without cross-origin isolation) the one-thread build
// loads, info() says why, and trainers asking for more threads run one — computing what a
// one-thread trainer of the threads build computes.
import { afterAll, describe, expect, it } from 'vitest';
import { loadNativeWasm } from './load.js';
import { batchOf, differingTensors, initOf, ODD, weightsOf } from './test-models.js';

const sharedArrayBuffer = globalThis.SharedArrayBuffer;
afterAll(() => {
  globalThis.SharedArrayBuffer = sharedArrayBuffer;
});

describe('without SharedArrayBuffer', () => {
  it('loads the one-thread build, says why in info(), and runs trainers on one thread', async () => {
    const threaded = await loadNativeWasm({ threads: 2 });
    delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
    const single = await loadNativeWasm({ threads: 2 });
    globalThis.SharedArrayBuffer = sharedArrayBuffer;

    expect(threaded.info()).toMatchObject({ module: 'vae-wasm-threads', threads: 2, workers: 1 });
    expect(single.info()).toMatchObject({ module: 'vae-wasm', threads: 1, threadsRequested: 2, workers: 0 });
    expect(single.info().threadsUnavailable).toBe('no SharedArrayBuffer in this JavaScript environment');
    expect(single.info().label).toBe('wasm SIMD128, 1 thread (2 asked: no SharedArrayBuffer in this JavaScript environment)');

    const w = weightsOf(ODD);
    const a = new single.Trainer(initOf(ODD, w, { threads: 2 }));
    const b = new threaded.Trainer(initOf(ODD, w, { threads: 1 }));
    expect(a.threads).toBe(1);
    for (let s = 0; s < 3; s++) {
      const batch = batchOf(ODD, 32, s);
      expect(a.step(batch.x, batch.n, batch.eps)).toBe(b.step(batch.x, batch.n, batch.eps));
    }
    expect(differingTensors(a.getWeights(), b.getWeights())).toEqual([]);
    a.dispose();
    b.dispose();
  });
});
