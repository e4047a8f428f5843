import type { MnistSplit } from './dataset.js';
import { DataError } from './errors.js';

// A folder of ordinary images (PNG, JPEG, WebP) as a dataset: the rules both decoders share — which
// files count, the split, the class labels, the image size, the crop, channels and alpha — so the
// CLI (sharp, in `@vae/data/node`) and a browser (createImageBitmap) make the same set of the same
// folder. Nothing here decodes pixels or touches a file system: a decoder is passed in.

/** The file name endings read as images (case-insensitive). */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze(['.png', '.jpg', '.jpeg', '.webp']);

/** Whether a file name ends like an image this package reads (`.png`, `.jpg`, `.jpeg`, `.webp`). */
export function isImageFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Share of an unsplit folder's images that goes to the test split. */
export const DEFAULT_TEST_FRACTION = 0.1;
/** Images larger than this many pixels are refused from their header, before decoding (a decompression bomb). */
export const DEFAULT_MAX_PIXELS = 64 * 1024 * 1024;
/** Labels are bytes: at most this many class folders. */
export const MAX_CLASSES = 256;

export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** What an image file's header says, read without decoding it. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * The format and size an image file declares in its first bytes (PNG's IHDR, JPEG's SOF marker,
 * WebP's VP8/VP8L/VP8X chunk), or undefined when the bytes are none of the three or their header
 * is cut short. Nothing is decoded, so a decompression bomb is seen for what it is first.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = (i: number) => bytes[i] ?? -1;
  // PNG: signature, then the IHDR chunk (length, "IHDR", width, height).
  if (bytes.length >= 24 && at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47 && at(12) === 0x49 && at(13) === 0x48 && at(14) === 0x44 && at(15) === 0x52) {
    return { format: 'png', width: view.getUint32(16), height: view.getUint32(20) };
  }
  // JPEG: SOI, then segments until a start-of-frame marker.
  if (at(0) === 0xff && at(1) === 0xd8) {
    let i = 2;
    while (i + 4 <= bytes.length) {
      if (at(i) !== 0xff) return undefined;
      const marker = at(i + 1);
      if (marker === 0xff) {
        i++; // fill byte
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        i += 2; // no length
        continue;
      }
      const length = view.getUint16(i + 2);
      const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame) {
        if (i + 9 > bytes.length) return undefined;
        return { format: 'jpeg', height: view.getUint16(i + 5), width: view.getUint16(i + 7) };
      }
      if (marker === 0xd9 || marker === 0xda || length < 2) return undefined; // image data before any frame header
      i += 2 + length;
    }
    return undefined;
  }
  // WebP: RIFF....WEBP, then the first chunk.
  const fourcc = (i: number) => String.fromCharCode(at(i), at(i + 1), at(i + 2), at(i + 3));
  if (bytes.length >= 30 && fourcc(0) === 'RIFF' && fourcc(8) === 'WEBP') {
    const chunk = fourcc(12);
    if (chunk === 'VP8 ' && at(23) === 0x9d && at(24) === 0x01 && at(25) === 0x2a) {
      return { format: 'webp', width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
    }
    if (chunk === 'VP8L' && at(20) === 0x2f) {
      const bits = view.getUint32(21, true);
      return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8X') {
      const u24 = (i: number) => at(i) | (at(i + 1) << 8) | (at(i + 2) << 16);
      return { format: 'webp', width: u24(24) + 1, height: u24(27) + 1 };
    }
  }
  return undefined;
}

/** Height and width of the images a folder is made into. */
export interface ImageSize {
  height: number;
  width: number;
}

/**
 * Reads `--image-size`: `n` (n×n) or `HxW` (height first, as the rest of the project names image
 * sizes; `×` works too).
 *
 * @throws RangeError saying what was expected.
 */
export function parseImageSize(text: string): ImageSize {
  const match = /^\s*(\d+)\s*(?:[x×X]\s*(\d+)\s*)?$/.exec(text);
  const height = match ? Number(match[1]) : NaN;
  const width = match ? Number(match[2] ?? match[1]) : NaN;
  if (!(Number.isSafeInteger(height) && Number.isSafeInteger(width) && height >= 1 && width >= 1 && height <= 4096 && width <= 4096)) {
    throw new RangeError(`expected n or HxW with sides from 1 to 4096 (e.g. 28 or 32x48), got ${JSON.stringify(text)}`);
  }
  return { height, width };
}

