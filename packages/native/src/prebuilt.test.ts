// The prebuilt addon (platform package @vae/native-linux-x64-gnu, scripts/build-prebuilt.mjs): it
// loads without the source build or a compiler, trains, needs no shared OpenBLAS, and computes
// what the -march=native source build computes. Skipped, saying why, where it is not built — except
// under CI (`CI` set), where that fails: CI builds it (`pnpm build`, VAE_NATIVE_STRICT=1).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cpuIsaFlags } from './cpu-features.js';
import type { NativeBinding, NativeTrainerInit } from './index.js';
import { mlpDescription } from '@vae/model/description';
import { rawTrainer, stream } from './test-trainers.js';
import { loadAddon, loadPrebuilt, loadSourceBuild, prebuiltMismatch, type PrebuiltBuildInfo } from './load-addon.js';
import { platformTriple, prebuiltPackageName, versionAtLeast } from './platform.js';

const ci = Boolean(process.env.CI);
const prebuilt = loadPrebuilt();
const source = loadSourceBuild();
const root = fileURLToPath(new URL('..', import.meta.url));

/** describe() that runs when `unavailable` is undefined; else skips with the reason in its title, or fails under CI. */
function describeWhen(title: string, unavailable: string | undefined, body: () => void): void {
  if (unavailable === undefined) {
    describe(title, body);
  } else if (ci) {
    describe(title, () => {
      it('runs in CI', () => {
        throw new Error(`${title}: cannot run in CI: ${unavailable}`);
      });
    });
  } else {
    console.warn(`[prebuilt.test] SKIPPED "${title}": ${unavailable}`);
    describe.skip(`${title} — SKIPPED: ${unavailable}`, body);
  }
}

const REFERENCE = { inputDim: 784, encoderHidden: [512, 256], latentDim: 20, decoderHidden: [256, 512] };
const ODD = { inputDim: 37, encoderHidden: [70, 33], latentDim: 5, decoderHidden: [17, 19, 41] };


function initialWeights(config: typeof REFERENCE, seed: number): Float32Array[] {
  const next = stream(seed);
  const dims = (prefix: number[]) => prefix.slice(1).map((out, i) => [prefix[i]!, out] as const);
  const h = config.encoderHidden.at(-1) ?? config.inputDim;
  const layers = [
    ...dims([config.inputDim, ...config.encoderHidden]),
    [h, config.latentDim] as const,
    [h, config.latentDim] as const,
    ...dims([config.latentDim, ...config.decoderHidden, config.inputDim]),
  ];
  return layers.flatMap(([fanIn, out]) => [
    Float32Array.from({ length: fanIn * out }, () => (2 * next() - 1) / Math.sqrt(fanIn)),
    Float32Array.from({ length: out }, () => (2 * next() - 1) / Math.sqrt(fanIn)),
  ]);
}

/** x [n, inputDim] with a share `density` of nonzero entries in `range`, eps [n, latentDim] ~ N(0, 1). */
function batch(config: typeof REFERENCE, n: number, seed: number, density: number, range: [number, number] = [0, 1]) {
  const next = stream(seed);
  const x = Float32Array.from({ length: n * config.inputDim }, () => (next() < density ? range[0] + (range[1] - range[0]) * next() : 0));
  const eps = Float32Array.from({ length: n * config.latentDim }, () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next()));
  return { x, eps };
}

