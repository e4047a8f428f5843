/**
 * @vae/data: MNIST-format (IDX) data for Node and browsers. Nothing reachable from this entry
 * imports `node:*`; loaders that read files or download live in `@vae/data/node`.
 */
export { DataError } from './errors.js';
export { parseIdx, encodeIdx, type IdxFile, type IdxKind } from './idx.js';
export { makeDataset, takeFirst, imageShape, valuesPerImage, type ImageSplit, type MnistSplit, type MnistData, type MnistSourceKind } from './dataset.js';
export { MNIST_FILES, MNIST_FILE_ROLES, MNIST_MIRRORS, type MnistFileSpec, type MnistFileSet } from './mnist-files.js';
export { normalizeInto, normalizationTable, normalizationRange, isNormalization, NORMALIZATIONS, type Normalization } from './normalization.js';
export { createRng, type Rng } from './rng.js';
export { shuffledIndices } from './shuffle.js';
export { batches, gatherBatchInto, type Batch, type BatchOptions } from './batches.js';
export { mnistFromFileBytes } from './mnist-file-bytes.js';
export { mnistRoleOfFileName, type MnistFileRole } from './mnist-file-role.js';
export { MNIST_MANIFEST_NAME, parseMnistManifest, type MnistManifest } from './mnist-manifest.js';
export { fetchMnist, type FetchMnistOptions } from './fetch-mnist.js';
export { embeddedFromDigitArrays, EMBEDDED_SPLIT_SEED, EMBEDDED_TEST_PER_CLASS } from './embedded.js';
export {
  IMAGE_EXTENSIONS,
  DEFAULT_TEST_FRACTION,
  DEFAULT_MAX_PIXELS,
  MAX_CLASSES,
  isImageFileName,
  readImageHeader,
  parseImageSize,
  coverCrop,
  inTestSplit,
  imageOrder,
  planImageFolder,
  assembleImageFolder,
  toChannels,
  describeFolderImage,
  describeImageFolder,
  ImageSkip,
  type ImageFormat,
  type ImageHeader,
  type ImageSize,
  type CropRect,
  type PlannedImage,
  type ImageFolderPlan,
  type DecodedImage,
  type FolderFile,
  type ImageDecoder,
  type ImageFolderOptions,
  type ImageFolderReport,
  type ImageFolderData,
} from './image-folder.js';
