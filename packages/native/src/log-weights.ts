import type { LogWeightsFunction, StepEngineContext } from '@vae/train';
import { NativeVaeTrainer } from './index.js';

/**
 * `@vae/train`'s `estimateLogLikelihood` on the addon: the model's current weights copied into a
 * trainer whose `logImportanceWeights` runs the k decoder passes per image on all threads.
 * Release it with `dispose` (the trainer's buffers are native memory). Throws for a model the
 * addon has no kernels for (see `nativeDeclines`).
 */
export function nativeLogWeights(model: StepEngineContext['model'], loss: Pick<StepEngineContext['loss'], 'reconstruction' | 'gaussian'> = {}, options: { threads?: number } = {}): { logWeights: LogWeightsFunction; dispose(): void } {
  const trainer = new NativeVaeTrainer({
    model: model.description,
    weights: model.namedVariables().map(({ variable }) => variable.dataSync() as Float32Array),
    reconstruction: loss.reconstruction ?? 'bernoulli',
    gaussian: loss.gaussian,
    ...options,
  });
  const { inputDim, latentDim } = model;
  return {
    // Callers may pass buffers longer than this call's images and draws (estimateLogLikelihood's last call).
    logWeights: (x, n, k, eps) => trainer.logImportanceWeights(x.subarray(0, n * inputDim), n, k, eps.subarray(0, n * k * latentDim)),
    dispose: () => trainer.dispose(),
  };
}
