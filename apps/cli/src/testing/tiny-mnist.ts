import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeIdx } from '@vae/data';

/**
 * Writes a tiny MNIST-format set into `dir` (the four gzipped files): grey `size`×`size` images of
 * a bar whose place and length follow the index, `train` and `test` of them. Runs on it take a
 * second or two: for tests that train many runs (sweeps).
 */
export async function writeTinyMnist(dir: string, { size = 8, train = 256, test = 64 } = {}): Promise<void> {
  const images = (n: number, offset: number) => {
    const data = new Uint8Array(n * size * size);
    for (let i = 0; i < n; i++) {
      const k = i + offset;
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[(i * size + y) * size + x] = y === k % size && x <= (k * 7) % size ? 240 : (x * y + k) % 5 === 0 ? 30 : 0;
    }
    return encodeIdx({ kind: 'images', dims: [n, size, size], data }, { gzip: true });
  };
  const labels = (n: number) => encodeIdx({ kind: 'labels', dims: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 10) }, { gzip: true });
  await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), images(train, 0));
  await writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), labels(train));
  await writeFile(join(dir, 't10k-images-idx3-ubyte.gz'), images(test, 1000));
  await writeFile(join(dir, 't10k-labels-idx1-ubyte.gz'), labels(test));
}
