// What the tests share (not shipped: package.json's `files` leaves test-* out): models as layer
// lists, seeded weights, batches and noise, and one trainer init both builds take.
import type { WasmLayer, WasmTrainerInit } from './types.js';

export interface TestModel {
  inputDim: number;
  encoder: WasmLayer[];
  latentDim: number;
  decoder: WasmLayer[];
}

const dense = (name: string, units: number, activation: 'relu' | 'linear' = 'relu'): WasmLayer => ({ type: 'dense', name, units, activation });

/** 784 → 512 → 256 → (20, 20); 20 → 256 → 512 → 784: the reference model. */
export const REFERENCE: TestModel = { inputDim: 784, encoder: [dense('encoder.0', 512), dense('encoder.1', 256)], latentDim: 20, decoder: [dense('decoder.0', 256), dense('decoder.1', 512), dense('decoder.2', 784, 'linear')] };
/** Widths that are no multiple of the GEMM's 4 × 8 tile nor of 16 or 64 (edges everywhere). */
export const ODD: TestModel = { inputDim: 77, encoder: [dense('encoder.0', 70), dense('encoder.1', 33)], latentDim: 5, decoder: [dense('decoder.0', 29), dense('decoder.1', 77, 'linear')] };

/** A seeded stream in [0, 1) (Park–Miller). */
export function stream(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** Glorot-uniform kernels and small biases, in namedVariables() order. */
export function weightsOf(model: TestModel, seed = 7): Float32Array[] {
  const rand = stream(seed);
  const shapes: Array<[number, number]> = [];
  let width = model.inputDim;
  for (const l of model.encoder) shapes.push([width, (width = l.units!)]);
  shapes.push([width, model.latentDim], [width, model.latentDim]);
  width = model.latentDim;
  for (const l of model.decoder) shapes.push([width, (width = l.units!)]);
  return shapes.flatMap(([i, o]) => {
    const limit = Math.sqrt(6 / (i + o));
    return [Float32Array.from({ length: i * o }, () => (rand() * 2 - 1) * limit), Float32Array.from({ length: o }, () => (rand() - 0.5) * 0.02)];
  });
}

/** n rows in [0, 1], about `density` of them nonzero (MNIST: ~0.19), and N(0, 1)-like noise. */
export function batchOf(model: TestModel, n: number, seed: number, density = 0.2): { x: Float32Array; n: number; eps: Float32Array } {
  const rand = stream(seed);
  const x = Float32Array.from({ length: n * model.inputDim }, () => (rand() < density ? rand() : 0));
  const eps = Float32Array.from({ length: n * model.latentDim }, () => (rand() + rand() + rand() - 1.5) * 2);
  return { x, n, eps };
}

/** A complete init (Adam's defaults, Bernoulli term, one thread) from copies of `weights`. */
export function initOf(model: TestModel, weights: Float32Array[], over: Partial<WasmTrainerInit> = {}): WasmTrainerInit {
  return {
    inputDim: model.inputDim,
    encoder: model.encoder.map((l) => ({ ...l })),
    latentDim: model.latentDim,
    decoder: model.decoder.map((l) => ({ ...l })),
    learningRate: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    beta: 1,
    reconstruction: 'bernoulli',
    gaussianLo: 0,
    gaussianHi: 1,
    gaussianSigma: 1,
    gaussianIncludeConstant: false,
    threads: 1,
    parallel: 'auto',
    sparseInput: true,
    weights: weights.map((w) => w.slice()),
    ...over,
  };
}

/** max |a − b| / max |b| over one tensor (0 for two zero tensors). */
export function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** The indices of the tensors whose bits differ (fast where toEqual walks a million floats). */
export function differingTensors(a: Float32Array[], b: Float32Array[]): number[] {
  const bytes = (t: Float32Array) => new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
  if (a.length !== b.length) return [-1];
  return a.flatMap((t, i) => {
    const [x, y] = [bytes(t), bytes(b[i]!)];
    return x.length === y.length && x.every((v, j) => v === y[j]) ? [] : [i];
  });
}
