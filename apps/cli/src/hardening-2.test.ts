import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNativeAvailable, nativeLoadError } from '@vae/native';
import { BENCH_MAIN, CLI_MAIN, runCli, type CliExit } from './testing/run-cli.js';
import { expectOneErrorLine } from './testing/expect-one-error-line.js';
import { asUser, mountTinyTmpfs, tmpfsUnavailable } from './testing/hostile-environment.js';

// Hostile-user cases, round two (issue #23), on the built CLI as a user would run it: no hang,
// Ctrl-C everywhere, sizes that cannot fit refused up front, no user file lost, one quiet line.


/** The pids of `pid`'s children (Linux: each /proc/<pid>/stat names its parent). */
function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}
/** Whether `pid` runs (a zombie counts as gone). */
function isAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
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
    ['interpolate --steps 40000', ['interpolate', '--from', '0', '--to', '1', '--steps', '40000', '--backend', 'wasm'], null],
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

  it.skipIf(noProcfs !== null)(`bench: stops its measurement at once, writes no results${noProcfs ? ` (skipped: ${noProcfs})` : ''}`, async () => {
    const out = join(work, 'bench.json');
    let sentAt: number | null = null;
    let benchChild: number | undefined;
    const exit = await runCli(['--backends', 'wasm', '--batch-sizes', '64', '--samples', '200000', '--repeats', '1', '--out', out], {
      script: BENCH_MAIN,
      timeoutMs: 120_000,
      onStdout: (text, child) => {
        if (sentAt !== null || !text.includes('backend     batch')) return;
        setTimeout(() => {
          benchChild = childPids(child.pid!)[0];
          sentAt = performance.now();
          child.kill('SIGINT');
        }, 1500);
      },
    });
    const stoppedInMs = performance.now() - sentAt!;
    expect(exit.code, exit.stderr).toBe(130);
    expect(stoppedInMs).toBeLessThan(BOUND_MS);
    expect(await exists(out)).toBe(false);
    // Its measuring process went with it (it would have trained on, orphaned).
    expect(benchChild).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isAlive(benchChild!)).toBe(false);
  }, 120_000);
});

/** Four MNIST-format files of `count` blank 28×28 images (uncompressed IDX) in `dir`. */
async function writeTinyMnist(dir: string, count: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const idx = (type: number, dims: number[], body: number) => {
    const header = Buffer.alloc(4 + 4 * dims.length);
    header.writeUInt32BE(0x0800 + type, 0);
    dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
    return Buffer.concat([header, Buffer.alloc(body)]);
  };
  for (const prefix of ['train', 't10k']) {
    await writeFile(join(dir, `${prefix}-images-idx3-ubyte`), idx(3, [count, 28, 28], count * 784));
    await writeFile(join(dir, `${prefix}-labels-idx1-ubyte`), idx(1, [count], count));
  }
}

const noTmpfs = await tmpfsUnavailable();

