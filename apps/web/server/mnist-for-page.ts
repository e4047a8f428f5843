import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeIdx, imageShape, MNIST_FILE_ROLES, MNIST_FILES, MNIST_MANIFEST_NAME, type MnistData, type MnistFileRole, type MnistManifest } from '@vae/data';
import { defaultCacheDir, loadMnist, mnistCacheDir } from '@vae/data/node';
import { gzipSync } from 'fflate';

/** What the page gets under `data/`: the manifest and the gzipped IDX files it names, by file name. */
export interface MnistForPage {
  manifest: MnistManifest;
  /** `mnist.json` and the four files, by the name the page asks for. */
  files: Map<string, Uint8Array>;
}

export interface MnistForPageOptions {
  /** Read for `VAE_DATA_DIR` and (through the cache root) `VAE_CACHE_DIR`, `XDG_CACHE_HOME`. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Cache root, as `loadMnist`'s `cacheDir` (default: from `env`, as the CLI finds it). */
  cacheDir?: string;
  /** Receives the one line saying which data the page gets. Default `console.log`. */
  log?: (line: string) => void;
}

/**
 * The dataset the CLI would train on, ready to serve to the page: `VAE_DATA_DIR` when set (its
 * errors are the page's too), else the MNIST cache, else the embedded 9,000/1,000 subset. Never
 * downloads: a dev server that stalls on a 10 MB download at the first page load is worse than
 * one saying how to get the full set.
 *
 * Files already gzipped under the standard names (the cache, most data dirs) are served as they
 * are; the rest are encoded once here, gzip level 1 (fast; the files shrink ~4× anyway).
 */
export async function mnistForPage(options: MnistForPageOptions = {}): Promise<MnistForPage> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = env.VAE_DATA_DIR || undefined;
  const cacheRoot = options.cacheDir ?? defaultCacheDir({ env });
  const data = await loadMnist({ source: 'auto', dataDir, cacheDir: cacheRoot, offline: true, log: () => {} });
  const sourceDir = data.source.kind === 'dir' ? dataDir : data.source.kind === 'cache' ? mnistCacheDir(cacheRoot) : undefined;

  const manifest: MnistManifest = {
    source: data.source,
    files: Object.fromEntries(MNIST_FILE_ROLES.map((role) => [role, MNIST_FILES[role].name])) as Record<MnistFileRole, string>,
    train: data.train.count,
    test: data.test.count,
  };
  const files = new Map<string, Uint8Array>([[MNIST_MANIFEST_NAME, new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`)]]);
  for (const role of MNIST_FILE_ROLES) {
    const name = manifest.files[role];
    files.set(name, (sourceDir && (await gzippedFile(path.join(sourceDir, name)))) || encodeRole(data, role));
  }

  const hint =
    data.source.kind === 'embedded'
      ? `; for full MNIST set VAE_DATA_DIR to a directory of the four IDX files, or fill the cache ${mnistCacheDir(cacheRoot)} (an online \`pnpm --filter cli train\` downloads it)`
      : '';
  log(`[vae] page data (data/${MNIST_MANIFEST_NAME}): ${data.source.description} (${count(data.train.count)} train / ${count(data.test.count)} test)${hint}`);
  return { manifest, files };
}

/** The file's bytes if it exists and is gzip (magic 1f 8b); `loadMnist` has already parsed and checked it. */
async function gzippedFile(file: string): Promise<Uint8Array | undefined> {
  const bytes = await readFile(file).catch(() => undefined);
  if (!bytes || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function encodeRole(data: MnistData, role: MnistFileRole): Uint8Array {
  const split = role.startsWith('train') ? data.train : data.test;
  const idx = role.endsWith('Images')
    ? encodeIdx({ kind: 'images', dims: imageDims(split), data: split.images })
    : encodeIdx({ kind: 'labels', dims: [split.count], data: split.labels });
  return gzipSync(idx, { level: 1 });
}

/** `[count, rows, cols]` for grey images, `[count, rows, cols, channels]` (4-dim IDX) for images with channels. */
function imageDims(split: MnistData['train']): number[] {
  const { height, width, channels } = imageShape(split);
  return channels === 1 ? [split.count, height, width] : [split.count, height, width, channels];
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
