import * as tf from '@tensorflow/tfjs-core';
import type { StepEngine, StepEngineContext } from './step-engine.js';
import { standardNormalNoise } from './seeds.js';
import { trainStep } from './train-step.js';

/**
 * Adam's running products β₁ᵗ and β₂ᵗ. tfjs' `setWeights` recomputes them with `pow`, which can
 * differ from the running product in the last bit; saving and restoring them keeps a resumed run
 * bit-identical to an uninterrupted one. They are private fields, hence the guarded cast.
 */
function adamPowers(optimizer: tf.AdamOptimizer): { accBeta1: tf.Variable; accBeta2: tf.Variable } | undefined {
  const fields = optimizer as unknown as { accBeta1?: unknown; accBeta2?: unknown };
  return fields.accBeta1 instanceof tf.Variable && fields.accBeta2 instanceof tf.Variable
    ? { accBeta1: fields.accBeta1, accBeta2: fields.accBeta2 }
    : undefined;
}

/**
 * The default engine: tfjs-core ops on the active backend, with tfjs' Adam. The running loss
 * stays a tensor on the backend until `readLossSum`, so steps do not wait for the device.
 */
export function tfjsStepEngine({ model, adam, loss }: StepEngineContext): StepEngine {
  const optimizer = tf.train.adam(adam.learningRate, adam.beta1, adam.beta2, adam.epsilon);
  const { inputDim, latentDim } = model;
  let lossSum: tf.Scalar = tf.scalar(0);
  let stepLoss = loss; // the context's, or its copy with the β of `setKlBeta`
  const names = () => model.namedVariables().map((v) => v.name);
  return {
    name: `tfjs (${tf.getBackend()})`,
    step(x, n, noiseSeed) {
      const next = tf.tidy(() => {
        const xt = tf.tensor2d(x.subarray(0, n * inputDim), [n, inputDim]);
        const eps = tf.tensor2d(standardNormalNoise(noiseSeed, n * latentDim), [n, latentDim]);
        return tf.add(lossSum, trainStep(model, optimizer, xt, eps, stepLoss)) as tf.Scalar;
      });
      lossSum.dispose();
      lossSum = next;
    },
    setKlBeta(beta) {
      stepLoss = { ...loss, beta };
    },
    readLossSum: async () => (await lossSum.data())[0]!,
    resetLoss(start = 0) {
      lossSum.dispose();
      lossSum = tf.scalar(start);
    },
    syncModel() {},
    async optimizerState() {
      const tensors: tf.NamedTensorMap = {};
      const [iterations, ...moments] = await optimizer.getWeights();
      tensors['adam/iterations'] = iterations!.tensor;
      const powers = adamPowers(optimizer);
      if (powers) {
        tensors['adam/accBeta1'] = powers.accBeta1;
        tensors['adam/accBeta2'] = powers.accBeta2;
      }
      const variableNames = names();
      if (moments.length > 0) {
        // Adam keeps moments by position in the gradient list, which `trainStep` gives in `namedVariables()` order.
        if (moments.length !== 2 * variableNames.length) throw new Error(`optimizer holds ${moments.length} moments for ${variableNames.length} variables`);
        variableNames.forEach((name, i) => {
          tensors[`adam/m/${name}`] = moments[i]!.tensor;
          tensors[`adam/v/${name}`] = moments[variableNames.length + i]!.tensor;
        });
      }
      return { tensors, dispose: () => iterations!.tensor.dispose() };
    },
    async restore(tensors, source) {
      const variableNames = names();
      const iterations = tensors['adam/iterations'];
      if (!iterations) throw new Error(`${source}: missing optimizer state "adam/iterations"`);
      if (!tensors[`adam/m/${variableNames[0]}`]) return; // saved before the first step: nothing to restore
      const moment = (kind: 'm' | 'v', name: string) => {
        const t = tensors[`adam/${kind}/${name}`];
        if (!t) throw new Error(`${source}: missing optimizer state "adam/${kind}/${name}"`);
        return { name: `${name}/${kind}`, tensor: t };
      };
      // The optimizer's variables copy these tensors, so the caller may dispose them afterwards.
      await optimizer.setWeights([{ name: 'iter', tensor: iterations }, ...variableNames.map((n) => moment('m', n)), ...variableNames.map((n) => moment('v', n))]);
      const powers = adamPowers(optimizer);
      const saved1 = tensors['adam/accBeta1'];
      const saved2 = tensors['adam/accBeta2'];
      if (powers && saved1 && saved2) {
        powers.accBeta1.assign(saved1);
        powers.accBeta2.assign(saved2);
      }
    },
    dispose() {
      lossSum.dispose();
      optimizer.dispose();
    },
  };
}
