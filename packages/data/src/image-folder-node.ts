import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { defaultCacheDir } from './cache-dir.js';
import type { MnistData } from './dataset.js';
import { makeDataset } from './dataset.js';
import { DataError } from './errors.js';
import {
  assembleImageFolder,
  DEFAULT_MAX_PIXELS,
  DEFAULT_TEST_FRACTION,
  describeImageFolder,
  ImageSkip,
  readImageHeader,
  type ImageDecoder,
  type ImageFolderOptions,
  type ImageFolderReport,
} from './image-folder.js';
import { parseIdx } from './idx.js';
import { makeDirectory } from './make-directory.js';

/** A file found in the folder. */
interface NodeFile {
  /** Below the folder, `/`-separated. */
  path: string;
  abs: string;
  size: number;
  mtimeMs: number;
}

export interface LoadImageFolderOptions extends ImageFolderOptions {
  /** Cache root (default `defaultCacheDir()`): a decoded folder is kept in `<root>/images/<key>/`; `null`: no cache. */
  cacheDir?: string | null;
  /** One line per decision: the cache used or written (default: nothing). */
  log?: (line: string) => void;
}

/** A folder made into a dataset, with what was made of it and whether the cache had it. */
export interface LoadedImageFolder extends MnistData {
  report: ImageFolderReport;
  cache: { dir: string | null; hit: boolean };
}

/** Bumped when the decode rules change, so older cache entries are not used. */
const CACHE_VERSION = 2;
/** The cache entry's files: an MNIST-format directory (IDX, 4 dims with channels), plus the report. */
const CACHE_FILES = { trainImages: 'train-images-idx3-ubyte', trainLabels: 'train-labels-idx1-ubyte', testImages: 't10k-images-idx3-ubyte', testLabels: 't10k-labels-idx1-ubyte', report: 'report.json', alias: 'alias.json', of: 'of.json' } as const;
/** The header's first bytes are read first; a file whose header is not within them is read whole. */
const HEAD_BYTES = 256 * 1024;

const errnoCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;
const REASONS: Record<string, string> = { EACCES: 'permission denied', EPERM: 'operation not permitted', EIO: 'input/output error', ELOOP: 'a symlink loop', ENOENT: 'gone while reading (or a broken symlink)' };
const fsReason = (error: unknown) => {
  const code = errnoCode(error);
  return code ? `${REASONS[code] ?? 'cannot be read'} (${code})` : (error as Error).message.replace(/\s+/g, ' ');
};

/**
 * Every file below `root` (hidden ones left out), following symlinks but not round a loop; a loop
 * and a subfolder or file that cannot be read are listed in `skipped` with why.
 */
