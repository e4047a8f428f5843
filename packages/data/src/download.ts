import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { mnistCacheDir } from './cache-dir.js';
import { fileMd5 } from './checksum.js';
import { DataError } from './errors.js';
import { fetchStream } from './fetch-stream.js';
import { makeDirectory, MakeDirectoryError } from './make-directory.js';
import { MNIST_FILE_ROLES, MNIST_FILES, MNIST_MIRRORS, type MnistFileSet, type MnistFileSpec } from './mnist-files.js';

/** What `downloadMnist` is doing, for progress output. `file` is the file's name. */
export type DownloadEvent =
  | { type: 'cached'; file: string }
  | { type: 'discarded'; file: string; reason: string }
  | { type: 'start'; file: string; url: string }
  | { type: 'progress'; file: string; url: string; received: number; total: number | undefined }
  | { type: 'done'; file: string; url: string; bytes: number }
  | { type: 'failed'; file: string; url: string; reason: string };

export interface DownloadMnistOptions {
  /** Cache root (default `defaultCacheDir()`); the files go in `<cacheDir>/mnist`. */
  cacheDir?: string;
  /** Base URLs tried in order for each file (default `MNIST_MIRRORS`). */
  mirrors?: readonly string[];
  /** Longest wait for a response or for the next chunk of a body (default 30,000 ms). */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  onProgress?: (event: DownloadEvent) => void;
  /** Names and MD5 sums to fetch (default `MNIST_FILES`); for other MNIST-format datasets and tests. */
  files?: MnistFileSet;
}

export interface DownloadResult {
  /** The directory holding the four files (`<cacheDir>/mnist`). */
  dir: string;
  /** Names fetched by this call. */
  downloaded: string[];
  /** Names already in the cache with the right MD5. */
  cached: string[];
}

/**
 * Makes sure the cache holds the four MNIST files with their published MD5 sums, downloading the
 * ones that are missing or wrong. Each file is tried on every mirror in turn; a file is written to
 * `<name>.tmp-<pid>-<random>` beside its final name and renamed into place only when its MD5 is
 * right, so the cache never holds a partial or wrong file. A mirror that served a file is tried
 * first for the remaining ones.
 *
 * @throws DataError listing, for the file that could not be fetched, every URL tried and why.
 */
export async function downloadMnist(options: DownloadMnistOptions = {}): Promise<DownloadResult> {
  const {
    mirrors = MNIST_MIRRORS,
    timeoutMs = 30_000,
    fetch = globalThis.fetch,
    onProgress = () => {},
    files = MNIST_FILES,
  } = options;
  const dir = mnistCacheDir(options.cacheDir);
  if (mirrors.length === 0) throw new DataError(`cannot download MNIST into ${dir}: the list of mirrors is empty`);
  try {
    await makeDirectory(dir);
  } catch (err) {
    const why = err instanceof MakeDirectoryError ? err.detail.replace(/; [^;]*$/, '') : String((err as Error).message).replace(/\s+/g, ' ');
    throw new DataError(`${dir}: cannot create the MNIST cache directory (${why}); set VAE_CACHE_DIR to a writable place on a real disk`, { cause: err });
  }

  const result: DownloadResult = { dir, downloaded: [], cached: [] };
  let order = [...mirrors];
  for (const role of MNIST_FILE_ROLES) {
    const spec = files[role];
    const dest = path.join(dir, spec.name);
    const actual = await fileMd5(dest);
    if (actual === spec.md5) {
      result.cached.push(spec.name);
      onProgress({ type: 'cached', file: spec.name });
      continue;
    }
    if (actual !== undefined) {
      await rm(dest, { force: true }); // never leave a bad file in the cache, even if every mirror fails
      onProgress({ type: 'discarded', file: spec.name, reason: `checksum mismatch: expected MD5 ${spec.md5}, got ${actual}` });
    }

    const attempts: string[] = [];
    let from: string | undefined;
    for (const mirror of order) {
      const url = `${mirror.endsWith('/') ? mirror : `${mirror}/`}${spec.name}`;
      onProgress({ type: 'start', file: spec.name, url });
      try {
        const bytes = await downloadToFile(url, dest, spec, {
          fetch,
          timeoutMs,
          onChunk: (received, total) => onProgress({ type: 'progress', file: spec.name, url, received, total }),
        });
        onProgress({ type: 'done', file: spec.name, url, bytes });
        from = mirror;
        break;
      } catch (err) {
        const reason = (err as Error).message;
        attempts.push(`${url}: ${reason.replace(/\s+/g, ' ')}`);
        onProgress({ type: 'failed', file: spec.name, url, reason });
      }
    }
    if (from === undefined) {
      // One line: a user error is one line however many mirrors were tried.
      throw new DataError(`could not download ${spec.name} into ${dir}; tried ${attempts.length} mirror(s): ${attempts.join('; ')}; check the network connection`);
    }
    result.downloaded.push(spec.name);
    order = [from, ...order.filter((m) => m !== from)];
  }
  return result;
}

/** One attempt: stream `url` into a temporary file, check its MD5, rename it to `dest`. Throws an Error whose message is the reason. */
async function downloadToFile(
  url: string,
  dest: string,
  spec: MnistFileSpec,
  options: { fetch: typeof globalThis.fetch; timeoutMs: number; onChunk: (received: number, total: number | undefined) => void },
): Promise<number> {
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const hash = createHash('md5');
  const handle = await open(tmp, 'wx');
  let closed = false;
  let renamed = false;
  try {
    const bytes = await fetchStream(url, {
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      onChunk: async (chunk, received, total) => {
        hash.update(chunk);
        for (let at = 0; at < chunk.length; ) at += (await handle.write(chunk, at)).bytesWritten;
        options.onChunk(received, total);
      },
    });
    const actual = hash.digest('hex');
    if (actual !== spec.md5) throw new Error(`checksum mismatch: expected MD5 ${spec.md5}, got ${actual} (${bytes} bytes)`);
    await handle.sync(); // the data is on disk before the name points at it
    await handle.close();
    closed = true;
    await rename(tmp, dest);
    renamed = true;
    return bytes;
  } finally {
    if (!closed) await handle.close().catch(() => {});
    if (!renamed) await rm(tmp, { force: true });
  }
}
