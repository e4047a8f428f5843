// What the addon tests share (not shipped: package.json's `files` leaves it out): seeded numbers
// both builds see alike, and a raw trainer of either build with the reference settings.
import { mlpDescription } from '@vae/model/description';
import type { NativeBinding, NativeTrainerHandle, NativeTrainerInit } from './index.js';

/** An MLP by its widths (the raw addon takes its description's layers: `mlpDescription`). */
export interface MlpWidths {
  inputDim: number;
  encoderHidden: readonly number[];
  latentDim: number;
  decoderHidden: readonly number[];
}

/** A seeded stream in [0, 1) (Park–Miller), so both builds see the same numbers. */
export function stream(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** A trainer of `binding` (Adam's defaults, Bernoulli term, one thread unless `over` says otherwise) from copies of `weights`. */
export function rawTrainer(binding: NativeBinding, config: MlpWidths, weights: Float32Array[], over: Partial<NativeTrainerInit> = {}): NativeTrainerHandle {
  const model = mlpDescription({ ...config, encoderHidden: [...config.encoderHidden], decoderHidden: [...config.decoderHidden] });
  return new binding.Trainer({
    inputDim: config.inputDim,
    latentDim: config.latentDim,
    encoder: model.encoder,
    decoder: model.decoder,
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
  });
}
