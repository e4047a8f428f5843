// A Node process that loaded the threads build ends when its work does: the pool's worker_threads
// must not hold it open (a CLI command would otherwise never exit).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('a Node process with the threads build', () => {
  it('exits by itself after loading, training on 2 threads and never disposing', () => {
    const script = `
      const { loadNativeWasm } = await import(${JSON.stringify(dist)});
      const wasm = await loadNativeWasm({ threads: 2 });
      const dense = (name, units, activation = 'relu') => ({ type: 'dense', name, units, activation });
      const dims = [[16, 8], [8, 2], [8, 2], [2, 8], [8, 16]];
      const weights = dims.flatMap(([i, o]) => [Float32Array.from({ length: i * o }, (_, k) => ((k % 7) - 3) / 20), new Float32Array(o)]);
      const t = new wasm.Trainer({ inputDim: 16, encoder: [dense('encoder.0', 8)], latentDim: 2, decoder: [dense('decoder.0', 8), dense('decoder.1', 16, 'linear')],
        learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta: 1, reconstruction: 'bernoulli', gaussianLo: 0, gaussianHi: 1, gaussianSigma: 1,
        gaussianIncludeConstant: false, threads: 2, parallel: 'split', weights });
      const loss = t.step(new Float32Array(4 * 16).fill(0.5), 4, new Float32Array(4 * 2));
      console.log(JSON.stringify({ threads: wasm.info().threads, loss }));
    `;
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.signal, `still running after 30 s: ${run.stderr}`).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { threads: number; loss: number };
    expect(out.threads).toBe(2);
    expect(Number.isFinite(out.loss)).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