/** Index of the first entry that differs bit for bit (NaN payloads and ±0 included), or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (ua.length !== ub.length) return 0;
  return ua.findIndex((v, i) => v !== ub[i]);
}

describe('prebuilt package name and checks', () => {
  it('names the platform package as sharp and esbuild do', () => {
    expect(platformTriple('linux', 'x64', 'gnu')).toBe('linux-x64-gnu');
    expect(platformTriple('linux', 'arm64', 'musl')).toBe('linux-arm64-musl');
    expect(platformTriple('darwin', 'arm64')).toBe('darwin-arm64');
    expect(platformTriple('win32', 'x64')).toBe('win32-x64');
    expect(prebuiltPackageName('linux-x64-gnu')).toBe('@vae/native-linux-x64-gnu');
    expect(versionAtLeast('2.36', '2.34')).toBe(true);
    expect(versionAtLeast('2.34', '2.34')).toBe(true);
    expect(versionAtLeast('2.9', '2.34')).toBe(false);
    expect(versionAtLeast('3.0', '2.99')).toBe(true);
  });

  it.skipIf(process.platform !== 'linux' || process.arch !== 'x64')('refuses a prebuilt of another version, other sources, a newer glibc or a CPU feature missing here, saying which', () => {
    // The build-info.json of the prebuilt that loaded here, or a made-up one.
    const fitting = prebuilt.binding !== undefined;
    const info: PrebuiltBuildInfo = fitting
      ? (JSON.parse(readFileSync(path.join(path.dirname(prebuilt.file!), 'build-info.json'), 'utf8')) as PrebuiltBuildInfo)
      : { version: '0', sourceHash: '0', platform: 'linux', arch: 'x64', libc: 'glibc', glibc: '2.17', cpuFlags: ['sse2'] };
    const file = '/x/vae_native.node';
    expect(prebuiltMismatch({ ...info, version: '0.0.0-other' }, file)).toMatch(/is the prebuilt of @vae\/native 0\.0\.0-other, this is \d/);
    if (fitting) {
      expect(prebuiltMismatch(info, file)).toBeUndefined();
      expect(prebuiltMismatch({ ...info, sourceHash: 'f00' }, file)).toMatch(/built from other sources .*stale/);
      expect(prebuiltMismatch({ ...info, arch: 'arm64' }, file)).toBe(`${file} was built for linux-arm64, this is linux-x64`);
      expect(prebuiltMismatch({ ...info, glibc: '99.0' }, file)).toMatch(/needs glibc ≥ 99\.0, this system has 2\.\d+/);
      if (cpuIsaFlags()) expect(prebuiltMismatch({ ...info, cpuFlags: ['sse2', 'avx10_9'] }, file)).toBe(`${file} needs a CPU with avx10_9, which this CPU lacks`);
    }
  });

  it('tries the prebuilt, then the source build, as VAE_NATIVE_PREBUILT says, and says why not', () => {
    expect(loadAddon({ VAE_NATIVE_DISABLE: '1' }).error).toBe('disabled by VAE_NATIVE_DISABLE=1');
    expect(loadAddon({ VAE_NATIVE_PREBUILT: 'always' }).error).toBe('VAE_NATIVE_PREBUILT: expected auto, only or never, got "always"');
    const only = loadAddon({ VAE_NATIVE_PREBUILT: 'only' });
    const never = loadAddon({ VAE_NATIVE_PREBUILT: 'never' });
    const auto = loadAddon({});
    if (prebuilt.binding) {
      expect(only.addon?.kind).toBe('prebuilt');
      expect(auto.addon?.kind).toBe('prebuilt');
      expect(auto.addon?.binding.info().build).toBe('prebuilt');
    } else {
      expect(only.error).toBe(`prebuilt: ${prebuilt.error} (VAE_NATIVE_PREBUILT=only: the source build is not tried)`);
      if (source.binding) expect(auto.addon).toMatchObject({ kind: 'source', prebuiltSkipped: prebuilt.error });
      else expect(auto.error).toBe(`neither addon loads — prebuilt: ${prebuilt.error}; source build: ${source.error}`);
    }
    if (source.binding) expect(never.addon).toMatchObject({ kind: 'source', file: source.file });
    else expect(never.error).toBe(source.error);
  });
});

describeWhen('the prebuilt addon (static OpenBLAS, kernels chosen at run time)', prebuilt.error, () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('is what @vae/native loads with VAE_NATIVE_PREBUILT=only, says so, and trains: the loss falls', async () => {
    vi.stubEnv('VAE_NATIVE_PREBUILT', 'only');
    vi.resetModules();
    const native = await import('./index.js');
    expect(native.nativeLoadError()).toBeUndefined();
    const info = native.nativeInfo()!;
    expect(info).toMatchObject({ build: 'prebuilt', addonFile: prebuilt.file, label: `OpenBLAS ${info.blasCore}, prebuilt` });
    expect(info.blasConfig).toMatch(/DYNAMIC_ARCH/);
    expect(['x86-64', 'x86-64-v3', 'x86-64-v4']).toContain(info.kernels);
    const t = new native.NativeVaeTrainer({ model: mlpDescription(REFERENCE), weights: initialWeights(REFERENCE, 1), learningRate: 3e-3 });
    const { x, eps } = batch(REFERENCE, 64, 2, 0.19);
    const losses = Array.from({ length: 12 }, () => t.step(x, 64, eps) / 64);
    t.dispose();
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.7 * losses[0]!);
  });

  it.skipIf(!existsSync('/usr/bin/ldd') && !existsSync('/bin/ldd'))('links OpenBLAS statically: ldd lists no libopenblas (nor its Fortran or OpenMP runtime)', () => {
    const ldd = spawnSync('ldd', [prebuilt.file!], { encoding: 'utf8' });
    expect(ldd.status, ldd.stderr).toBe(0);
    const libraries = ldd.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0]!).filter(Boolean);
    expect(libraries.filter((l) => /openblas|blas|lapack|gfortran|gomp/.test(l))).toEqual([]);
    expect(libraries.some((l) => /^libc\.so/.test(l))).toBe(true);
  });

  // It installs @vae/native's dist as npm would: without a build (tests read the sources), skipped, saying so.
  const dist = path.join(root, 'dist', 'index.js');
  const noDist = existsSync(dist) ? undefined : `${dist} is missing (pnpm --filter @vae/native build)`;
  if (noDist && !ci) console.warn(`[prebuilt.test] SKIPPED the prebuilt in a fresh project: ${noDist}`);
  it.skipIf(noDist !== undefined && !ci)(`loads and trains in a fresh project with no source build, no compiler and no OpenBLAS headers in reach${noDist ? ` — SKIPPED: ${noDist}` : ''}`, () => {
    if (noDist) throw new Error(`${noDist}: CI builds before testing`);
    // node_modules as npm lays out the tarballs: @vae/native (dist, addon/src, no addon/build) and the platform package.
    const project = mkdtempSync(path.join(tmpdir(), 'vae-prebuilt-'));
    try {
      const own = path.join(project, 'node_modules', '@vae', 'native');
      cpSync(path.join(root, 'package.json'), path.join(own, 'package.json'));
      cpSync(path.join(root, 'dist'), path.join(own, 'dist'), { recursive: true });
      cpSync(path.join(root, 'addon', 'src'), path.join(own, 'addon', 'src'), { recursive: true });
      // Its dependency @vae/model (the description: no TensorFlow.js needed for it).
      const modelRoot = path.join(root, '..', 'model');
      const model = path.join(project, 'node_modules', '@vae', 'model');
      cpSync(path.join(modelRoot, 'package.json'), path.join(model, 'package.json'));
      cpSync(path.join(modelRoot, 'dist'), path.join(model, 'dist'), { recursive: true });
      const platformDir = path.dirname(prebuilt.file!);
      const theirs = path.join(project, 'node_modules', ...prebuiltPackageName().split('/'));
      for (const f of ['package.json', 'vae_native.node', 'build-info.json']) cpSync(path.join(platformDir, f), path.join(theirs, f));
      writeFileSync(
        path.join(project, 'train.mjs'),
        `import { NativeVaeTrainer, nativeInfo, nativeLoadError } from '@vae/native';
import { mlpDescription, weightShapes } from '@vae/model/description';
const info = nativeInfo();
if (!info) { console.log(JSON.stringify({ error: nativeLoadError() })); process.exit(0); }
const model = mlpDescription(${JSON.stringify(REFERENCE)});
let s = 3; const next = () => (s = (s * 16807) % 2147483647) / 2147483647;
const weights = weightShapes(model).map(({ shape }) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (2 * next() - 1) * 0.05));
const t = new NativeVaeTrainer({ model, weights, learningRate: 3e-3 });
const x = Float32Array.from({ length: 64 * 784 }, () => (next() < 0.19 ? next() : 0));
const eps = Float32Array.from({ length: 64 * 20 }, () => 2 * next() - 1);
const losses = Array.from({ length: 10 }, () => t.step(x, 64, eps) / 64);
console.log(JSON.stringify({ info, losses }));
`,
      );
      const run = spawnSync(process.execPath, ['train.mjs'], {
        cwd: project,
        encoding: 'utf8',
        // No compiler, no include path, no pnpm/npm on PATH: only node, by its absolute path.
        env: { HOME: project, PATH: path.join(project, 'no-bin'), CC: 'false', CXX: 'false', CPATH: '', C_INCLUDE_PATH: '', CPLUS_INCLUDE_PATH: '', LIBRARY_PATH: '', ...(process.env.OPENBLAS_CORETYPE ? { OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE } : {}) },
      });
      expect(run.status, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { error?: string; info?: { build: string; addonFile: string }; losses?: number[] };
      expect(out.error).toBeUndefined();
      expect(out.info).toMatchObject({ build: 'prebuilt', addonFile: path.join(theirs, 'vae_native.node') });
      expect(out.losses!.every(Number.isFinite)).toBe(true);
      expect(out.losses!.at(-1)!).toBeLessThan(0.8 * out.losses![0]!);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

// Older CPUs, emulated by QEMU's user mode (Debian: qemu-user), where it is installed: the prebuilt
// must run its x86-64-v3 kernels on a Haswell and its baseline ones on a Nehalem (no AVX), not
// die of SIGILL. The v3 kernels compute bit for bit what the v4 ones compute here (both with FMA;
// OpenBLAS' Haswell kernels in both); the baseline ones (no FMA, OpenBLAS' Nehalem kernels) within
// float32 rounding.
const qemu = ['/usr/bin/qemu-x86_64', '/usr/local/bin/qemu-x86_64'].find((f) => existsSync(f));
const qemuUnavailable = prebuilt.error ?? (process.arch !== 'x64' ? 'not an x64 machine' : qemu ? undefined : 'qemu-x86_64 (Debian: qemu-user) is not installed');
describeWhen('the prebuilt on older CPUs (QEMU user mode)', qemuUnavailable, () => {
  const script = `const { createHash } = require('node:crypto');
const b = require(process.argv[1]);
const model = ${JSON.stringify((({ encoder, decoder }) => ({ inputDim: 784, latentDim: 20, encoder, decoder }))(mlpDescription(REFERENCE)))};
let s = 5; const u = () => (s = (s * 16807) % 2147483647) / 2147483647;
const dims = [[784, 512], [512, 256], [256, 20], [256, 20], [20, 256], [256, 512], [512, 784]];
const weights = dims.flatMap(([i, o]) => [Float32Array.from({ length: i * o }, () => (2 * u() - 1) / Math.sqrt(i)), new Float32Array(o)]);
const t = new b.Trainer({ ...model, learningRate: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta: 1, reconstruction: 'bernoulli', gaussianLo: 0, gaussianHi: 1, gaussianSigma: 1, gaussianIncludeConstant: false, threads: 2, parallel: 'auto', sparseInput: true, weights });
const x = Float32Array.from({ length: 64 * 784 }, () => (u() < 0.19 ? u() : 0));
const eps = Float32Array.from({ length: 64 * 20 }, () => 2 * u() - 1);
const losses = Array.from({ length: 5 }, () => t.step(x, 64, eps) / 64);
const hash = createHash('sha256');
const all = t.getWeights();
for (const w of all) hash.update(new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
console.log(JSON.stringify({ info: b.info(), losses, hash: hash.digest('hex'), w0: Array.from(all[0].subarray(0, 2000)) }));
`;
  type Out = { info: { kernels: string; blasCore: string }; losses: number[]; hash: string; w0: number[] };
  const run = (cpu: string | undefined, core: string): Out => {
    const args = ['-e', script, prebuilt.file!];
    const r = cpu
      ? spawnSync(qemu!, ['-cpu', cpu, process.execPath, ...args], { encoding: 'utf8', env: { ...process.env, OPENBLAS_CORETYPE: core } })
      : spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, OPENBLAS_CORETYPE: core } });
    expect(r.status, `${cpu ?? 'this CPU'}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Out;
  };

  it('Haswell: x86-64-v3 kernels, bit for bit what this CPU computes with the same OpenBLAS kernels', () => {
    const here = run(undefined, 'Haswell');
    const haswell = run('Haswell-v4', 'Haswell');
    expect(haswell.info).toMatchObject({ kernels: 'x86-64-v3', blasCore: 'Haswell' });
    if (here.info.kernels === 'x86-64-v3' || here.info.kernels === 'x86-64-v4') expect(haswell.hash).toBe(here.hash);
    expect(haswell.losses).toEqual(here.losses);
  });

  it('Nehalem (no AVX): baseline kernels and OpenBLAS\' Nehalem ones, within float32 rounding; the loss falls', () => {
    const here = run(undefined, 'Haswell');
    const nehalem = run('Nehalem-v1', 'Nehalem');
    expect(nehalem.info).toMatchObject({ kernels: 'x86-64', blasCore: 'Nehalem' });
    nehalem.losses.forEach((l, i) => expect(Math.abs(l - here.losses[i]!)).toBeLessThanOrEqual(1e-4 * here.losses[i]!));
    let diff = 0;
    nehalem.w0.forEach((w, i) => (diff = Math.max(diff, Math.abs(w - here.w0[i]!))));
    expect(diff).toBeLessThan(1e-4);
    expect(nehalem.losses.at(-1)!).toBeLessThan(nehalem.losses[0]!);
  });
});

// Bit for bit: both builds run the same OpenBLAS (Debian's 0.3.21, shared vs static) with the same
// kernels (OPENBLAS_CORETYPE, chosen before either loads), the same element-wise float32 code
// (no FMA contraction, -ffp-contract=off, exact +, −, ·, /, √ in any vector width) and FMA in the
// sparse first layer (the prebuilt's x86-64-v3/v4 kernels, -march=native on any CPU with FMA);
// every sum has the same order in both. Only a CPU without FMA (prebuilt's baseline kernels) or two
// different OpenBLAS versions would make them differ, then within float32 rounding.
const bothBuilds = prebuilt.error ?? (source.error !== undefined ? `the source build is unavailable: ${source.error}` : undefined);
describeWhen('the prebuilt against the -march=native source build', bothBuilds, () => {
  const pre = prebuilt.binding!;
  const src = source.binding!;
  const version = (b: NativeBinding) => b.info().blasConfig.split(' ').slice(0, 2).join(' ');
  // (The body is collected even when skipped: nothing here may assume the builds are there.)
  const exact =
    bothBuilds === undefined &&
    pre.info().kernels !== 'x86-64' &&
    (cpuIsaFlags()?.includes('fma') ?? false) &&
    version(pre) === version(src) &&
    pre.info().blasCore === src.info().blasCore;

  const cases = [
    { name: 'reference model, MNIST-like input (sparse first layer), bernoulli', config: REFERENCE, density: 0.19, range: [0, 1] as [number, number], over: {} },
    {
      name: 'reference model, dense input in [−1, 1], gaussian with constant, β = 2',
      config: REFERENCE,
      density: 1,
      range: [-1, 1] as [number, number],
      over: { reconstruction: 'gaussian' as const, gaussianLo: -1, gaussianHi: 1, gaussianSigma: 0.7, gaussianIncludeConstant: true, beta: 2 },
    },
    { name: 'odd widths (narrow column tails), sparse', config: ODD, density: 0.3, range: [0, 1] as [number, number], over: {} },
  ];
  const modes: Array<Partial<NativeTrainerInit>> = [{ threads: 1 }, { threads: 2, parallel: 'auto' }, { threads: 2, parallel: 'split' }, { threads: 2, parallel: 'data' }];

  it(`computes ${exact ? 'bit for bit' : 'within float32 rounding'} what the source build computes: steps (step, stepRows), Adam state, evaluate, log importance weights`, () => {
    for (const c of cases) {
      for (const mode of modes) {
        const what = `${c.name}, ${JSON.stringify(mode)}`;
        const weights = initialWeights(c.config, 11);
        const a = rawTrainer(pre, c.config, weights, { ...c.over, ...mode });
        const b = rawTrainer(src, c.config, weights, { ...c.over, ...mode });
        // Batch sizes on both sides of the split/data threshold (256) and a last partial batch.
        for (const [i, n] of [64, 256, 37, 64].entries()) {
          const { x, eps } = batch(c.config, n, 100 + i, c.density, c.range);
          const la = a.step(x, n, eps);
          const lb = b.step(x, n, eps);
          if (exact) expect(la, `${what}: loss of step ${i}`).toBe(lb);
          else expect(Math.abs(la - lb), `${what}: loss of step ${i}`).toBeLessThanOrEqual(1e-5 * Math.abs(lb));
        }
        // stepRows: gathered and normalized by the addon's threads.
        const images = Uint8Array.from({ length: 50 * c.config.inputDim }, (_, j) => ((j * 2654435761) >>> 24) & (j % 5 === 0 ? 255 : 0));
        const table = Float32Array.from({ length: 256 }, (_, v) => c.range[0] + ((c.range[1] - c.range[0]) * v) / 255);
        const indices = Uint32Array.from({ length: 48 }, (_, j) => (j * 7) % 50);
        const { eps } = batch(c.config, 48, 200, 1);
        expect(a.stepRows(images, c.config.inputDim, indices, 0, 48, table, eps)).toBe(b.stepRows(images, c.config.inputDim, indices, 0, 48, table, eps));
        const [wa, wb] = [a.getWeights(), b.getWeights()];
        const [sa, sb] = [a.getAdamState(), b.getAdamState()];
        expect(sa.iterations).toBe(sb.iterations);
        for (const [name, xs, ys] of [['weights', wa, wb], ['m', sa.m, sb.m], ['v', sa.v, sb.v]] as const) {
          xs.forEach((t, k) => {
            if (exact) {
              const at = firstDifference(t, ys[k]!);
              expect(at, `${what}: ${name}[${k}] differs first at [${at}]: ${t[at]} vs ${ys[k]![at]}`).toBe(-1);
            } else {
              let diff = 0;
              let scale = 0;
              t.forEach((v, j) => ((diff = Math.max(diff, Math.abs(v - ys[k]![j]!))), (scale = Math.max(scale, Math.abs(ys[k]![j]!)))));
              expect(diff, `${what}: ${name}[${k}]`).toBeLessThanOrEqual(1e-3 * scale + 1e-6);
            }
          });
        }
        const { x, eps: e } = batch(c.config, 20, 300, c.density, c.range);
        const [ea, eb] = [a.evaluate(x, 20, e), b.evaluate(x, 20, e)];
        if (exact) expect(ea).toEqual(eb);
        else expect(Math.abs(ea.loss - eb.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(eb.loss));
        const draws = batch(c.config, 3 * 300, 400, 1).eps;
        const [ia, ib] = [a.logImportanceWeights(x.subarray(0, 3 * c.config.inputDim), 3, 300, draws), b.logImportanceWeights(x.subarray(0, 3 * c.config.inputDim), 3, 300, draws)];
        if (exact) expect(firstDifference(ia, ib), `${what}: log importance weights`).toBe(-1);
        else ia.forEach((v, j) => expect(Math.abs(v - ib[j]!)).toBeLessThanOrEqual(1e-5 * Math.abs(ib[j]!) + 1e-4));
        a.dispose();
        b.dispose();
      }
    }
  });
});