/** The rectangle of a source image that a resize to `target` with fit `cover` keeps: the largest centred one of the target's aspect. */
export interface CropRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Fit `cover`: the centred crop of `source` with `target`'s aspect ratio (the whole image when they
 * agree), which the decoder then scales to `target`. Both decoders crop this same rectangle.
 */
export function coverCrop(source: { width: number; height: number }, target: ImageSize): CropRect {
  const scale = Math.min(source.width / target.width, source.height / target.height);
  const width = Math.min(source.width, Math.max(1, Math.round(target.width * scale)));
  const height = Math.min(source.height, Math.max(1, Math.round(target.height * scale)));
  return { left: Math.floor((source.width - width) / 2), top: Math.floor((source.height - height) / 2), width, height };
}

/**
 * Whether the image at `path` (relative to the folder, `/`-separated) is in the test split of an
 * unsplit folder: a hash of the path, so each image's side depends on its path alone and adding
 * files never moves another one.
 */
export function inTestSplit(path: string, testFraction: number): boolean {
  return pathHash(path, 0x811c9dc5) / 4294967296 < testFraction;
}

/** FNV-1a over the UTF-16 code units from `basis`, then a murmur3 finalizer to spread the bits: a uint32. */
function pathHash(path: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Sorts a split's paths into its fixed order: by a second hash of each path (not the split's), then
 * by the path. The classes come mixed (so the first n images, `--train-size n`, are a sample of all
 * of them), the order is the same on every machine, and adding files keeps the others' order.
 */
export function imageOrder(paths: readonly string[]): string[] {
  const keyed = paths.map((p) => [pathHash(p, 0x2545f491), p] as const);
  keyed.sort((a, b) => a[0] - b[0] || byCodeUnits(a[1], b[1]));
  return keyed.map(([, p]) => p);
}

/** One image of the plan: its path in the folder and its class (0 when the folder has no class folders). */
export interface PlannedImage {
  path: string;
  label: number;
}

