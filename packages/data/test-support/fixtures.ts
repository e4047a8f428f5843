// Small MNIST-format datasets for tests: written to temp dirs or served over local HTTP.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeIdx } from '../src/idx.js';
import { MNIST_FILE_ROLES, MNIST_FILES, type MnistFileSet } from '../src/mnist-files.js';

export const ROWS = 28;
export const COLS = 28;
export const PIXELS = ROWS * COLS;

/** Image i of a fixture: pixel p is (i·7 + p) mod 256, so every image is recognisable; its label is i mod 10. */
export function fixturePixel(i: number, p: number): number {
  return (i * 7 + p) % 256;
}

export function fixtureImages(count: number): Uint8Array {
  const data = new Uint8Array(count * PIXELS);
  for (let i = 0; i < count; i++) for (let p = 0; p < PIXELS; p++) data[i * PIXELS + p] = fixturePixel(i, p);
  return data;
}

export function fixtureLabels(count: number): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => i % 10);
}

/** The four files of a small dataset, keyed by the standard names (`.gz` contents gzipped). */
export function fixtureFiles(trainCount = 30, testCount = 10): Map<string, Uint8Array> {
  const contents = {
    trainImages: encodeIdx({ kind: 'images', dims: [trainCount, ROWS, COLS], data: fixtureImages(trainCount) }, { gzip: true }),
    trainLabels: encodeIdx({ kind: 'labels', dims: [trainCount], data: fixtureLabels(trainCount) }, { gzip: true }),
    testImages: encodeIdx({ kind: 'images', dims: [testCount, ROWS, COLS], data: fixtureImages(testCount) }, { gzip: true }),
    testLabels: encodeIdx({ kind: 'labels', dims: [testCount], data: fixtureLabels(testCount) }, { gzip: true }),
  };
  return new Map(MNIST_FILE_ROLES.map((role) => [MNIST_FILES[role].name, contents[role]]));
}

/** A `files` override whose MD5 sums are those of `contents` (the real MNIST sums would never match a fixture). */
export function fileSetFor(contents: Map<string, Uint8Array>): MnistFileSet {
  const entry = (role: (typeof MNIST_FILE_ROLES)[number]) => {
    const name = MNIST_FILES[role].name;
    return { name, md5: createHash('md5').update(contents.get(name)!).digest('hex') };
  };
  return { trainImages: entry('trainImages'), trainLabels: entry('trainLabels'), testImages: entry('testImages'), testLabels: entry('testLabels') };
}

export async function writeFiles(dir: string, contents: Map<string, Uint8Array>): Promise<void> {
  await Promise.all([...contents].map(([name, bytes]) => writeFile(path.join(dir, name), bytes)));
}

/** A fresh temp directory; call the returned `cleanup` in afterEach. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vae-data-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Names in `dir` (sorted), to check that no temporary or bad file was left behind. */
export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [])).sort();
}
