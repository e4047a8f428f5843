import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI (turbo builds it before `test`): the tests run it as a user would. */
export const CLI_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
/** The built bench (`pnpm --filter cli bench`). */
export const BENCH_MAIN = fileURLToPath(new URL('../../dist/bench.js', import.meta.url));

export interface CliExit {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed after `timeoutMs`. */
  timedOut: boolean;
}

export interface CliRunOptions {
  /** The script to run instead of the CLI (e.g. `BENCH_MAIN`). */
  script?: string;
  /** Working directory; relative flags resolve from it (as `INIT_CWD`, which pnpm sets). */
  cwd?: string;
  env?: Record<string, string>;
  /** Run as this user (the tests run as root, who may write anywhere). */
  uid?: number;
  /** Kill the child after this long and report `timedOut`. */
  timeoutMs?: number;
  /** Called with all stdout so far on each chunk (e.g. to interrupt the child at a given moment). */
  onStdout?: (text: string, child: ChildProcess) => void;
  /** Called with all stderr so far on each chunk. */
  onStderr?: (text: string, child: ChildProcess) => void;
}

/** Runs `vae <args>` offline, without `--debug`, and collects its output. */
export function runCli(args: string[], options: CliRunOptions = {}): Promise<CliExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.script ?? CLI_MAIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, VAE_OFFLINE: '1', INIT_CWD: options.cwd ?? process.cwd(), VAE_DEBUG: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}
