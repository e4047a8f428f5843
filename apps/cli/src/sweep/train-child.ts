import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** How a `vae train` child ended: finished, stopped with a checkpoint (Ctrl-C, 130), or failed with its `error:` line. */
export type ChildOutcome =
  | { kind: 'finished'; testLoss: number | null; seconds: number }
  | { kind: 'stopped'; seconds: number }
  | { kind: 'failed'; reason: string; seconds: number };

/** The env variable that tells a `vae train` child to stop (saving a checkpoint) when its parent goes away. */
export const SWEEP_CHILD_ENV = 'VAE_SWEEP_CHILD';

/** The script of this CLI (`dist/main.js`): a sweep's runs are `vae train` in child processes, trained by the same code. */
export function cliScript(): string {
  return process.argv[1]!;
}

export interface TrainChild {
  child: ChildProcess;
  done: Promise<ChildOutcome>;
  /** Asks the run to stop after its batch, saving a checkpoint (as Ctrl-C does). */
  stop(): void;
}

/**
 * Starts `vae train <args>` in a child process, its output appended to `logFile`. `onEpoch` gets
 * each finished epoch (`Epoch [3/10] …`). The child talks to its parent over an IPC channel only so
 * that it notices the parent's death (a SIGKILLed worker): it then stops after the batch, saving a
 * checkpoint, and its run is resumed elsewhere.
 */
export function startTrainChild(args: string[], logFile: string, onEpoch: (epoch: number, epochs: number) => void, env: NodeJS.ProcessEnv = {}): TrainChild {
  const started = performance.now();
  const log = createWriteStream(logFile, { flags: 'a' });
  log.on('error', () => {}); // a log that cannot be written must not stop the run; the run's own writes say what is wrong
  log.write(`\n$ vae train ${args.join(' ')}\n`);
  const child = spawn(process.execPath, [cliScript(), 'train', ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: a Ctrl-C in the terminal reaches the sweep alone, which asks each run
    // once to stop (a second SIGINT would make the run quit without its checkpoint).
    detached: true,
    env: { ...process.env, ...env, [SWEEP_CHILD_ENV]: '1', VAE_DEBUG: process.env.VAE_DEBUG ?? '' },
  });
  let errorLine: string | null = null;
  let testLoss: number | null = null;
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const epoch = /^Epoch \[(\d+)\/(\d+)\]/.exec(line);
      if (epoch) onEpoch(Number(epoch[1]), Number(epoch[2]));
      const done = /^Done: test loss (\S+)/.exec(line);
      if (done) testLoss = Number(done[1]);
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    stderr = (stderr + chunk.toString()).slice(-20_000);
    const found = stderr.split('\n').filter((l) => l.startsWith('error: '));
    if (found.length > 0) errorLine = found.at(-1)!.slice('error: '.length);
  });
  const done = new Promise<ChildOutcome>((resolve) => {
    child.on('error', (error) => {
      errorLine ??= `cannot start vae train: ${error.message}`;
    });
    child.on('close', (code, signal) => {
      log.end();
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve({ kind: 'finished', testLoss, seconds });
      else if (code === 130) resolve({ kind: 'stopped', seconds });
      else resolve({ kind: 'failed', reason: errorLine ?? `vae train ${signal ? `was killed (${signal})` : `exited with code ${code}`}`, seconds });
    });
  });
  return {
    child,
    done,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    },
  };
}
