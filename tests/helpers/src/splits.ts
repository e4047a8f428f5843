// Data for training tests (@vae/train): real digits from the offline default, and tiny random splits.
import type { MnistSplit } from '@vae/data';
import { embeddedMnist } from '@vae/data/node';

export { takeFirst as head } from '@vae/data';

let cached: ReturnType<typeof embeddedMnist> | undefined;
/** Real MNIST digits (the offline default: 9,000 train / 1,000 test), loaded once per test file. */
export function realDigits() {
  cached ??= embeddedMnist();
  return cached;
}

/** A tiny split of 4×4 "images" for fast loop tests. */
export function tinySplit(count: number, seed = 1): MnistSplit {
  const images = new Uint8Array(count * 16);
  let s = seed;
  for (let i = 0; i < images.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    images[i] = (s >>> 16) & 0xff;
  }
  return { images, labels: new Uint8Array(count), count, rows: 4, cols: 4, channels: 1 };
}