/** Which images go where, before anything is decoded. */
export interface ImageFolderPlan {
  train: PlannedImage[];
  test: PlannedImage[];
  /** Class names (sorted; a label is an index into them), or empty when the images are not in class folders. */
  classes: string[];
  /** `train-test`: the folder's own `train/` and `test/`; `split`: split by `inTestSplit`. */
  layout: 'train-test' | 'split';
  /** Image files outside `train/` and `test/` in a folder that has both: not used. */
  unused: string[];
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Sorts image paths (relative, `/`-separated) into train and test, with labels, as torchvision's
 * ImageFolder would:
 * - a folder with `train/` and `test/` holding images uses them as the splits, else each image's
 *   side comes from `inTestSplit(path, testFraction)`;
 * - within a split (or the whole folder), when every image lies in a subfolder, the first
 *   subfolder is its class; classes are numbered in sorted order, shared by both splits;
 * - within a split, images are in `imageOrder`: by a hash of the path, classes mixed.
 */
export function planImageFolder(paths: readonly string[], options: { testFraction?: number } = {}): ImageFolderPlan {
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  const sorted = [...paths].sort(byCodeUnits);
  const top = (p: string) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : undefined);
  const hasSplits = sorted.some((p) => top(p) === 'train') && sorted.some((p) => top(p) === 'test');
  const unused: string[] = [];
  let train: string[];
  let test: string[];
  let within: (p: string) => string; // the path below the split folder
  if (hasSplits) {
    train = [];
    test = [];
    for (const p of sorted) (top(p) === 'train' ? train : top(p) === 'test' ? test : unused).push(p);
    within = (p) => p.slice(p.indexOf('/') + 1);
  } else {
    train = sorted.filter((p) => !inTestSplit(p, testFraction));
    test = sorted.filter((p) => inTestSplit(p, testFraction));
    within = (p) => p;
  }
  const all = [...train, ...test].map(within);
  const labelled = all.length > 0 && all.every((p) => p.includes('/'));
  const classes = labelled ? [...new Set(all.map((p) => top(p)!))].sort(byCodeUnits) : [];
  if (classes.length > MAX_CLASSES) {
    throw new DataError(`${classes.length} class folders (${classes.slice(0, 3).join(', ')}, …); at most ${MAX_CLASSES} fit in a label byte: merge classes or put the images in one folder`);
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  const plan = (p: string): PlannedImage => ({ path: p, label: labelled ? index.get(top(within(p))!)! : 0 });
  return { train: imageOrder(train).map(plan), test: imageOrder(test).map(plan), classes, layout: hasSplits ? 'train-test' : 'split', unused };
}

/** An image at the target size, as a decoder gives it: 1 (grey), 2 (grey, alpha), 3 (RGB) or 4 (RGBA) bytes per pixel. */
export interface DecodedImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/** A file of the folder: its `/`-separated path below the folder, and whatever the decoder reads it by. */
export interface FolderFile {
  path: string;
}

/** Why an image was left out; thrown by a decoder for a file it cannot read or decode. */
export class ImageSkip extends Error {
  override name = 'ImageSkip';
}

/**
 * Reads images for `assembleImageFolder`: sharp in Node (`@vae/data/node`), createImageBitmap in a
 * browser. Either may throw `ImageSkip` (or any error, told as the file's problem) to skip a file.
 */
export interface ImageDecoder<F extends FolderFile> {
  /** The file's first bytes or all of them: enough for `readImageHeader`. */
  head(file: F): Promise<Uint8Array>;
  /** The `crop` of the image scaled to `target` (`crop` is the whole image when no crop is needed). */
  decode(file: F, header: ImageHeader, crop: CropRect, target: ImageSize): Promise<DecodedImage>;
}

export interface ImageFolderOptions {
  /** Every image is cropped (fit `cover`) and scaled to this; default: the size most images have. */
  imageSize?: ImageSize;
  /** 1 (grey) or 3 (RGB); default: 3 if any image has colour (a pixel whose red, green and blue differ), else 1. */
  channels?: 1 | 3;
  /** For a folder without `train/` and `test/` (default 0.1). */
  testFraction?: number;
  /** Refuse the folder when a file is skipped, instead of counting it. */
  strict?: boolean;
  /** Refuse images with more pixels than this from their header (default `DEFAULT_MAX_PIXELS`). */
  maxPixels?: number;
  /** Files read at once (default 8). */
  concurrency?: number;
  /** Called now and then while decoding. */
  onProgress?: (done: number, total: number) => void;
}

/** What was made of a folder: written as `data-report.json` beside a run. */
export interface ImageFolderReport {
  /** The folder, as the caller names it. */
  folder: string;
  layout: ImageFolderPlan['layout'];
  testFraction: number | null;
  /** Image files found (by their name). */
  found: number;
  train: number;
  test: number;
  classes: string[];
  image: { height: number; width: number; channels: number };
  /** How the size was chosen: given (`--image-size`) or the most common one. */
  sizeFrom: 'given' | 'most common';
  channelsFrom: 'given' | 'colour found' | 'no colour found';
  fit: 'cover';
  /** Images of another size than the target: cropped and scaled. */
  resized: number;
  /** The sizes found (`HxW`) with their counts, most common first (at most 10). */
  sizes: { size: string; count: number }[];
  /** Files skipped, with why (not an image, corrupt, too large, unreadable, a symlink loop). */
  skipped: { path: string; reason: string }[];
  /** Files not used: other files in a folder with `train/` and `test/`, and files not named as images. */
  unused: string[];
}

/** A folder of images made into a dataset. */
export interface ImageFolderData {
  train: MnistSplit;
  test: MnistSplit;
  report: ImageFolderReport;
}

/** `28×28 grey`, `32×32 RGB`: how a folder's image is named in messages. */
export function describeFolderImage(image: { height: number; width: number; channels: number }): string {
  return `${image.height}×${image.width} ${image.channels === 1 ? 'grey' : image.channels === 3 ? 'RGB' : `${image.channels} channels`}`;
}

/** What a folder's dataset is, for logs, config.json and the page: `image folder <dir> (28×28 grey, 10 classes from its subfolders, its train/ and test/)`. */
export function describeImageFolder(report: ImageFolderReport): string {
  const classes = report.classes.length > 0 ? `, ${report.classes.length} classes from its subfolders` : '';
  const split = report.layout === 'train-test' ? ', its train/ and test/' : `, test split ${report.testFraction}`;
  return `image folder ${report.folder} (${describeFolderImage(report.image)}${classes}${split})`;
}

/** Runs `work` on every item, `limit` at a time, in order of start. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

const oneLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();

/**
 * Makes a folder's image files into train and test splits (`planImageFolder`), reading each with
 * `decoder`: headers first (a file that is no PNG, JPEG or WebP, or larger than `maxPixels`, is
 * skipped before decoding), then the pixels, cropped to the target's aspect (fit `cover`) and
 * scaled. Alpha is composited over black; grey becomes RGB by copying, RGB becomes grey as
 * (77·R + 150·G + 29·B + 128) >> 8 (BT.601 luma). Pixels stay bytes: `channels` per pixel, channels last.
 *
 * @throws DataError for a folder without images, `strict` with a file skipped, or a split with
 *   fewer than two images; each says what to do.
 */
export async function assembleImageFolder<F extends FolderFile>(
  folder: string,
  files: readonly F[],
  decoder: ImageDecoder<F>,
  options: ImageFolderOptions = {},
  walkSkipped: { path: string; reason: string }[] = [],
): Promise<ImageFolderData> {
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const concurrency = options.concurrency ?? 8;
  const images = files.filter((f) => isImageFileName(f.path));
  const notImages = files.filter((f) => !isImageFileName(f.path)).map((f) => f.path);
  if (images.length === 0) {
    throw new DataError(
      `${folder}: no images found (PNG, JPEG or WebP, in it or its subfolders${notImages.length > 0 ? `; ${notImages.length} other files, e.g. ${notImages[0]}` : ''}); put the images there, or name the folder that holds them`,
    );
  }
  const plan = planImageFolder(images.map((f) => f.path), { testFraction });
  const byPath = new Map(images.map((f) => [f.path, f]));
  const planned = [...plan.train, ...plan.test];
  const skipped = [...walkSkipped];
  const strictStop = (what: { path: string; reason: string }) =>
    new DataError(`${folder}/${what.path}: ${what.reason}; --strict refuses the folder: remove or fix the file, or drop --strict to skip it (skipped files are listed in data-report.json)`);
  if (options.strict && skipped.length > 0) throw strictStop(skipped[0]!);

  // Headers: format and size, nothing decoded.
  const headers: (ImageHeader | undefined)[] = new Array(planned.length);
  const skip = (i: number, reason: string) => {
    headers[i] = undefined;
    const entry = { path: planned[i]!.path, reason };
    skipped.push(entry);
    if (options.strict) throw strictStop(entry);
  };
  await forEachLimited(planned, concurrency, async (image, i) => {
    let head: Uint8Array;
    try {
      head = await decoder.head(byPath.get(image.path)!);
    } catch (error) {
      return skip(i, oneLine(error));
    }
    const header = readImageHeader(head);
    if (!header) return skip(i, `not a PNG, JPEG or WebP image (${head.length === 0 ? 'empty' : 'unknown first bytes'}), or its header is cut short`);
    if (header.width === 0 || header.height === 0) return skip(i, `corrupt: its header says ${header.width}×${header.height} pixels`);
    if (header.width * header.height > maxPixels) {
      return skip(i, `${header.width}×${header.height} = ${(header.width * header.height).toLocaleString('en-US')} pixels, more than the ${maxPixels.toLocaleString('en-US')} allowed (a decompression bomb?): refused before decoding`);
    }
    headers[i] = header;
  });

  // The target size: given, or the most common (ties: the one met first, train then test, in their order).
  const sizeCounts = new Map<string, { size: ImageSize; count: number; first: number }>();
  headers.forEach((h, i) => {
    if (!h) return;
    const key = `${h.height}x${h.width}`;
    const entry = sizeCounts.get(key);
    if (entry) entry.count++;
    else sizeCounts.set(key, { size: { height: h.height, width: h.width }, count: 1, first: i });
  });
  const sizes = [...sizeCounts.values()].sort((a, b) => b.count - a.count || a.first - b.first);
  if (sizes.length === 0) {
    throw new DataError(`${folder}: none of its ${images.length} image files could be read (e.g. ${skipped[0]?.path}: ${skipped[0]?.reason}); check the files`);
  }
  const target = options.imageSize ?? sizes[0]!.size;
  const pixels = target.height * target.width;
  const fixedChannels = options.channels;
  const staging = fixedChannels ?? 3;

  // Decode into one buffer per split, in plan order; skipped images leave gaps closed at the end.
  const trainCount = plan.train.length;
  const buffers = [new Uint8Array(trainCount * pixels * staging), new Uint8Array(plan.test.length * pixels * staging)];
  const ok = new Uint8Array(planned.length);
  let colour = false;
  let resized = 0;
  let done = 0;
  await forEachLimited(planned, concurrency, async (image, i) => {
    const header = headers[i];
    if (!header) return;
    const crop = coverCrop(header, target);
    if (header.width !== target.width || header.height !== target.height) resized++;
    let decoded: DecodedImage;
    try {
      decoded = await decoder.decode(byPath.get(image.path)!, header, crop, target);
      if (decoded.width !== target.width || decoded.height !== target.height || decoded.data.length !== pixels * decoded.channels || decoded.channels < 1 || decoded.channels > 4) {
        throw new Error(`the decoder gave ${decoded.width}×${decoded.height}×${decoded.channels} (${decoded.data.length} bytes), not ${target.height}×${target.width}`);
      }
    } catch (error) {
      if (header.width !== target.width || header.height !== target.height) resized--;
      return skip(i, `corrupt or unreadable: ${oneLine(error)}`);
    }
    const [buffer, slot] = i < trainCount ? [buffers[0]!, i] : [buffers[1]!, i - trainCount];
    const out = buffer.subarray(slot * pixels * staging, (slot + 1) * pixels * staging);
    if (toChannels(decoded, out, staging)) colour = true;
    ok[i] = 1;
    done++;
    if (done % 1000 === 0) options.onProgress?.(done, planned.length);
  });

  // Close the gaps of skipped images; then RGB → grey when no image had colour (and none was asked for).
  const channels = fixedChannels ?? (colour ? 3 : 1);
  const finish = (buffer: Uint8Array, from: number, list: PlannedImage[], name: 'train' | 'test'): MnistSplit => {
    const labels: number[] = [];
    let kept = 0;
    list.forEach((image, k) => {
      if (!ok[from + k]) return;
      if (kept !== k) buffer.copyWithin(kept * pixels * staging, k * pixels * staging, (k + 1) * pixels * staging);
      labels.push(image.label);
      kept++;
    });
    if (kept < 2) {
      const fix = plan.layout === 'train-test' ? `add images to ${name}/` : `add images, or ${name === 'test' ? 'raise' : 'lower'} --test-fraction (now ${testFraction}), or make train/ and test/ folders`;
      throw new DataError(`${folder}: ${kept === 0 ? 'no' : 'only one'} image in the ${name} split (of ${list.length} planned there${list.length > kept ? `, ${list.length - kept} skipped` : ''}); a split needs at least two: ${fix}`);
    }
    let images = buffer.subarray(0, kept * pixels * staging);
    if (staging === 3 && channels === 1) {
      const grey = new Uint8Array(kept * pixels);
      for (let p = 0; p < grey.length; p++) grey[p] = images[p * 3]!; // no colour: R = G = B
      images = grey;
    }
    return { images, labels: Uint8Array.from(labels), count: kept, rows: target.height, cols: target.width, channels };
  };
  const train = finish(buffers[0]!, 0, plan.train, 'train');
  const test = finish(buffers[1]!, trainCount, plan.test, 'test');
  const report: ImageFolderReport = {
    folder,
    layout: plan.layout,
    testFraction: plan.layout === 'split' ? testFraction : null,
    found: images.length,
    train: train.count,
    test: test.count,
    classes: plan.classes,
    image: { height: target.height, width: target.width, channels },
    sizeFrom: options.imageSize ? 'given' : 'most common',
    channelsFrom: fixedChannels ? 'given' : colour ? 'colour found' : 'no colour found',
    fit: 'cover',
    resized,
    sizes: sizes.slice(0, 10).map((s) => ({ size: `${s.size.height}x${s.size.width}`, count: s.count })),
    skipped,
    unused: [...plan.unused, ...notImages],
  };
  return { train, test, report };
}

/**
 * Writes `image` into `out` with `channels` (1 or 3) bytes per pixel, alpha composited over black
 * (round(v·a/255)); returns whether it has colour (a pixel whose red, green and blue differ).
 */
export function toChannels(image: DecodedImage, out: Uint8Array, channels: 1 | 3): boolean {
  const { data, channels: c } = image;
  const n = image.width * image.height;
  const over = (v: number, a: number) => ((v * a + 127) / 255) | 0;
  let colour = false;
  for (let p = 0; p < n; p++) {
    let r: number;
    let g: number;
    let b: number;
    if (c <= 2) {
      const v = c === 2 ? over(data[p * 2]!, data[p * 2 + 1]!) : data[p]!;
      r = g = b = v;
    } else {
      const a = c === 4 ? data[p * 4 + 3]! : 255;
      r = data[p * c]!;
      g = data[p * c + 1]!;
      b = data[p * c + 2]!;
      if (a !== 255) [r, g, b] = [over(r, a), over(g, a), over(b, a)];
      if (r !== g || g !== b) colour = true;
    }
    if (channels === 3) {
      out[p * 3] = r;
      out[p * 3 + 1] = g;
      out[p * 3 + 2] = b;
    } else {
      out[p] = r === g && g === b ? r : (77 * r + 150 * g + 29 * b + 128) >> 8;
    }
  }
  return colour;
}
