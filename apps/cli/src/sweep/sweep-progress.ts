import cliProgress from 'cli-progress';
import { formatSeconds } from '../format.js';

/**
 * One view of a whole sweep: runs done / running / failed and an ETA, as one bar on stderr counting
 * epochs (a terminal), else one line per run that starts or ends (logs, pipes).
 */
export class SweepProgress {
  private bar: cliProgress.SingleBar | undefined;
  private readonly epochsDone = new Map<string, number>();
  private done = 0;
  private running = 0;
  private failed = 0;
  private readonly started = performance.now();

  /**
   * @param total runs to train in this invocation
   * @param epochsPerRun the epochs of each of those runs (the bar's unit)
   */
  constructor(
    private readonly total: number,
    private readonly totalEpochs: number,
    private readonly log: (line: string) => void,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    if (this.stream.isTTY && total > 0) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream,
          format: 'Sweep {bar} {done}/{total} runs done | {running} running | {failed} failed | ETA {eta_formatted}',
          hideCursor: true,
          etaBuffer: 200,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.max(1, totalEpochs), 0, this.payload());
    }
  }

  private payload() {
    return { done: this.done, total: this.total, running: this.running, failed: this.failed };
  }

  private redraw(): void {
    const epochs = [...this.epochsDone.values()].reduce((a, b) => a + b, 0);
    this.bar?.update(epochs, this.payload());
  }

  /** Prints a line above the bar. */
  private say(line: string): void {
    if (this.bar) {
      this.bar.stop();
      this.log(line);
      this.bar.start(Math.max(1, this.totalEpochs), [...this.epochsDone.values()].reduce((a, b) => a + b, 0), this.payload());
    } else {
      this.log(line);
    }
  }

  private counts(): string {
    return `${this.done}/${this.total} done, ${this.running} running, ${this.failed} failed`;
  }

  /** What an ETA would be now, from the epochs trained so far (for the lines of a non-terminal). */
  private eta(): string {
    const epochs = [...this.epochsDone.values()].reduce((a, b) => a + b, 0);
    if (epochs === 0) return '';
    const elapsed = (performance.now() - this.started) / 1000;
    return `, ETA ${formatSeconds((elapsed / epochs) * (this.totalEpochs - epochs))}`;
  }

  start(id: string, where = ''): void {
    this.running++;
    if (!this.bar) this.say(`[${this.counts()}] ${id}: started${where}`);
    else this.redraw();
  }

  epoch(id: string, epoch: number, ofStartingAt = 0): void {
    this.epochsDone.set(id, Math.max(0, epoch - ofStartingAt));
    this.redraw();
  }

  end(id: string, outcome: 'finished' | 'stopped' | 'failed', detail: string): void {
    this.running = Math.max(0, this.running - 1);
    if (outcome === 'finished') this.done++;
    if (outcome === 'failed') this.failed++;
    this.say(`[${this.counts()}${outcome === 'finished' ? this.eta() : ''}] ${id}: ${outcome}${detail ? ` (${detail})` : ''}`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
