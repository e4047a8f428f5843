import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkSameImageSize, makeDataset, type MnistData } from './dataset.js';
import { DataError } from './errors.js';
import { parseIdx } from './idx.js';
import { MNIST_FILE_ROLES, MNIST_FILES, type MnistFileSet } from './mnist-files.js';

/**
 * Loads MNIST (or any MNIST-format dataset, via `files`) from a directory holding the four
 * standard files, each either gzipped (`train-images-idx3-ubyte.gz`) or not
 * (`train-images-idx3-ubyte`); the `.gz` is used when both are there. The image files may be grey
 * (3 dims) or have channels (4 dims, `[n, rows, cols, channels]`, e.g. RGB) under the same names.
 *
 * @throws DataError naming the directory and every missing file, the file that is corrupt, a
 *   split without images, or train and test images of different sizes or channel counts.
 */
export async function loadMnistFromDir(dir: string, options: { files?: MnistFileSet } = {}): Promise<MnistData> {
  const files = options.files ?? MNIST_FILES;
  if (!(await isDirectory(dir))) {
    throw new DataError(`${dir}: no such directory; expected a directory holding ${MNIST_FILE_ROLES.map((r) => files[r].name).join(', ')}, or a folder of images`);
  }
  const found = await Promise.all(MNIST_FILE_ROLES.map((role) => findFile(dir, files[role].name)));
  const missing = MNIST_FILE_ROLES.filter((_, i) => found[i] === undefined).map((role) => files[role].name);
  if (missing.length > 0) {
    throw new DataError(
      `${dir}: missing MNIST files: ${missing.join(', ')} (gzipped or not); ` +
        `expected the four files ${MNIST_FILE_ROLES.map((r) => files[r].name).join(', ')}`,
    );
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    found.map(async (file) => parseIdx(await readBytes(file!), file!)),
  );
  const description = `MNIST-format files in ${path.resolve(dir)}`;
  const train = makeDataset(trainImages!, trainLabels!, `${dir} (train)`);
  const test = makeDataset(testImages!, testLabels!, `${dir} (test)`);
  const [trainImagesFile, , testImagesFile] = found as string[];
  checkSameImageSize(train, test, trainImagesFile!, testImagesFile!);
  return { train, test, source: { kind: 'dir', description } };
}

/** Whether `dir` holds any of the four files (gzipped or not): then it is read as an MNIST-format set, not as a folder of images. */
export async function hasMnistFiles(dir: string, files: MnistFileSet = MNIST_FILES): Promise<boolean> {
  const found = await Promise.all(MNIST_FILE_ROLES.map((role) => findFile(dir, files[role].name)));
  return found.some((f) => f !== undefined);
}

/** `name` if it exists in `dir`, else `name` without `.gz`, else undefined. */
async function findFile(dir: string, name: string): Promise<string | undefined> {
  const candidates = name.endsWith('.gz') ? [name, name.slice(0, -3)] : [name, `${name}.gz`];
  for (const candidate of candidates) {
    const file = path.join(dir, candidate);
    if (await isFile(file)) return file;
  }
  return undefined;
}

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() ?? false;
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}

/** A plain Uint8Array over the file's bytes: no Buffer quirks leak into the dataset. */
async function readBytes(file: string): Promise<Uint8Array> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (error) {
    throw readFailure(file, error);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** A data file that cannot be read, in one line with what to do: it is read, never written. */
function readFailure(file: string, error: unknown): DataError {
  const code = (error as NodeJS.ErrnoException).code;
  const what =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied; make it readable (e.g. chmod a+r) or copy the files somewhere you can read'
      : code === 'EISDIR'
        ? 'a directory is there, not the file; put the file in its place'
        : code === 'EIO'
          ? 'input/output error (a failing disk or a lost network file system?); copy the files elsewhere'
          : `cannot be read (${String(code ?? (error as Error).message).replace(/\s+/g, ' ')}); check the file`;
  return new DataError(`${file}: ${what}`, { cause: error });
}
