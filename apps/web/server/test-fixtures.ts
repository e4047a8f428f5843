// Temp directories of runs and MNIST-format files for the server tests.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeIdx, MNIST_FILES } from '@vae/data';

/** A fresh temp directory; call `cleanup` in afterEach/afterAll. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vae-web-server-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface RunFixture {
  /** config.json's contents: an object (written as JSON) or raw text (to break it). */
  config?: Record<string, unknown> | string;
  /** Lines of metrics.jsonl. */
  metrics?: Record<string, unknown>[];
  /** Write model/model.json and model/weights.bin. */
  model?: boolean;
  checkpoint?: boolean;
}

/** A run directory as the CLI writes it (only the files the listing looks at). */
export async function writeRun(root: string, name: string, fixture: RunFixture = {}): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'samples'), { recursive: true });
  const config = fixture.config ?? runConfig();
  await writeFile(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  if (fixture.metrics) await writeFile(path.join(dir, 'metrics.jsonl'), fixture.metrics.map((m) => `${JSON.stringify(m)}\n`).join(''));
  if (fixture.checkpoint) await mkdir(path.join(dir, 'checkpoint'), { recursive: true });
  if (fixture.model) {
    await mkdir(path.join(dir, 'model'), { recursive: true });
    await writeFile(path.join(dir, 'model', 'weights.bin'), new Uint8Array([1, 2, 3, 4]));
    await writeFile(path.join(dir, 'model', 'model.json'), JSON.stringify({ format: 'vae', name }));
  }
  return dir;
}

/** A config.json like the CLI's, with `overrides` on top. */
export function runConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tool: 'vae-ts cli train',
    createdAt: '2026-01-02T03:04:05.000Z',
    backend: 'wasm',
    data: { source: 'embedded', description: 'embedded MNIST subset', train: 9000, test: 1000 },
    model: { inputDim: 784, latentDim: 20 },
    settings: { epochs: 5, latentDim: 20, normalization: 'unit' },
    ...overrides,
  };
}

/** The four MNIST files of a small dataset (`count` train, `count / 2` test) in `dir`, gzipped or raw. */
export async function writeMnistDir(dir: string, options: { count?: number; gzip?: boolean } = {}): Promise<void> {
  const { count = 12, gzip = true } = options;
  const split = (n: number) => ({
    images: encodeIdx({ kind: 'images', dims: [n, 28, 28], data: Uint8Array.from({ length: n * 784 }, (_, i) => i % 251) }, { gzip }),
    labels: encodeIdx({ kind: 'labels', dims: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 10) }, { gzip }),
  });
  const train = split(count);
  const test = split(count / 2);
  const name = (file: string) => (gzip ? file : file.replace(/\.gz$/, ''));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, name(MNIST_FILES.trainImages.name)), train.images);
  await writeFile(path.join(dir, name(MNIST_FILES.trainLabels.name)), train.labels);
  await writeFile(path.join(dir, name(MNIST_FILES.testImages.name)), test.images);
  await writeFile(path.join(dir, name(MNIST_FILES.testLabels.name)), test.labels);
}