describe('the right advice', () => {
  it(`an unreadable data file: make it readable (not "choose a place you can write to")${asUser === undefined ? '' : ' (run as nobody)'}`, async () => {
    const data = join(work, 'unreadable-data');
    await writeTinyMnist(data, 20);
    await chmod(work, 0o755);
    await chmod(data, 0o755);
    const file = join(data, 't10k-labels-idx1-ubyte');
    await chmod(file, 0o000);
    const exit = await runCli(['train', '--data-dir', data, '--epochs', '1', '--backend', 'wasm', '--out', join(work, 'unreadable-run')], { uid: asUser });
    const line = expectOneErrorLine(exit);
    expect(line).toBe(`error: ${file}: permission denied; make it readable (e.g. chmod a+r) or copy the files somewhere you can read`);
  });

  it.skipIf(noTmpfs !== null)(`a full disk at the first checkpoint: how to start again, never "the checkpoint on disk is intact"${noTmpfs ? ` (skipped: ${noTmpfs})` : ''}`, async () => {
    const disk = join(work, 'full-disk');
    await mkdir(disk);
    expect(mountTinyTmpfs(disk)).toBe(null);
    try {
      const out = join(disk, 'run');
      // No sample grid before the first checkpoint: the checkpoint is the first file too big for the disk.
      const exit = await runCli(['train', ...QUICK, '--epochs', '2', '--sample-every', '2', '--out', out]);
      const line = expectOneErrorLine(exit);
      expect(line).toContain(`no space left on the device writing ${join(out, 'checkpoint', 'checkpoint.bin')} (ENOSPC); free some space, then start again: vae train `);
      expect(line).toMatch(/ --overwrite$/);
      expect(line).not.toContain('intact');
    } finally {
      execFileSync('umount', [disk]);
    }
  });

  it('a checkpoint that does not fit the settings in config.json names config.json', async () => {
    const run = join(work, 'edited-config');
    await cp(finished, run, { recursive: true });
    const configFile = join(run, 'config.json');
    const config = JSON.parse(await readFile(configFile, 'utf8')) as { settings: { learningRate: number } };
    config.settings.learningRate = 0.01;
    await writeFile(configFile, JSON.stringify(config));
    const exit = await runCli(['train', '--resume', run, '--epochs', '2']);
    expect(expectOneErrorLine(exit)).toBe(
      `error: --resume ${run}: the checkpoint was trained with learningRate = 0.001, this run asks for 0.01 (this run's settings come from ${configFile}); put back the settings the run was trained with, or start a new run`,
    );
  });

  it('a diverged run says what to do: start again with a lower --lr, and the command', async () => {
    const out = join(work, 'diverged');
    const exit = await runCli(['train', ...QUICK, '--epochs', '2', '--lr', '1000', '--out', out]);
    const line = expectOneErrorLine(exit);
    expect(line).toMatch(/^error: loss became (NaN|-?Infinity) in epoch 1, batch \d+; stopped \(no checkpoint was saved before it\); start again with a lower learning rate: vae train /);
    expect(line).toContain(`--lr 1000 --out ${out} --lr 100 --overwrite`);
  });
});

describe('no user file is deleted or overwritten', () => {
  it('--overwrite on a directory that only looks like a run (the user’s config.json and model/notes.txt) deletes nothing and names what is there', async () => {
    const dir = join(work, 'looks-like-a-run');
    await mkdir(join(dir, 'model'), { recursive: true });
    await writeFile(join(dir, 'config.json'), '{"mine": true}');
    await writeFile(join(dir, 'model', 'notes.txt'), 'mine');
    const exit = await runCli(['train', ...QUICK, '--epochs', '1', '--out', dir, '--overwrite']);
    const line = expectOneErrorLine(exit);
    expect(line).toBe(
      `error: --out ${dir} is not empty and holds no vae run (no config.json written by \`vae train\`, no checkpoint) but other files (config.json, model/notes.txt); choose a new or empty directory`,
    );
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe('{"mine": true}');
    expect(await readFile(join(dir, 'model', 'notes.txt'), 'utf8')).toBe('mine');

    // A config.json alone, not written by `vae train`, is refused too.
    await rm(join(dir, 'model'), { recursive: true });
    const alone = await runCli(['train', ...QUICK, '--epochs', '1', '--out', dir, '--overwrite']);
    expect(expectOneErrorLine(alone)).toContain(`--out ${dir} is not empty and holds no vae run (no config.json written by \`vae train\`, no checkpoint) but other files (config.json)`);
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe('{"mine": true}');
  });

  it('--overwrite on a real run deletes only the run’s files and names what it kept', async () => {
    const run = join(work, 'run-with-notes');
    await cp(finished, run, { recursive: true });
    await writeFile(join(run, 'model', 'notes.txt'), 'mine');
    await writeFile(join(run, 'samples', 'favourite.png'), 'mine');
    const exit = await runCli(['train', ...QUICK, '--epochs', '1', '--seed', '3', '--out', run, '--overwrite']);
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toContain(
      "--overwrite: deleted the old run's checkpoint, config.json, loss.svg, metrics.jsonl, model, samples; kept what is not the run's: model/notes.txt, samples/favourite.png",
    );
    expect(await readFile(join(run, 'model', 'notes.txt'), 'utf8')).toBe('mine');
    expect(await readFile(join(run, 'samples', 'favourite.png'), 'utf8')).toBe('mine');
    expect(JSON.parse(await readFile(join(run, 'config.json'), 'utf8')).settings.seed).toBe(3);
  });

  it('export --out at, around or inside the model it reads is refused before anything is written', async () => {
    const run = join(work, 'export-overlap');
    await cp(finished, run, { recursive: true });
    const model = join(run, 'model');
    const before = (await readdir(model)).sort();
    for (const out of [model, run, join(model, 'onnx')]) {
      for (const format of ['onnx', 'tfjs-layers']) {
        const exit = await runCli(['export', '--model', run, '--format', format, '--out', out]);
        expect(expectOneErrorLine(exit, 2)).toMatch(new RegExp(`^error: --out ${out} (is the model folder|lies inside the model folder|contains the model folder)`));
      }
    }
    expect((await readdir(model)).sort()).toEqual(before);
    expect(await exists(join(model, 'onnx'))).toBe(false);
    const sample = await runCli(['sample', '--model', run, '--grid', '2', '--backend', 'wasm']);
    expect(sample.code, sample.stderr).toBe(0);
  });
});

