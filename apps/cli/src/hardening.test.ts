import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN as MAIN, runCli } from './testing/run-cli.js';
import { expectOneErrorLine } from './testing/expect-one-error-line.js';
import { asUser, mountTinyTmpfs, tmpfsUnavailable } from './testing/hostile-environment.js';

// Careful-user cases (issue #12), run on the built CLI as a user would: every error is one line and
// a non-zero exit, nothing hangs, and runs never overwrite or mix with each other.


const QUICK = ['--data', 'embedded', '--train-size', '2000', '--test-size', '200', '--backend', 'wasm'];
const fileExists = (path: string) => stat(path).then(() => true, () => false);

/** The pid of a process that has ended (for stale locks and temp files of dead writers). */
function deadPid(): number {
  const pid = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
  expect(() => process.kill(pid, 0)).toThrow();
  return pid;
}

const noTmpfs = await tmpfsUnavailable();

let work: string;
/** A finished run: 2 epochs, samples after each (never modified: tests copy it). */
let finished: string;
const mounts: string[] = [];

async function copyOfFinished(name: string): Promise<string> {
  const dir = join(work, name);
  await cp(finished, dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the CLI first (pnpm build)`);
  work = await mkdtemp(join(tmpdir(), 'vae-hardening-test-'));
  await chmod(work, 0o755); // readable by `nobody` in the permission cases
  finished = join(work, 'finished');
  const first = await runCli(['train', ...QUICK, '--epochs', '2', '--sample-every', '1', '--out', finished]);
  if (first.code !== 0) throw new Error(`the base run failed:\n${first.stderr}`);
}, 120_000);
afterAll(async () => {
  for (const dir of mounts) execFileSync('umount', [dir]);
  await rm(work, { recursive: true, force: true });
});

describe('one line per error, the stack only with --debug', () => {
  it('--out naming an existing file: one line, exit 1, nothing written', async () => {
    const file = join(work, 'a-file');
    await writeFile(file, 'mine');
    const exit = await runCli(['train', ...QUICK, '--epochs', '1', '--out', file]);
    expect(expectOneErrorLine(exit)).toBe(`error: --out ${file}: is a file, not a directory; choose a directory`);
    expect(await readFile(file, 'utf8')).toBe('mine');

    const below = await runCli(['train', ...QUICK, '--epochs', '1', '--out', join(file, 'run')]);
    expect(expectOneErrorLine(below)).toContain(`--out ${join(file, 'run')}: a part of this path is a file, not a directory (ENOTDIR)`);
  });

  it('--debug (after the subcommand or before it) and VAE_DEBUG=1 add the stack trace', async () => {
    const file = join(work, 'a-file-debug');
    await writeFile(file, 'mine');
    for (const [args, env] of [
      [['train', '--debug', '--out', file], {}],
      [['--debug', 'train', '--out', file], {}],
      [['train', '--out', file], { VAE_DEBUG: '1' }],
    ] as const) {
      const exit = await runCli([...args, ...QUICK], { env });
      expect(exit.stderr).toContain(`error: --out ${file}: is a file, not a directory`);
      expect(exit.stderr).toMatch(/^\s+at .*checkNewRun/m);
      expect(exit.code).toBe(1);
    }
  });

  it(`a place the user may not write to (permission denied): one line, for train and the model commands${asUser === undefined ? '' : ' (run as nobody)'}`, async () => {
    const locked = join(work, 'read-only');
    await mkdir(locked, { mode: 0o555 });
    await chmod(locked, 0o555);
    const exit = await runCli(['train', ...QUICK, '--epochs', '1', '--out', join(locked, 'run')], { uid: asUser, env: { HOME: work } });
    expect(expectOneErrorLine(exit)).toContain(`error: --out ${join(locked, 'run')}: cannot create it in ${locked}: permission denied (EACCES)`);
    expect(await readdir(locked)).toEqual([]);

    const sample = await runCli(['sample', '--model', finished, '--grid', '2', '--backend', 'wasm', '--out', join(locked, 'explore')], { uid: asUser, env: { HOME: work } });
    expect(expectOneErrorLine(sample)).toContain(`--out ${join(locked, 'explore')}: cannot create it in ${locked}: permission denied (EACCES)`);

    // A directory that exists but cannot be written: the lock (the first file a run writes) says so.
    const train = await runCli(['train', ...QUICK, '--epochs', '1', '--out', locked], { uid: asUser, env: { HOME: work } });
    expect(expectOneErrorLine(train)).toContain(`--out ${locked}: cannot create ${join(locked, 'run.lock')}: permission denied (EACCES)`);
    const write = await runCli(['sample', '--model', finished, '--grid', '2', '--backend', 'wasm', '--out', locked], { uid: asUser, env: { HOME: work } });
    expect(expectOneErrorLine(write)).toContain(`${join(locked, 'samples-2x2-t1-seed0.png')}: permission denied (EACCES)`);
  });

  it('--out under /proc answers at once (Node 20’s recursive mkdir loops forever there), for train and the model commands', async () => {
    const exit = await runCli(['train', ...QUICK, '--epochs', '1', '--out', '/proc/vae-x'], { timeoutMs: 60_000 });
    expect(exit.timedOut).toBe(false);
    expect(expectOneErrorLine(exit)).toContain('--out /proc/vae-x: ');
    const sample = await runCli(['sample', '--model', finished, '--grid', '2', '--backend', 'wasm', '--out', '/proc/vae-x/y'], { timeoutMs: 60_000 });
    expect(sample.timedOut).toBe(false);
    expect(expectOneErrorLine(sample)).toContain('--out /proc/vae-x/y: ');
  });

  it.each([
    ['empty', (b: Buffer) => b.subarray(0, 0)],
    ['10 bytes', (b: Buffer) => b.subarray(0, 10)],
    ['bad magic', (b: Buffer) => Buffer.concat([Buffer.from('NOTACKPT'), b.subarray(8)])],
    ['cut in half', (b: Buffer) => b.subarray(0, b.length >> 1)],
    ['a huge header length', (b: Buffer) => {
      const c = Buffer.from(b);
      c.writeUInt32LE(0xfffffff0, 8);
      return c;
    }],
    ['extra bytes at the end', (b: Buffer) => Buffer.concat([b, Buffer.alloc(100)])],
    ['a broken JSON header', (b: Buffer) => {
      const c = Buffer.from(b);
      c[c.indexOf('{"')] = '#'.charCodeAt(0); // the JSON header's opening brace
      return c;
    }],
    ['a JSON header without its state', (b: Buffer) => {
      const c = Buffer.from(b);
      const at = c.indexOf('"state"');
      c.write('"stbte"', at);
      return c;
    }],
  ])('--resume with a checkpoint with %s: one line naming the file and what to do', async (what, corrupt) => {
    const run = await copyOfFinished(`corrupt-${what.replace(/\W+/g, '-')}`);
    const file = join(run, 'checkpoint', 'checkpoint.bin');
    await writeFile(file, corrupt(await readFile(file)));
    const exit = await runCli(['train', '--resume', run, '--epochs', '3']);
    const line = expectOneErrorLine(exit);
    expect(line).toContain(`--resume ${run}: `);
    expect(line).toContain(file);
    expect(line).toMatch(/restore .*cop(y|ies)/);
    expect(line).toMatch(/start (the run )?again: vae train .* --overwrite/);
    expect(exit.stdout).not.toContain('Epoch');
  });

  it('--resume of a run killed before its first checkpoint says how to start it again; that command works', async () => {
    const out = join(work, 'killed-early');
    let killed = false;
    const first = await runCli(['train', ...QUICK, '--epochs', '1', '--out', out], {
      onStderr: (text, child) => {
        if (!killed && text.includes('run directory:')) {
          killed = true;
          child.kill('SIGKILL');
        }
      },
    });
    expect(first.code).toBe(null); // killed
    expect(existsSync(join(out, 'checkpoint', 'checkpoint.bin'))).toBe(false);
    expect(existsSync(join(out, 'run.lock'))).toBe(true); // a kill -9 releases nothing: the next run takes it over

    const resumed = await runCli(['train', '--resume', out]);
    const line = expectOneErrorLine(resumed);
    expect(line).toContain(`--resume ${out}: the run stopped before its first checkpoint`);
    const command = /start it again: vae (.+ --overwrite)$/.exec(line)?.[1];
    expect(command).toBeDefined();
    expect(command).toContain(`--out ${out}`);

    const again = await runCli(command!.split(' '));
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(out, 'model', 'model.json'))).toBe(true);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  });

  it.skipIf(noTmpfs !== null)(`a full disk: one line naming the file being written; the lock is released and no temp file stays${noTmpfs ? ` (skipped: ${noTmpfs})` : ''}`, async () => {
    const disk = join(work, 'full-disk');
    await mkdir(disk);
    expect(mountTinyTmpfs(disk)).toBe(null);
    mounts.push(disk);
    const out = join(disk, 'run');
    const exit = await runCli(['train', ...QUICK, '--epochs', '1', '--out', out]);
    const line = expectOneErrorLine(exit);
    expect(line).toContain('ENOSPC');
    expect(line).toContain('free some space');
    // It names the file being written (not only a temp name).
    const named = [...line.matchAll(new RegExp(`${out}/[^\\s:;,)']+`, 'g'))].map((m) => m[0]);
    expect(named.filter((f) => !/\.tmp-\d+-/.test(f)), line).not.toEqual([]);
    const left = [...(await readdir(out, { recursive: true }))].map(String);
    expect(left.filter((n) => /\.tmp-|run\.lock/.test(n))).toEqual([]);

    // The model commands: fill what is left, then write into it.
    await writeFile(join(disk, 'filler'), Buffer.alloc(64 * 1024)).catch(() => {});
    const sample = await runCli(['sample', '--model', finished, '--grid', '2', '--backend', 'wasm', '--out', join(disk, 'explore')]);
    expect(expectOneErrorLine(sample)).toMatch(/no space left on the device.*\(ENOSPC\)/);
  });

  it('the model commands: --out naming a file is one line', async () => {
    const file = join(work, 'explore-file');
    await writeFile(file, 'mine');
    const exit = await runCli(['sample', '--model', finished, '--grid', '2', '--backend', 'wasm', '--out', file]);
    expect(expectOneErrorLine(exit)).toBe(`error: --out ${file}: is a file, not a directory; choose a directory`);
    expect(await readFile(file, 'utf8')).toBe('mine');
  });
});

