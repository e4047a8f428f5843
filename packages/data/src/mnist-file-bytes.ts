import { checkSameImageSize, makeDataset, type MnistData } from './dataset.js';
import { DataError } from './errors.js';
import { gunzipChecked, isGzip } from './gunzip.js';
import { idxInflateLimit, parseIdx, type IdxFile, type IdxKind } from './idx.js';
import type { MnistFileRole } from './mnist-file-role.js';
import { MNIST_FILE_ROLES, MNIST_FILES } from './mnist-files.js';

/** The IDX magic numbers of each kind: images are 3 dims (2051) or 4 with channels (2052). */
const MAGICS: Record<IdxKind, readonly number[]> = { images: [2051, 2052], labels: [2049] };

/** How each role is named in messages, and the kind of IDX file it must be. */
const ROLE: Record<MnistFileRole, { label: string; kind: IdxKind }> = {
  trainImages: { label: 'train-images', kind: 'images' },
  trainLabels: { label: 'train-labels', kind: 'labels' },
  testImages: { label: 'test-images', kind: 'images' },
  testLabels: { label: 'test-labels', kind: 'labels' },
};

/**
 * An MNIST-format dataset from the bytes of its four files (fetched, or dropped on a page), each
 * gzipped or raw IDX; images grey `[n, rows, cols]` or with channels `[n, rows, cols, channels]`.
 * Nothing here touches the file system or the network.
 *
 * @throws DataError naming the file (`train-images`, …) and the file expected there, for corrupt
 *   gzip, a file that is not IDX or is the wrong one (labels where images belong), counts that
 *   differ between images and labels, a split without images, or train and test images of
 *   different sizes or channel counts.
 */
export function mnistFromFileBytes(files: Record<MnistFileRole, Uint8Array>, source: MnistData['source']): MnistData {
  const [trainImages, trainLabels, testImages, testLabels] = MNIST_FILE_ROLES.map((role) => parseRole(role, files[role]));
  const train = makeDataset(trainImages!, trainLabels!, 'train');
  const test = makeDataset(testImages!, testLabels!, 'test');
  checkSameImageSize(train, test, 'train-images', 'test-images');
  return { train, test, source };
}

function parseRole(role: MnistFileRole, bytes: Uint8Array | undefined): IdxFile {
  const { label, kind } = ROLE[role];
  const magics = MAGICS[kind];
  const expected = `expected the MNIST-format ${MNIST_FILES[role].name.replace(/\.gz$/, '')}(.gz)`;
  if (!bytes) throw new DataError(`${label}: missing; ${expected}`);
  let wrongFile: DataError | undefined; // already says what was expected
  const checkMagic = (raw: Uint8Array): void => {
    const found = raw.length >= 4 ? new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0, false) : undefined;
    if (found !== undefined && magics.includes(found)) return;
    // Which file it is instead, when it is one of the others: dropped files are easily swapped.
    const other = found === 2049 ? ' (an IDX labels file)' : found === 2051 || found === 2052 ? ' (an IDX images file)' : '';
    const what = found === undefined ? `only ${raw.length} bytes` : `magic ${found} = 0x${found.toString(16).padStart(8, '0')}${other}`;
    const wanted = kind === 'images' ? 'magic 2051 (or 2052 for images with channels)' : 'magic 2049';
    throw (wrongFile = new DataError(`${label}: not an IDX ${kind} file (${what}); ${expected}, ${wanted}`));
  };
  try {
    // Gzip: the magic is checked on the first inflated bytes, and inflating stops past the size the header declares.
    const raw = isGzip(bytes)
      ? gunzipChecked(bytes, label, (head) => {
          if (head.length < 4) return undefined;
          checkMagic(head);
          return idxInflateLimit(head, label);
        })
      : bytes;
    checkMagic(raw);
    return parseIdx(raw, label);
  } catch (err) {
    if (!(err instanceof DataError) || err === wrongFile) throw err;
    throw new DataError(`${err.message}; ${expected}`, { cause: err });
  }
}