describe('sizes a user can type: refused before anything is allocated or written (one line, exit 2)', () => {
  it('train --latent-dim 1000000000 and 10000000: the limit and why; no run directory', async () => {
    for (const latent of ['1000000000', '10000000']) {
      const out = join(work, `latent-${latent}`);
      const exit = await runCli(['train', ...QUICK, '--latent-dim', latent, '--out', out]);
      expect(expectOneErrorLine(exit, 2)).toMatch(new RegExp(`^error: --latent-dim ${latent} \\(training a model of [\\d,]+ weights\\) needs an? .*(typed-array length limit|WebAssembly heap|memory)\\); choose a smaller --latent-dim$`));
      expect(await exists(out)).toBe(false);
    }
  });

  it('train --batch-size 1000000000 on a small set: each step takes the whole set (no internal error)', async () => {
    const out = join(work, 'huge-batch');
    const exit = await runCli(['train', ...QUICK, '--batch-size', '1000000000', '--epochs', '1', '--out', out]);
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toContain('--batch-size 1000000000 is more than the 2,000 training images: each step takes them all');
  });

  it('a resumed config.json with latentDim 1e9 is refused naming it, and the run is left as it was', async () => {
    const run = join(work, 'resume-huge-latent');
    await cp(finished, run, { recursive: true });
    const configFile = join(run, 'config.json');
    const config = JSON.parse(await readFile(configFile, 'utf8')) as { settings: { latentDim: number } };
    config.settings.latentDim = 1e9;
    await writeFile(configFile, JSON.stringify(config));
    const before = (await readdir(run)).sort();
    const exit = await runCli(['train', '--resume', run, '--epochs', '2']);
    expect(expectOneErrorLine(exit, 2)).toMatch(new RegExp(`^error: settings\\.latentDim = 1000000000 in ${configFile} \\(training a model of`));
    expect((await readdir(run)).sort()).toEqual(before);
  });

  const explore: [string, string[], RegExp][] = [
    ['eval --k 1000000000', ['eval', '--k', '1000000000'], /^error: --k 1000000000 \(the noise and log-weights of one image's 1,000,000,000 draws\) needs .*; choose a smaller --k \(at most about [\d,]+\)$/],
    ['sample --grid 100000', ['sample', '--grid', '100000'], /^error: --grid 100000 \(10,000,000,000 images\) needs .*; choose a smaller --grid \(at most about [\d,]+\)$/],
    ['manifold --grid 100000', ['manifold', '--grid', '100000'], /^error: --grid 100000 \(10,000,000,000 images\) needs .*; choose a smaller --grid/],
    ['interpolate --steps 100000000', ['interpolate', '--from', '0', '--to', '1', '--steps', '100000000'], /^error: --steps 100000000 \(a strip of 100,000,002 images\) needs .*; choose fewer --steps/],
  ];
  for (const [name, args, expected] of explore) {
    it(`${name}: the limit and why, nothing written`, async () => {
      const out = join(work, `size-${name.replace(/\W+/g, '-')}`);
      const exit = await runCli([...args, '--model', finished, '--data', 'embedded', '--backend', 'wasm', '--out', out], { timeoutMs: 60_000 });
      expect(expectOneErrorLine(exit, 2)).toMatch(expected);
      expect(await exists(out)).toBe(false);
    }, 90_000);
  }
});

describe('every user error is one line', () => {
  it('a config.json whose bad JSON holds a line break (resume)', async () => {
    const run = join(work, 'bad-config-json');
    await cp(finished, run, { recursive: true });
    // V8 quotes the text around an unexpected token, line breaks and all.
    await writeFile(join(run, 'config.json'), '{\n  "settings": x\n}\n');
    const exit = await runCli(['train', '--resume', run]);
    expect(expectOneErrorLine(exit, 2)).toMatch(new RegExp(`^error: ${join(run, 'config.json')}: invalid JSON \\(.*\\\\n.*\\)$`));
  });

  it('a model.json whose bad JSON holds a line break', async () => {
    const model = join(work, 'bad-model-json');
    await cp(join(finished, 'model'), model, { recursive: true });
    await writeFile(join(model, 'model.json'), '{\n  "format": "vae-ts/vae",\n  "description": x\n}\n');
    const exit = await runCli(['sample', '--model', model, '--grid', '2', '--backend', 'wasm']);
    expect(expectOneErrorLine(exit)).toMatch(new RegExp(`^error: --model ${model}: .*\\\\n`));
  });

  it('an --out name holding a line break is shown escaped', async () => {
    const file = join(work, 'a\nb');
    await writeFile(file, 'mine');
    const exit = await runCli(['train', ...QUICK, '--epochs', '1', '--out', file]);
    expect(expectOneErrorLine(exit)).toBe(`error: --out ${join(work, 'a\\nb')}: is a file, not a directory; choose a directory`);
  });
});

describe('quiet runs: Dawn’s own output never reaches the terminal (only with --debug)', () => {
  const webgpuMissing = (() => {
    try {
      createRequire(CLI_MAIN).resolve('webgpu');
      return null;
    } catch {
      return 'the optional webgpu package is not installed (pnpm install brings it)';
    }
  })();
  // No display, no Vulkan driver: what servers, containers and CI have; Dawn then prints warnings,
  // `error:` lines and native frames while it looks for an adapter.
  const headless = { XDG_RUNTIME_DIR: '', VK_ICD_FILENAMES: '/nonexistent/vae-test-icd.json' };
  const isDawnNoise = /vkCreateInstance|XDG_RUNTIME_DIR|VK_ERROR|^\s+at |^Warning:/m;

  it.skipIf(webgpuMissing !== null)(`--backend auto: a successful run prints no line of Dawn's${webgpuMissing ? ` (skipped: ${webgpuMissing})` : ''}`, async () => {
    const args = ['train', '--data', 'embedded', '--train-size', '500', '--test-size', '100', '--epochs', '1', '--backend', 'auto'];
    const exit = await runCli([...args, '--out', join(work, 'quiet-auto')], { env: headless });
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).not.toMatch(isDawnNoise);
    expect(exit.stderr).toContain('not webgpu: no WebGPU adapter');
    // --debug shows it, marked as the probe's.
    const debug = await runCli(['--debug', ...args, '--out', join(work, 'quiet-auto-debug')], { env: headless });
    expect(debug.code, debug.stderr).toBe(0);
    expect(debug.stderr).toMatch(/^webgpu probe: /m);
  });

  it.skipIf(webgpuMissing !== null)(`--backend webgpu without an adapter: its error is the one line${webgpuMissing ? ` (skipped: ${webgpuMissing})` : ''}`, async () => {
    const exit = await runCli(['train', '--data', 'embedded', '--backend', 'webgpu', '--out', join(work, 'quiet-webgpu')], { env: headless });
    expect(expectOneErrorLine(exit)).toMatch(/^error: --backend webgpu: no WebGPU adapter: /);
    expect(exit.stderr).not.toMatch(isDawnNoise);
  });
});
