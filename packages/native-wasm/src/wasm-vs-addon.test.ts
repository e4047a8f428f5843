// The wasm build against the addon, both built from the same C++ core: same init, weights and noise,
// results within float32 rounding (the GEMMs sum in other orders; SIMD128 has no FMA).
import { loadNative, nativeLoadError, type NativeTrainerInit } from '@vae/native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNativeWasm } from './load.js';
import { batchOf, initOf, ODD, REFERENCE, relativeError, weightsOf, type TestModel } from './test-models.js';
import type { NativeWasmBinding, WasmTrainerInit } from './types.js';

const addon = loadNative();
const NEEDS_ADDON = addon ? '' : ` (needs the @vae/native addon: pnpm --filter @vae/native build — ${nativeLoadError()})`;

let wasm: NativeWasmBinding;
beforeAll(async () => {
  wasm = await loadNativeWasm({ threads: 2, workers: 2 });
});
afterAll(() => undefined);

/** Both builds' trainers of one init. */
function pair(model: TestModel, over: Partial<WasmTrainerInit> = {}, seed = 7) {
  const init = initOf(model, weightsOf(model, seed), over);
  return { wasm: new wasm.Trainer(init), addon: new addon!.Trainer(init as NativeTrainerInit) };
}

function expectClose(a: Float32Array[], b: Float32Array[], tolerance: number, what: string) {
  expect(a.length).toBe(b.length);
  const worst = Math.max(...a.map((t, i) => relativeError(t, b[i]!)));
  expect(worst, `${what}: worst relative error ${worst}`).toBeLessThan(tolerance);
}

describe('the wasm build agrees with the native addon', () => {
  it.skipIf(!addon)(`step losses over 5 steps, then weights and Adam state, on the reference model at batch 64${NEEDS_ADDON}`, () => {
    const t = pair(REFERENCE);
    for (let s = 0; s < 5; s++) {
      const b = batchOf(REFERENCE, 64, 100 + s);
      const lw = t.wasm.step(b.x, b.n, b.eps);
      const la = t.addon.step(b.x, b.n, b.eps);
      expect(Math.abs(lw - la) / la, `step ${s}: ${lw} vs ${la}`).toBeLessThan(1e-5);
    }
    const sw = t.wasm.getAdamState();
    const sa = t.addon.getAdamState();
    expect([sw.iterations, sw.accBeta1, sw.accBeta2]).toEqual([sa.iterations, sa.accBeta1, sa.accBeta2]);
    expectClose(sw.m, sa.m, 1e-3, 'm');
    expectClose(sw.v, sa.v, 1e-3, 'v');
    expectClose(t.wasm.getWeights(), t.addon.getWeights(), 1e-4, 'weights');
    expect(t.wasm.tensorNames()).toEqual(t.addon.tensorNames());
    t.wasm.dispose();
    t.addon.dispose();
  });

  for (const mode of [{ threads: 1 }, { threads: 2, parallel: 'split' as const }, { threads: 2, parallel: 'data' as const }]) {
    it.skipIf(!addon)(`gradients, evaluate and logImportanceWeights, threads ${mode.threads} ${mode.parallel ?? ''}, reference and odd-width models${NEEDS_ADDON}`, () => {
      for (const model of [REFERENCE, ODD]) {
        const t = pair(model, mode);
        const b = batchOf(model, 64, 3);
        const gw = t.wasm.gradients(b.x, b.n, b.eps);
        const ga = t.addon.gradients(b.x, b.n, b.eps);
        expect(Math.abs(gw.loss - ga.loss) / ga.loss).toBeLessThan(1e-5);
        expectClose(gw.gradients, ga.gradients, 1e-4, 'gradients');
        const ew = t.wasm.evaluate(b.x, b.n, b.eps);
        const ea = t.addon.evaluate(b.x, b.n, b.eps);
        for (const key of ['loss', 'lossMu', 'recon', 'kl'] as const) expect(Math.abs(ew[key] - ea[key]) / Math.abs(ea[key]), key).toBeLessThan(1e-5);
        const k = 300; // > 256 rows: more than one block of draws
        const draws = batchOf(model, 3 * k, 9).eps;
        const x3 = b.x.subarray(0, 3 * model.inputDim);
        const lw = t.wasm.logImportanceWeights(x3, 3, k, draws);
        const la = t.addon.logImportanceWeights(x3, 3, k, draws);
        expect(relativeError(lw, la)).toBeLessThan(1e-5);
        t.wasm.dispose();
        t.addon.dispose();
      }
    });
  }

  it.skipIf(!addon)(`the Gaussian reconstruction term (range, σ, constant): steps, evaluate, importance weights${NEEDS_ADDON}`, () => {
    const t = pair(REFERENCE, { reconstruction: 'gaussian', gaussianLo: -1, gaussianHi: 1, gaussianSigma: 0.3, gaussianIncludeConstant: true, threads: 2 });
    for (let s = 0; s < 3; s++) {
      const b = batchOf(REFERENCE, 64, 40 + s);
      const lw = t.wasm.step(b.x, b.n, b.eps);
      const la = t.addon.step(b.x, b.n, b.eps);
      expect(Math.abs(lw - la) / Math.abs(la), `step ${s}`).toBeLessThan(1e-5);
    }
    const b = batchOf(REFERENCE, 16, 50);
    const ew = t.wasm.evaluate(b.x, b.n, b.eps);
    const ea = t.addon.evaluate(b.x, b.n, b.eps);
    for (const key of ['loss', 'lossMu', 'recon', 'kl'] as const) expect(Math.abs(ew[key] - ea[key]) / Math.abs(ea[key]), key).toBeLessThan(1e-5);
    expectClose(t.wasm.getWeights(), t.addon.getWeights(), 1e-4, 'weights');
    t.wasm.dispose();
    t.addon.dispose();
  });

  it.skipIf(!addon)(`stepRows, at batch 256 with 2 threads ('auto' takes the data schedule there)${NEEDS_ADDON}`, () => {
    const t = pair(REFERENCE, { threads: 2 });
    const images = Uint8Array.from(batchOf(REFERENCE, 1000, 5).x, (v) => Math.round(v * 255));
    const table = Float32Array.from({ length: 256 }, (_, i) => i / 255);
    const indices = Uint32Array.from({ length: 600 }, (_, i) => (i * 7919) % 1000);
    for (let s = 0; s < 2; s++) {
      const eps = batchOf(REFERENCE, 256, 60 + s).eps;
      const lw = t.wasm.stepRows(images, 784, indices, 17 + s * 256, 256, table, eps);
      const la = t.addon.stepRows(images, 784, indices, 17 + s * 256, 256, table, eps);
      expect(Math.abs(lw - la) / la, `step ${s}`).toBeLessThan(1e-5);
    }
    expectClose(t.wasm.getWeights(), t.addon.getWeights(), 1e-4, 'weights');
    t.wasm.dispose();
    t.addon.dispose();
  });
});
