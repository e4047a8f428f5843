import cliProgress from 'cli-progress';
import type { BatchEvent, EpochMetrics } from '@vae/train';
import { formatCount, formatLoss, formatSeconds } from './format.js';

/**
 * `Epoch [3/50] Loss: 111.86 | test 108.96 (recon 90.7, kl 18.2) | 4.3 s, 14,000 samples/s`; with
 * `showBeta` (a KL warm-up) the β of the epoch's last step follows the train loss, which used it:
 * `Loss: 111.86 (β 0.375) | …`.
 */
export function epochLine(m: EpochMetrics, epochs: number, showBeta = false): string {
  return (
    `Epoch [${m.epoch}/${epochs}] Loss: ${formatLoss(m.trainLoss)}${showBeta ? ` (β ${Number(m.beta.toFixed(3))})` : ''} | ` +
    `test ${formatLoss(m.testLoss)} (recon ${m.testRecon.toFixed(1)}, kl ${m.testKl.toFixed(1)}) | ` +
    `${formatSeconds(m.seconds)}, ${formatCount(m.samplesPerSecond)} samples/s`
  );
}

/**
 * One progress bar per epoch on stderr (batches, loss, samples/s, ETA). Draws nothing when stderr
 * is not a terminal, so logs and pipes get only the epoch lines.
 */
export class EpochProgress {
  private bar: cliProgress.SingleBar | undefined;
  private epoch = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(event: BatchEvent): void {
    if (!this.stream.isTTY) return;
    const payload = {
      epochLabel: `Epoch ${event.epoch}/${event.epochs}`,
      loss: event.loss === undefined ? '…' : formatLoss(event.loss),
      speed: formatCount(event.samplesPerSecond),
    };
    if (!this.bar || this.epoch !== event.epoch) {
      this.stop();
      this.epoch = event.epoch;
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream,
          format: '{epochLabel} {bar} {value}/{total} batches | loss {loss} | {speed} samples/s | ETA {eta_formatted}',
          clearOnComplete: true,
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(event.batches, event.batch, payload);
    } else {
      this.bar.update(event.batch, payload);
    }
  }

  /** Clears the bar, e.g. before printing the epoch line. */
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
