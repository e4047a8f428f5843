import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EpochMetrics } from '@vae/train';
import { saveVae, writeFileAtomic, type Vae } from '@vae/model/node';
import { encodePng, imageGrid, lossCurveSvg } from '@vae/viz';

/** One line of `metrics.jsonl`: an epoch's metrics plus the process's memory after it. */
export type MetricsLine = EpochMetrics & { rssMB?: number; tensors?: number };

/**
 * The files of one training run. Every file is written to a temporary name and renamed, so an
 * interrupted run never leaves a half-written file over a good one.
 */
export class RunDirectory {
  readonly samplesDir: string;
  readonly checkpointDir: string;
  readonly modelDir: string;

  constructor(readonly path: string) {
    this.samplesDir = join(path, 'samples');
    this.checkpointDir = join(path, 'checkpoint');
    this.modelDir = join(path, 'model');
  }

  async create(): Promise<void> {
    await mkdir(this.samplesDir, { recursive: true });
  }

  writeConfig(config: unknown): Promise<void> {
    return writeFileAtomic(join(this.path, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }

  /**
   * The lines of `metrics.jsonl` for the epochs a checkpoint holds: the file's own line where it
   * agrees with the checkpoint (it has the memory figures too), else the checkpoint's figures.
   */
  async readMetricsFor(checkpointMetrics: readonly EpochMetrics[]): Promise<MetricsLine[]> {
    let lines: MetricsLine[] = [];
    try {
      const text = await readFile(join(this.path, 'metrics.jsonl'), 'utf8');
      lines = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as MetricsLine);
    } catch {
      // missing or unreadable: the checkpoint's figures are all there is
    }
    return checkpointMetrics.map((m) => lines.find((l) => l.epoch === m.epoch && l.testLoss === m.testLoss) ?? m);
  }

  /** Rewrites `metrics.jsonl` from all epochs so far (so a resumed run never repeats a line). */
  writeMetrics(metrics: readonly MetricsLine[]): Promise<void> {
    return writeFileAtomic(join(this.path, 'metrics.jsonl'), metrics.map((m) => `${JSON.stringify(m)}\n`).join(''));
  }

  /** `samples/epoch-NNN.png`: `count` decoded 28×28 images (`[count, 784]` in [0, 1]) as a grid. */
  async writeSamples(epoch: number, pixels: Float32Array, count: number, side: number): Promise<string> {
    const file = join(this.samplesDir, `epoch-${String(epoch).padStart(3, '0')}.png`);
    await writeFileAtomic(file, encodePng(imageGrid(pixels, { count, width: side, height: side })));
    return file;
  }

  writeLossCurve(metrics: readonly EpochMetrics[]): Promise<void> {
    const svg = lossCurveSvg(
      [
        { name: 'train', points: metrics.map((m) => ({ x: m.epoch, y: m.trainLoss })) },
        { name: 'test', points: metrics.map((m) => ({ x: m.epoch, y: m.testLoss })) },
      ],
      { title: 'Loss (negative ELBO) per image', yLabel: 'loss (nats / image)' },
    );
    return writeFileAtomic(join(this.path, 'loss.svg'), svg);
  }

  saveModel(model: Vae, metadata: Record<string, unknown>): Promise<void> {
    return saveVae(model, this.modelDir, metadata);
  }
}
