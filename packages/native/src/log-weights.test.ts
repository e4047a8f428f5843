import type { MnistSplit } from '@vae/data';
import { Vae, type VaeConfig } from '@vae/model';
import { estimateLogLikelihood } from '@vae/train';
import { describe, expect, it } from 'vitest';
import { isNativeAvailable, nativeLoadError } from './index.js';
import { nativeLogWeights } from './log-weights.js';

const available = isNativeAvailable();
const title = available ? 'nativeLogWeights in estimateLogLikelihood' : `nativeLogWeights — SKIPPED, native addon unavailable: ${nativeLoadError()}`;

const CONFIG: VaeConfig = { inputDim: 36, encoderHidden: [20], latentDim: 3, decoderHidden: [24] };

/** Images with MNIST's share of zero pixels (4 in 5). */
function split(count: number): MnistSplit {
  const images = Uint8Array.from({ length: count * CONFIG.inputDim }, (_, i) => {
    const h = Math.imul(i + 1, 2654435761) >>> 0;
    return (h & 0xff) < 205 ? 0 : h >>> 24;
  });
  return { images, labels: new Uint8Array(count), count, rows: 6, cols: 6, channels: 1 };
}

describe.skipIf(!available)(title, () => {
  it('gives the per-image estimates of the tfjs weights, however the draws are split into calls', async () => {
    const model = new Vae(CONFIG, { seed: 4 });
    const test = split(10);
    const want = await estimateLogLikelihood(model, test, { samples: 30, seed: 2 });
    // 95 rows per call: 3 images per call, the last call 1 image in buffers sized for 3; 7 rows: one image's draws over 5 calls.
    for (const rowsPerCall of [8192, 95, 7]) {
      for (const threads of [1, 2]) {
        const native = nativeLogWeights(model, {}, { threads });
        const got = await estimateLogLikelihood(model, test, { samples: 30, seed: 2, rowsPerCall }, native.logWeights);
        native.dispose();
        for (let i = 0; i < test.count; i++) expect(got.perImage[i], `rowsPerCall ${rowsPerCall}, ${threads} threads, image ${i}`).toBeCloseTo(want.perImage[i]!, 4);
      }
    }
    model.dispose();
  });
});
