// The wasm build on its own: its GEMM, its threads, Adam's subnormal-free moments, its errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeWasm } from './load.js';
import { batchOf, differingTensors, initOf, ODD, REFERENCE, stream, weightsOf } from './test-models.js';
import type { NativeWasmBinding } from './types.js';

let wasm: NativeWasmBinding;
beforeAll(async () => {
  wasm = await loadNativeWasm({ threads: 2, workers: 2 });
});

const FLOAT32_MIN_NORMAL = 2 ** -126;
const subnormals = (list: Float32Array[]) => list.reduce((n, t) => n + t.filter((v) => v !== 0 && Math.abs(v) < FLOAT32_MIN_NORMAL).length, 0);

describe('the SIMD128 GEMM', () => {
  it('computes op(A)·op(B) + beta·C for all transpose cases, at the model’s shapes and at ragged edges', () => {
    const rand = stream(3);
    const cases: Array<[number, number, number]> = [[64, 512, 784], [256, 20, 256], [392, 512, 32], [5, 7, 3], [13, 29, 300], [1, 1, 1]];
    for (const [m, n, k] of cases) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = Float32Array.from({ length: m * k }, () => rand() - 0.5);
        const b = Float32Array.from({ length: k * n }, () => rand() - 0.5);
        const c0 = Float32Array.from({ length: m * n }, () => rand() - 0.5);
        for (const beta of [0, 1]) {
          const c = wasm.gemm(ta, tb, m, n, k, a, b, beta, c0);
          let worst = 0;
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let sum = beta * c0[i * n + j]!;
              for (let p = 0; p < k; p++) sum += a[ta ? p * m + i : i * k + p]! * b[tb ? j * k + p : p * n + j]!;
              worst = Math.max(worst, Math.abs(c[i * n + j]! - sum));
            }
          }
          expect(worst, `${m}×${n}×${k} ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} beta ${beta}`).toBeLessThan(2e-5 * Math.sqrt(k));
        }
      }
    }
  });
});

describe('threads', () => {
  it('logImportanceWeights gives the same numbers on 1 and 2 threads (blocks of draws fixed by n and k)', () => {
    const w = weightsOf(REFERENCE);
    const one = new wasm.Trainer(initOf(REFERENCE, w, { threads: 1 }));
    const two = new wasm.Trainer(initOf(REFERENCE, w, { threads: 2 }));
    const b = batchOf(REFERENCE, 3, 1);
    const eps = batchOf(REFERENCE, 3 * 700, 2).eps;
    expect(two.logImportanceWeights(b.x, 3, 700, eps)).toEqual(one.logImportanceWeights(b.x, 3, 700, eps));
    one.dispose();
    two.dispose();
  });

  it("'split' on 2 threads trains exactly as 1 thread: its GEMM sums each element in one order whatever the column block", () => {
    for (const model of [REFERENCE, ODD]) {
      const w = weightsOf(model);
      const one = new wasm.Trainer(initOf(model, w, { threads: 1 }));
      const two = new wasm.Trainer(initOf(model, w, { threads: 2, parallel: 'split' }));
      for (let s = 0; s < 3; s++) {
        const b = batchOf(model, 64, 20 + s);
        const l1 = one.step(b.x, b.n, b.eps);
        const l2 = two.step(b.x, b.n, b.eps);
        expect(Math.abs(l2 - l1) / l1).toBeLessThan(1e-12); // the loss' double partial sums add up in another order
      }
      expect(differingTensors(two.getWeights(), one.getWeights())).toEqual([]);
      const [s1, s2] = [one.getAdamState(), two.getAdamState()];
      expect([s2.iterations, s2.accBeta1, s2.accBeta2]).toEqual([s1.iterations, s1.accBeta1, s1.accBeta2]);
      expect(differingTensors(s2.m, s1.m)).toEqual([]);
      expect(differingTensors(s2.v, s1.v)).toEqual([]);
      one.dispose();
      two.dispose();
    }
  });

  it("is deterministic and resumes bit-identically from getWeights() + getAdamState() ('data' at 256 rows, 2 threads)", () => {
    const w = weightsOf(REFERENCE);
    const batches = [0, 1, 2, 3].map((s) => batchOf(REFERENCE, 256, 70 + s));
    const a = new wasm.Trainer(initOf(REFERENCE, w, { threads: 2 }));
    const lossesA = batches.map((b) => a.step(b.x, b.n, b.eps));
    const b = new wasm.Trainer(initOf(REFERENCE, w, { threads: 2 }));
    const lossesB = batches.slice(0, 2).map((x) => b.step(x.x, x.n, x.eps));
    const [weights, adam] = [b.getWeights(), b.getAdamState()];
    b.dispose();
    const resumed = new wasm.Trainer(initOf(REFERENCE, weights, { threads: 2 }));
    resumed.setAdamState(adam);
    lossesB.push(...batches.slice(2).map((x) => resumed.step(x.x, x.n, x.eps)));
    expect(lossesB).toEqual(lossesA);
    expect(differingTensors(resumed.getWeights(), a.getWeights())).toEqual([]);
    a.dispose();
    resumed.dispose();
  });

  it('holds T − 1 workers per live trainer and refuses more than the module has, in one line', () => {
    const w = weightsOf(ODD);
    const t1 = new wasm.Trainer(initOf(ODD, w, { threads: 2 }));
    const t2 = new wasm.Trainer(initOf(ODD, w, { threads: 2 }));
    expect(() => new wasm.Trainer(initOf(ODD, w, { threads: 2 }))).toThrow(/^threads: 2 needs 1 free worker thread, the module has 0 left: dispose\(\) other trainers/);
    expect(() => new wasm.Trainer(initOf(ODD, w, { threads: 3 }))).toThrow(/^threads: is 3, but this module was loaded for at most 2 \(loadNativeWasm\(\{ threads: 3 \}\)\)$/);
    t1.dispose();
    const t3 = new wasm.Trainer(initOf(ODD, w, { threads: 2 }));
    const b = batchOf(ODD, 8, 1);
    expect(Number.isFinite(t3.step(b.x, b.n, b.eps))).toBe(true);
    t2.dispose();
    t3.dispose();
  });
});

