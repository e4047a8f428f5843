import * as tf from '@tensorflow/tfjs-core';
import { Vae, disposeForwardPass } from '@vae/model';
import { afterAll, describe, expect, it } from 'vitest';

/** The wasm backend takes another matMul path (explicit transposes); its gradients must agree with the CPU's. */
describe('backward on wasm vs cpu', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives the same gradients within float32 tolerance', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const vae = new Vae({ inputDim: 30, encoderHidden: [20, 10], latentDim: 4, decoderHidden: [10, 20] }, { seed: 8 });
      const x = tf.randomUniform([7, 30], 0, 1, 'float32', 1) as tf.Tensor2D;
      const eps = tf.randomNormal([7, 4], 0, 1, 'float32', 2) as tf.Tensor2D;
      const pass = vae.forward(x, eps);
      const grads = vae.backward(pass, { dLogits: tf.sub(tf.sigmoid(pass.logits), x), dMu: pass.mu, dLogvar: tf.mul(pass.logvar, 0.5) });
      const out = vae.namedVariables().map(({ variable }) => Array.from(grads[variable.name]!.dataSync()));
      disposeForwardPass(pass);
      vae.dispose();
      return out;
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    cpu.forEach((g, i) => g.forEach((v, j) => expect(wasm[i]![j]).toBeCloseTo(v, 4)));
  });
});