export async function walkImageFolder(root: string): Promise<{ files: NodeFile[]; skipped: { path: string; reason: string }[] }> {
  const files: NodeFile[] = [];
  const skipped: { path: string; reason: string }[] = [];
  let rootReal: string;
  try {
    rootReal = await realpath(root);
    if (!(await stat(rootReal)).isDirectory()) throw new DataError(`${root}: not a folder; name the folder that holds the images`);
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`${root}: ${errnoCode(error) === 'ENOENT' ? 'no such folder' : fsReason(error)}; name a folder of images you can read`, { cause: error });
  }
  const visit = async (dir: string, rel: string, ancestors: Map<string, string>): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (rel === '') throw new DataError(`${root}: the folder cannot be read: ${fsReason(error)}; make it readable`, { cause: error });
      skipped.push({ path: `${rel}/`, reason: `a folder that cannot be read: ${fsReason(error)}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue; // .DS_Store, .git, editors' files
      const abs = path.join(dir, entry.name);
      const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
      let info;
      try {
        info = entry.isSymbolicLink() ? await stat(abs) : entry.isDirectory() || entry.isFile() ? await stat(abs) : undefined;
      } catch (error) {
        skipped.push({ path: relPath, reason: fsReason(error) });
        continue;
      }
      if (!info) continue; // sockets, devices, fifos
      if (info.isDirectory()) {
        let real: string;
        try {
          real = await realpath(abs);
        } catch (error) {
          skipped.push({ path: relPath, reason: fsReason(error) });
          continue;
        }
        const loop = ancestors.get(real);
        if (loop !== undefined) {
          skipped.push({ path: relPath, reason: `a symlink loop (back to ${loop === '' ? 'the folder itself' : `${loop}/`}): not followed` });
          continue;
        }
        await visit(abs, relPath, new Map([...ancestors, [real, relPath]]));
      } else if (info.isFile()) {
        files.push({ path: relPath, abs, size: info.size, mtimeMs: info.mtimeMs });
      }
    }
  };
  await visit(root, '', new Map([[rootReal, '']]));
  return { files, skipped };
}

/** The whole file as a plain Uint8Array (any size: `readFile` stops at 2 GiB). */
async function readWhole(file: string, limit = Infinity): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const size = Math.min((await handle.stat()).size, limit);
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(out, at, Math.min(size - at, 1 << 26), at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? out : out.subarray(0, at);
  } finally {
    await handle.close();
  }
}

/** An IDX file (4-dim images with channels, or labels) written in pieces: no copy of the data. */
async function writeIdx(file: string, dims: number[], data: Uint8Array): Promise<void> {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  view.setUint32(0, dims.length === 1 ? 0x801 : 0x800 + dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const handle = await open(file, 'wx');
  try {
    await handle.write(header);
    for (let at = 0; at < data.length; at += 1 << 26) await handle.write(data.subarray(at, Math.min(data.length, at + (1 << 26))));
  } finally {
    await handle.close();
  }
}

/** sharp: the crop, then a Lanczos-3 scale (libvips' default) when the size differs; raw bytes, 8 bits a channel. */
function sharpDecoder(maxPixels: number): ImageDecoder<NodeFile> {
  return {
    async head(file) {
      try {
        const head = await readWhole(file.abs, HEAD_BYTES);
        return readImageHeader(head) || head.length < HEAD_BYTES ? head : await readWhole(file.abs);
      } catch (error) {
        throw new ImageSkip(fsReason(error));
      }
    },
    async decode(file, header, crop, target) {
      let image = sharp(await readWhole(file.abs), { limitInputPixels: maxPixels, failOn: 'error' });
      if (crop.width !== header.width || crop.height !== header.height) image = image.extract(crop);
      if (crop.width !== target.width || crop.height !== target.height) image = image.resize(target.width, target.height, { fit: 'fill' });
      const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    },
  };
}

/**
 * Loads a folder of images (PNG, JPEG, WebP, found recursively) as a dataset, by the rules of
 * `assembleImageFolder` (split, labels from class subfolders, size, channels), decoding with sharp
 * (libvips). The decoded set is cached (uint8 IDX with channels, under `<cacheDir>/images/`) keyed by
 * the file list with sizes and mtimes and the decode settings, so a second start only reads it
 * back; a changed, added or removed file makes a new entry.
 *
 * @throws DataError for a folder that is missing or cannot be read, holds no images, has a split of
 *   fewer than two images, or (`strict`) a file that cannot be used.
 */
export async function loadImageFolder(dir: string, options: LoadImageFolderOptions = {}): Promise<LoadedImageFolder> {
  const log = options.log ?? (() => {});
  const { files, skipped } = await walkImageFolder(dir);
  const settings = {
    imageSize: options.imageSize ?? null,
    channels: options.channels ?? null,
    testFraction: options.testFraction ?? DEFAULT_TEST_FRACTION,
    strict: options.strict ?? false,
    maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
  };
  const folder = path.resolve(dir);
  const real = await realpath(dir);
  const list = files.map((f) => [f.path, f.size, f.mtimeMs]);
  const keyOf = (decode: typeof settings) =>
    createHash('sha256').update(JSON.stringify({ version: CACHE_VERSION, folder: real, settings: decode, files: list, skipped })).digest('hex').slice(0, 32);
  const cacheRoot = options.cacheDir === null ? null : path.join(options.cacheDir ?? defaultCacheDir(), 'images');
  // The entry of the settings as asked; one asked with defaults (the most common size, channels by
  // colour) is an alias of the entry of the settings they resolved to, which a model command asks
  // for by name (the model's size and channels): both find the one decoded set.
  const entryOf = (decode: typeof settings) => (cacheRoot === null ? null : path.join(cacheRoot, keyOf(decode)));
  const asked = entryOf(settings);
  const result = (data: { train: MnistData['train']; test: MnistData['test'] }, report: ImageFolderReport, entry: string | null, hit: boolean): LoadedImageFolder => ({
    ...data,
    source: { kind: 'folder', description: describeImageFolder(report) },
    report,
    cache: { dir: entry, hit },
  });

  if (asked !== null) {
    const alias = await readWhole(path.join(asked, CACHE_FILES.alias)).then((bytes) => (JSON.parse(new TextDecoder().decode(bytes)) as { entry: string }).entry, () => undefined);
    const entry = alias === undefined ? asked : path.join(cacheRoot!, path.basename(alias));
    const cached = await readCacheEntry(entry, folder).catch(() => undefined);
    if (cached) {
      log(`data: decoded images from the cache ${entry}`);
      return result(cached, cached.report, entry, true);
    }
  }
  const assembled = await assembleImageFolder(folder, files, sharpDecoder(settings.maxPixels), options, skipped);
  const { height, width, channels } = assembled.report.image;
  const entry = entryOf({ ...settings, imageSize: { height, width }, channels: channels as 1 | 3 });
  if (entry !== null) {
    try {
      // What the entry is of, but for the files' list: an older entry of the same is superseded by it.
      const of = JSON.stringify({ folder: real, settings: { ...settings, imageSize: { height, width }, channels } });
      await writeCacheEntry(entry, assembled, of);
      if (asked !== entry) await writeCacheAlias(asked!, entry);
      await pruneCache(cacheRoot!, entry, of);
      log(`data: decoded images cached in ${entry}`);
    } catch (error) {
      log(`data: could not cache the decoded images in ${entry} (${fsReason(error)}); the next start decodes them again`);
    }
  }
  return result(assembled, assembled.report, entry, false);
}

/** An entry that only names another (written as an entry is: a temp folder renamed into place). */
async function writeCacheAlias(alias: string, entry: string): Promise<void> {
  const temp = `${alias}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await makeDirectory(temp);
  try {
    await writeFile(path.join(temp, CACHE_FILES.alias), `${JSON.stringify({ entry: path.basename(entry) })}\n`);
    await rm(alias, { recursive: true, force: true }); // a damaged entry of its own, if any
    await rename(temp, alias).catch((error: unknown) => {
      if (errnoCode(error) !== 'ENOTEMPTY' && errnoCode(error) !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function readCacheEntry(entry: string, folder: string): Promise<{ train: MnistData['train']; test: MnistData['test']; report: ImageFolderReport } | undefined> {
  const report = JSON.parse(new TextDecoder().decode(await readWhole(path.join(entry, CACHE_FILES.report)))) as ImageFolderReport;
  const read = async (name: string) => parseIdx(await readWhole(path.join(entry, name)), path.join(entry, name));
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([read(CACHE_FILES.trainImages), read(CACHE_FILES.trainLabels), read(CACHE_FILES.testImages), read(CACHE_FILES.testLabels)]);
  const train = makeDataset(trainImages, trainLabels, `${entry} (train)`);
  const test = makeDataset(testImages, testLabels, `${entry} (test)`);
  if (train.count !== report.train || test.count !== report.test) return undefined;
  return { train, test, report: { ...report, folder } };
}

/** Written into a temp folder beside the entry, renamed into place: a killed run leaves no half entry. */
async function writeCacheEntry(entry: string, data: { train: MnistData['train']; test: MnistData['test']; report: ImageFolderReport }, of: string): Promise<void> {
  await makeDirectory(path.dirname(entry));
  const temp = `${entry}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await makeDirectory(temp);
  try {
    const dims = (split: MnistData['train']) => [split.count, split.rows, split.cols, split.channels];
    await writeIdx(path.join(temp, CACHE_FILES.trainImages), dims(data.train), data.train.images);
    await writeIdx(path.join(temp, CACHE_FILES.trainLabels), [data.train.count], data.train.labels);
    await writeIdx(path.join(temp, CACHE_FILES.testImages), dims(data.test), data.test.images);
    await writeIdx(path.join(temp, CACHE_FILES.testLabels), [data.test.count], data.test.labels);
    await writeFile(path.join(temp, CACHE_FILES.report), `${JSON.stringify(data.report, null, 2)}\n`);
    await writeFile(path.join(temp, CACHE_FILES.of), `${of}\n`);
    await rm(entry, { recursive: true, force: true }); // a damaged entry: it was not read back
    await rename(temp, entry).catch(async (error: unknown) => {
      // Another run cached the same folder meanwhile: theirs is as good.
      if (errnoCode(error) !== 'ENOTEMPTY' && errnoCode(error) !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * Removes the entries `entry` supersedes (the same folder and decode settings, an older list of
 * files), and aliases left naming no entry: the cache holds one decoded set per folder and settings.
 * Best effort: an entry another process is reading stays readable (its files are open).
 */
async function pruneCache(root: string, entry: string, of: string): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[]);
  const text = async (dir: string, file: string) => readWhole(path.join(root, dir, file)).then((b) => new TextDecoder().decode(b).trim(), () => undefined);
  const removed = new Set<string>();
  for (const name of names) {
    if (name === path.basename(entry) || name.includes('.tmp-')) continue;
    if ((await text(name, CACHE_FILES.of)) === of) {
      await rm(path.join(root, name), { recursive: true, force: true });
      removed.add(name);
    }
  }
  for (const name of names) {
    const alias = await text(name, CACHE_FILES.alias);
    if (alias === undefined) continue;
    let target = '';
    try {
      target = (JSON.parse(alias) as { entry?: string }).entry ?? '';
    } catch {
      // a damaged alias: removed below, as one naming no entry
    }
    if (removed.has(target) || !names.includes(target)) await rm(path.join(root, name), { recursive: true, force: true });
  }
}