describe('Adam', () => {
  it('keeps no subnormal moment: moments that decay below 2⁻¹²⁶ become 0 (wasm has no flush-to-zero mode)', () => {
    const w = weightsOf(REFERENCE);
    const t = new wasm.Trainer(initOf(REFERENCE, w, { threads: 2 }));
    // Just above 2⁻¹²⁶: one step's decay (β₁ = 0.9, β₂ = 0.999) takes them below, where the gradient is 0.
    const m = w.map((x) => new Float32Array(x.length).fill(1.3e-38));
    const v = w.map((x) => new Float32Array(x.length).fill(1.176e-38));
    t.setAdamState({ iterations: 0, accBeta1: 0.9, accBeta2: 0.999, m, v });
    // Pixels 0..391 are always 0: their rows of the first kernel get a zero gradient.
    const b = batchOf(REFERENCE, 64, 4, 0.4);
    for (let r = 0; r < 64; r++) b.x.fill(0, r * 784, r * 784 + 392);
    for (let s = 0; s < 3; s++) t.step(b.x, b.n, b.eps);
    const state = t.getAdamState();
    expect(subnormals(state.m) + subnormals(state.v)).toBe(0);
    const firstKernelM = state.m[0]!.subarray(0, 392 * 512);
    expect(firstKernelM.every((x) => x === 0)).toBe(true);
    t.dispose();
  });
});

describe('errors a caller can make, each one line naming the field', () => {
  it('refuses layers without a kernel, blas, the widths form, wrong sizes, and use after dispose()', () => {
    const w = weightsOf(ODD);
    expect(() => new wasm.Trainer({ ...initOf(ODD, w), encoder: [{ type: 'conv2d' }, ...ODD.encoder] })).toThrow(
      "Trainer: encoder[0]: the native trainer has no kernel for a 'conv2d' layer (it has: dense)",
    );
    expect(() => new wasm.Trainer({ ...initOf(ODD, w), parallel: 'blas' as never, threads: 2 })).toThrow(/^parallel: 'blas' needs OpenBLAS' thread pool/);
    const { encoder: _drop, ...noEncoder } = initOf(ODD, w);
    expect(() => new wasm.Trainer({ ...noEncoder, encoderHidden: [70, 33] } as never)).toThrow(/^encoder: expected an array of layers .*the encoderHidden widths form is not taken/);
    expect(() => new wasm.Trainer(initOf(ODD, w.slice(1)))).toThrow(`weights: expected ${w.length} tensors, got ${w.length - 1}`);
    const t = new wasm.Trainer(initOf(ODD, w));
    const b = batchOf(ODD, 4, 1);
    expect(() => t.step(b.x.subarray(1), 4, b.eps)).toThrow(`x: has ${4 * 77 - 1} values, expected ${4 * 77}`);
    expect(() => t.stepRows(new Uint8Array(77 * 3), 77, Uint32Array.of(0, 3), 0, 2, new Float32Array(256), b.eps.subarray(0, 10))).toThrow(
      'NativeVaeTrainer.stepRows: indices[1]: is 3, out of range for images of 3 rows (images.length / rowLength)',
    );
    const before = t.getWeights();
    expect(() => t.setWeights([...before.slice(0, -1), new Float32Array(3)])).toThrow(/^weights\[11\] \(decoder\.1\.bias\): has 3 values, expected 77$/);
    expect(t.getWeights()).toEqual(before);
    t.dispose();
    t.dispose();
    expect(() => t.step(b.x, 4, b.eps)).toThrow('NativeVaeTrainer: used after dispose()');
  });
});
