import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNativeAvailable, nativeLoadError } from '@vae/native';
import { CLI_MAIN, runCli, type CliExit } from './testing/run-cli.js';

// Hostile-user cases, round two (issue #23), on the built CLI as a user would run it: no hang,
// Ctrl-C everywhere, sizes that cannot fit refused up front, no user file lost, one quiet line.

/** The lines saying `error:`: exactly one, no stack trace, not reported as a bug. */
function expectOneErrorLine(exit: CliExit, code = 1): string {
  const lines = exit.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(lines, exit.stderr).toHaveLength(1);
  expect(exit.stderr).not.toMatch(/^\s+at /m);
  expect(exit.stderr).not.toContain('internal error');
  expect(exit.code, exit.stderr).toBe(code);
  return lines[0]!;
}

const QUICK = ['--data', 'embedded', '--train-size', '2000', '--test-size', '200', '--backend', 'wasm'];
const exists = (path: string) => stat(path).then(() => true, () => false);
const noProcfs = existsSync('/proc/self') ? null : 'no procfs (/proc) on this system';
const nativeMissing = isNativeAvailable() ? null : `the native addon is unavailable (${nativeLoadError()}); install g++ and libopenblas-dev, then pnpm build`;

let work: string;
/** A finished 1-epoch run (never modified: tests write elsewhere). */
let finished: string;

beforeAll(async () => {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: build the CLI first (pnpm build)`);
  work = await mkdtemp(join(tmpdir(), 'vae-hardening-2-test-'));
  finished = join(work, 'finished');
  const first = await runCli(['train', ...QUICK, '--epochs', '1', '--out', finished]);
  if (first.code !== 0) throw new Error(`the base run failed:\n${first.stderr}`);
}, 120_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('no hang: the data cache under /proc', () => {
  // Node 20's mkdir({ recursive: true }) loops forever on procfs; the cache used it.
  it.skipIf(noProcfs !== null)(`--data download with VAE_CACHE_DIR=/proc/x answers at once in one line; --data auto falls back to the embedded subset${noProcfs ? ` (skipped: ${noProcfs})` : ''}`, async () => {
    const env = { VAE_CACHE_DIR: '/proc/vae-x', VAE_OFFLINE: '0' };
    const out = join(work, 'proc-cache');
    const download = await runCli(['train', '--data', 'download', '--epochs', '1', '--out', out], { env, timeoutMs: 30_000 });
    expect(download.timedOut).toBe(false);
    expect(expectOneErrorLine(download)).toBe(
      'error: /proc/vae-x/mnist: cannot create the MNIST cache directory (/proc does not take new directories (ENOENT)); set VAE_CACHE_DIR to a writable place on a real disk',
    );
    expect(await exists(out)).toBe(false);
    const auto = await runCli(['train', '--data', 'auto', '--train-size', '500', '--test-size', '100', '--backend', 'wasm', '--epochs', '1', '--out', out], {
      env,
      timeoutMs: 60_000,
    });
    expect(auto.timedOut).toBe(false);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).toContain('data: MNIST download failed, using the embedded subset instead: /proc/vae-x/mnist: cannot create the MNIST cache directory');
  }, 90_000);
});

/** Runs `vae <args>`, sends SIGINT `delayMs` after stderr shows `marker`, and times the exit from then. */
async function interrupt(args: string[], marker: string, delayMs: number): Promise<CliExit & { stoppedInMs: number | null }> {
  let sentAt: number | null = null;
  let scheduled = false;
  const exit = await runCli(args, {
    timeoutMs: 120_000,
    onStderr: (text, child) => {
      if (scheduled || !text.includes(marker)) return;
      scheduled = true;
      setTimeout(() => {
        sentAt = performance.now();
        child.kill('SIGINT');
      }, delayMs);
    },
  });
  return { ...exit, stoppedInMs: sentAt === null ? null : performance.now() - sentAt };
}

describe('Ctrl-C stops every long command within a second, writes nothing, exits 130', () => {
  // Under a second on an idle machine; the bound leaves room for a loaded CI runner.
  const BOUND_MS = 1500;

  const cases: [string, string[], string | null][] = [
    ['eval (K = 5000, wasm)', ['eval', '--backend', 'wasm'], null],
    ['eval (K = 5000, native)', ['eval', '--backend', 'native'], nativeMissing],
    ['sample --grid 200', ['sample', '--grid', '200', '--backend', 'wasm'], null],
    ['manifold --grid 200', ['manifold', '--grid', '200', '--backend', 'wasm'], null],
  ];
  for (const [name, args, skipped] of cases) {
    it.skipIf(skipped !== null)(`${name}${skipped === null ? '' : ` (skipped: ${skipped})`}`, async () => {
      const out = join(work, `interrupted-${name.replace(/\W+/g, '-')}`);
      const exit = await interrupt([...args, '--model', finished, '--data', 'embedded', '--out', out], 'backend:', 400);
      expect(exit.code, exit.stderr).toBe(130);
      expect(exit.stoppedInMs).not.toBeNull();
      expect(exit.stoppedInMs!).toBeLessThan(BOUND_MS);
      expect(exit.stdout).not.toMatch(/^(wrote|replaced) /m);
      expect((await exists(out)) ? await readdir(out) : []).toEqual([]);
    }, 120_000);
  }
});
