import type { MnistData } from './dataset.js';
import { DataError } from './errors.js';
import type { MnistFileRole } from './mnist-file-role.js';
import { MNIST_FILE_ROLES } from './mnist-files.js';
import { isRecord } from '@vae/internal';

/**
 * `mnist.json`: how a server (the web app's dev server, or its static build under `data/`) tells a
 * page where a dataset's four files are. File names are relative to the manifest's own URL.
 *
 * ```json
 * { "source": { "kind": "cache", "description": "MNIST from cache /root/.cache/vae-ts/mnist" },
 *   "files": { "trainImages": "train-images-idx3-ubyte.gz", "trainLabels": "…", "testImages": "…", "testLabels": "…" },
 *   "train": 60000, "test": 10000 }
 * ```
 */
export interface MnistManifest {
  /** Where the server got the data (what `loadMnist` reported). */
  source: MnistData['source'];
  /** Each file, gzipped or raw IDX. */
  files: Record<MnistFileRole, string>;
  /** Number of train and test images. */
  train: number;
  test: number;
}

/** The manifest's file name beside the data files. */
export const MNIST_MANIFEST_NAME = 'mnist.json';

/**
 * Checks that `json` (parsed from `where`, which starts error messages) is an `MnistManifest`.
 *
 * @throws DataError naming the first field that is missing or of the wrong type.
 */
export function parseMnistManifest(json: unknown, where: string): MnistManifest {
  const fail = (what: string): never => {
    throw new DataError(`${where}: ${what}; expected an MNIST manifest {"source": {"kind", "description"}, "files": {"trainImages", …}, "train", "test"}`);
  };
  if (!isRecord(json)) return fail('not a JSON object');
  const { source, files, train, test } = json;
  if (!isRecord(source) || typeof source.kind !== 'string' || typeof source.description !== 'string') {
    return fail('"source" is not {"kind": string, "description": string}');
  }
  if (!isRecord(files)) return fail('"files" is missing');
  for (const role of MNIST_FILE_ROLES) {
    if (typeof files[role] !== 'string' || files[role] === '') fail(`"files.${role}" is not a file name`);
  }
  if (!isCount(train) || !isCount(test)) return fail('"train" or "test" is not a count of images');
  return {
    source: { kind: source.kind as MnistData['source']['kind'], description: source.description },
    files: Object.fromEntries(MNIST_FILE_ROLES.map((role) => [role, files[role]])) as Record<MnistFileRole, string>,
    train,
    test,
  };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
