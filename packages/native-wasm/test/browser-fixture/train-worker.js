import { loadNativeWasm } from '@vae/native-wasm';

let seed = 11;
const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const dense = (name, units, activation = 'relu') => ({ type: 'dense', name, units, activation });
const shapes = [[64, 48], [48], [48, 4], [4], [48, 4], [4], [4, 48], [48], [48, 64], [64]];
try {
  const wasm = await loadNativeWasm({ threads: 2 });
  const trainer = new wasm.Trainer({
    inputDim: 64, encoder: [dense('encoder.0', 48)], latentDim: 4, decoder: [dense('decoder.0', 48), dense('decoder.1', 64, 'linear')],
    learningRate: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta: 1, reconstruction: 'bernoulli',
    gaussianLo: 0, gaussianHi: 1, gaussianSigma: 1, gaussianIncludeConstant: false, threads: 2, parallel: 'auto', sparseInput: true,
    weights: shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (rand() - 0.5) * 0.3)),
  });
  const n = 32;
  const x = Float32Array.from({ length: n * 64 }, () => (rand() < 0.3 ? rand() : 0));
  const eps = Float32Array.from({ length: n * 4 }, () => rand() - 0.5);
  const losses = Array.from({ length: 30 }, () => trainer.step(x, n, eps));
  postMessage({ crossOriginIsolated: self.crossOriginIsolated, info: wasm.info(), threads: trainer.threads, losses });
  trainer.dispose();
} catch (error) {
  postMessage({ error: String(error?.stack ?? error) });
}