describe('runs are never overwritten or mixed', () => {
  it('two runs started at once on one --out: one trains, the other refuses; the directory is all the first one’s', async () => {
    const out = join(work, 'concurrent');
    const [a, b] = await Promise.all([
      runCli(['train', ...QUICK, '--epochs', '2', '--seed', '1', '--out', out]),
      runCli(['train', ...QUICK, '--epochs', '2', '--seed', '2', '--out', out]),
    ]);
    expect([a.code, b.code].sort()).toEqual([0, 1]);
    const [winner, loser] = a.code === 0 ? [a, b] : [b, a];
    expect(expectOneErrorLine(loser)).toMatch(new RegExp(`^error: --out ${out} (is in use by another run \\(pid \\d+ on ${hostname()}|already holds a run)`));
    const seed = winner === a ? 1 : 2;
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).settings.seed).toBe(seed);
    expect(JSON.parse(await readFile(join(out, 'checkpoint', 'state.json'), 'utf8')).settings.seed).toBe(seed);
    expect(JSON.parse(await readFile(join(out, 'model', 'model.json'), 'utf8')).metadata.settings.seed).toBe(seed);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  });

  it('a live run’s lock is refused, naming the holder; a dead one’s is taken over', async () => {
    const out = join(work, 'locked');
    await mkdir(out);
    const live = { pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', argv: ['train', '--out', out] };
    await writeFile(join(out, 'run.lock'), JSON.stringify(live));
    const refused = await runCli(['train', ...QUICK, '--epochs', '1', '--out', out]);
    expect(expectOneErrorLine(refused)).toBe(
      `error: --out ${out} is in use by another run (pid ${process.pid} on ${hostname()}, since 2026-01-01T00:00:00.000Z: vae train --out ${out}); wait for it to end, or if it is gone, delete ${join(out, 'run.lock')}`,
    );
    expect(JSON.parse(await readFile(join(out, 'run.lock'), 'utf8'))).toEqual(live);
    expect(await readdir(out)).toEqual(['run.lock']);

    await writeFile(join(out, 'run.lock'), JSON.stringify({ ...live, pid: deadPid() }));
    const taken = await runCli(['train', ...QUICK, '--epochs', '1', '--out', out]);
    expect(taken.code, taken.stderr).toBe(0);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  });

  it('the lock is held while a run writes, and Ctrl-C releases it', async () => {
    const out = join(work, 'interrupted');
    let heldWhileRunning: unknown = null;
    const exit = await runCli(['train', ...QUICK, '--epochs', '5', '--out', out], {
      onStderr: (text, child) => {
        if (heldWhileRunning === null && text.includes('run directory:')) {
          heldWhileRunning = existsSync(join(out, 'run.lock')) ? JSON.parse(readFileSync(join(out, 'run.lock'), 'utf8')) : false;
          setTimeout(() => child.kill('SIGINT'), 300);
        }
      },
    });
    expect(exit.code, exit.stderr).toBe(130);
    expect(heldWhileRunning).toMatchObject({ pid: expect.any(Number), host: hostname(), argv: ['train', ...QUICK, '--epochs', '5', '--out', out] });
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  });

  it('a finished run’s directory is refused without --overwrite and left as it was', async () => {
    const run = await copyOfFinished('refused');
    const before = await readFile(join(run, 'checkpoint', 'checkpoint.bin'));
    const exit = await runCli(['train', ...QUICK, '--epochs', '1', '--out', run]);
    expect(expectOneErrorLine(exit)).toBe(
      `error: --out ${run} already holds a run (checkpoint, config.json, loss.svg, metrics.jsonl, model, samples); continue it with \`vae train --resume ${run}\`, give --overwrite to delete it and start again, or choose another --out`,
    );
    expect((await readFile(join(run, 'checkpoint', 'checkpoint.bin'))).equals(before)).toBe(true);
    expect(exit.stdout).toBe('');
  });

  it('--overwrite deletes the old run first: no old sample PNG stays beside the new ones', async () => {
    const run = await copyOfFinished('overwritten');
    await mkdir(join(run, 'explore'));
    await writeFile(join(run, 'explore', 'samples-4x4-t1-seed0.png'), 'old');
    expect((await readdir(join(run, 'samples'))).sort()).toEqual(['epoch-001.png', 'epoch-002.png']);
    const exit = await runCli(['train', ...QUICK, '--epochs', '1', '--seed', '7', '--out', run, '--overwrite']);
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toContain("--overwrite: deleted the old run's checkpoint, config.json, explore, loss.svg, metrics.jsonl, model, samples");
    expect(await readdir(join(run, 'samples'))).toEqual(['epoch-001.png']);
    expect(existsSync(join(run, 'explore'))).toBe(false);
    expect(JSON.parse(await readFile(join(run, 'config.json'), 'utf8')).settings.seed).toBe(7);
    expect((await readFile(join(run, 'metrics.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('--overwrite never deletes files that are not a run’s', async () => {
    const dir = join(work, 'not-a-run');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await writeFile(join(dir, 'config.json'), '{}');
    const exit = await runCli(['train', ...QUICK, '--epochs', '1', '--out', dir, '--overwrite']);
    expect(expectOneErrorLine(exit)).toBe(`error: --out ${dir} is not empty and holds files that are not a vae run's (notes.txt); choose a new or empty directory`);
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'notes.txt']);
  });

  it('--overwrite and --resume cannot be combined (exit 2)', async () => {
    const exit = await runCli(['train', '--resume', finished, '--overwrite']);
    expect(expectOneErrorLine(exit, 2)).toContain('--overwrite and --resume cannot be combined');
  });
});

describe('resume: leftovers, history, --epochs', () => {
  it('removes the temp files of dead writers (not of live ones) and keeps the run’s history in config.json', async () => {
    const run = await copyOfFinished('leftovers');
    const before = JSON.parse(await readFile(join(run, 'config.json'), 'utf8'));
    const dead = deadPid();
    const leftovers = [join(run, 'checkpoint', `checkpoint.bin.tmp-${dead}-0badf00d`), join(run, `metrics.jsonl.tmp-${dead}-0a0b0c0d`), join(run, 'samples', `epoch-002.png.tmp-${dead}-12345678`)];
    const live = join(run, 'checkpoint', `state.json.tmp-${process.pid}-abcdef01`);
    for (const file of [...leftovers, live]) await writeFile(file, 'half a file');

    const exit = await runCli(['train', '--resume', run, '--epochs', '3']);
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toContain('removed 3 temp files of interrupted writes');
    for (const file of leftovers) expect(existsSync(file), file).toBe(false);
    expect(existsSync(live)).toBe(true);

    const after = JSON.parse(await readFile(join(run, 'config.json'), 'utf8'));
    expect(after.createdAt).toBe(before.createdAt);
    expect(after.argv).toEqual(before.argv);
    expect(after.backend).toBe('wasm');
    expect(after.settings.epochs).toBe(3);
    expect(after.resumes).toHaveLength(1);
    expect(after.resumes[0]).toMatchObject({ argv: ['train', '--resume', run, '--epochs', '3'], backend: 'wasm', fromEpoch: 2 });
    expect(Date.parse(after.resumes[0].resumedAt)).toBeGreaterThan(Date.parse(before.createdAt));
  });

  it('refuses --epochs below the epochs already trained (exit 2) and leaves config.json as it was', async () => {
    const run = await copyOfFinished('fewer-epochs');
    const before = await readFile(join(run, 'config.json'), 'utf8');
    const exit = await runCli(['train', '--resume', run, '--epochs', '1']);
    expect(expectOneErrorLine(exit, 2)).toBe(
      `error: --epochs 1 is below the 2 epochs this run has already trained (${join(run, 'checkpoint', 'checkpoint.bin')}); give --epochs 2 or more, or leave --epochs out`,
    );
    expect(await readFile(join(run, 'config.json'), 'utf8')).toBe(before);
    expect(existsSync(join(run, 'run.lock'))).toBe(false);
  });
});
