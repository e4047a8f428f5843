#!/usr/bin/env node
// Builds the prebuilt addon that the platform package @vae/native-linux-x64-gnu ships
// (packages/native-linux-x64-gnu/vae_native.node + build-info.json), the way sharp, esbuild and
// onnxruntime-node ship theirs: a user with only Node gets the fast path, no compiler needed.
//
// Unlike the source build (build-addon.mjs, -march=native), this one
// - is compiled for baseline x86-64, its own loops (marked VAE_KERNEL in addon/src) compiled three
//   times — x86-64, x86-64-v3 (AVX2, FMA), x86-64-v4 (AVX-512) — and chosen when it loads
//   (GCC target_clones, see addon/src/dispatch.h);
// - links OpenBLAS statically (libopenblas.a, which must be built with DYNAMIC_ARCH so that it too
//   picks its kernels for the CPU it runs on), its symbols kept private (--exclude-libs), so the
//   .node needs nothing beyond glibc, libstdc++ and libgcc_s.
// build-info.json records what the loader checks (src/load-addon.ts): @vae/native's version, a hash
// of addon/src (a prebuilt of other sources is stale), the newest glibc symbol version it needs,
// and the OpenBLAS build.
//
// Like build-addon.mjs, a prebuilt that cannot be built is ONE warning line and exit 0; the reason
// goes to addon/prebuilt/build/status.json (the loader quotes it), the compiler output to
// addon/prebuilt/build/build-prebuilt.log.
//
//   node scripts/build-prebuilt.mjs [--out <platform package dir>]
//   VAE_NATIVE_SKIP_BUILD=1 / VAE_NATIVE_SKIP_PREBUILT=1   skip (warning, exit 0)
//   VAE_NATIVE_STRICT=1                                    a failed build exits 1 (CI)
//   VAE_OPENBLAS_STATIC=/path/libopenblas.a                the static OpenBLAS to link (default: Debian's, see below)
//   VAE_OPENBLAS_INCLUDE=/dir                              the directory with its cblas.h
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonSourceHash } from './addon-source-hash.mjs';
import { explainFailure, findNodeGyp, runNodeGyp } from './node-gyp.mjs';
import { copyFileReplacing, writeFileReplacing } from './replace-file.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const gypDir = path.join(root, 'addon', 'prebuilt');
const buildDir = path.join(gypDir, 'build');
const built = path.join(buildDir, 'Release', 'vae_native.node');
const statusFile = path.join(buildDir, 'status.json');
const logFile = path.join(buildDir, 'build-prebuilt.log');
const strict = process.env.VAE_NATIVE_STRICT === '1';
const outArg = process.argv.indexOf('--out');
const target = `${process.platform}-${process.arch}`;
const outDir = outArg > 0 ? path.resolve(process.argv[outArg + 1] ?? '') : path.resolve(root, '..', `native-${target}-gnu`);

function writeStatus(status) {
  mkdirSync(buildDir, { recursive: true });
  writeFileReplacing(statusFile, `${JSON.stringify(status, null, 2)}\n`);
}

function unavailable(reason, { fail = strict } = {}) {
  // A stale prebuilt from an earlier build must not be shipped or loaded as if this build had worked.
  rmSync(path.join(outDir, 'vae_native.node'), { force: true });
  rmSync(path.join(outDir, 'build-info.json'), { force: true });
  writeStatus({ ok: false, reason, at: new Date().toISOString() });
  const line = `[@vae/native] WARNING: prebuilt addon not built — ${reason}.`;
  if (fail) {
    console.error(`${line} (VAE_NATIVE_STRICT=1: failing the build)`);
    process.exit(1);
  }
  console.warn(line);
  process.exit(0);
}

if (process.env.VAE_NATIVE_SKIP_BUILD === '1') unavailable('build skipped (VAE_NATIVE_SKIP_BUILD=1)', { fail: false });
if (process.env.VAE_NATIVE_SKIP_PREBUILT === '1') unavailable('build skipped (VAE_NATIVE_SKIP_PREBUILT=1)', { fail: false });

// Only linux-x64 (glibc) has a recipe so far; README.md ("Prebuilt addon") says what the others need.
const glibc = process.platform === 'linux' ? process.report?.getReport?.().header?.glibcVersionRuntime : undefined;
if (target !== 'linux-x64' || !glibc) {
  const here = process.platform === 'linux' && !glibc ? `${target} with musl` : target;
  unavailable(`no prebuilt recipe for ${here} yet (linux-x64 with glibc only; see packages/native/README.md, "Prebuilt addon")`, { fail: false });
}
if (!existsSync(path.join(outDir, 'package.json'))) {
  unavailable(`the platform package directory ${outDir} has no package.json (pass --out <dir>)`);
}

/** A static OpenBLAS: VAE_OPENBLAS_STATIC, else the pthread build that Debian/Ubuntu's libopenblas-dev pulls in, else common prefixes. */
function findStaticOpenBlas() {
  if (process.env.VAE_OPENBLAS_STATIC) return existsSync(process.env.VAE_OPENBLAS_STATIC) ? process.env.VAE_OPENBLAS_STATIC : undefined;
  return [
    '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a', // Debian/Ubuntu: libopenblas-pthread-dev
    '/usr/lib/x86_64-linux-gnu/libopenblas.a',
    '/usr/lib64/libopenblas.a',
    '/usr/local/lib/libopenblas.a',
    '/opt/OpenBLAS/lib/libopenblas.a',
  ].find((f) => existsSync(f));
}

/** The directory with the cblas.h that belongs to `lib`. */
function findInclude(lib) {
  if (process.env.VAE_OPENBLAS_INCLUDE) return process.env.VAE_OPENBLAS_INCLUDE;
  const libDir = path.dirname(lib);
  const prefix = path.resolve(libDir, libDir.endsWith('openblas-pthread') ? '../../..' : '..');
  return [
    ...(libDir.endsWith('/x86_64-linux-gnu/openblas-pthread') ? [path.join(prefix, 'include', 'x86_64-linux-gnu', 'openblas-pthread')] : []),
    path.join(prefix, 'include', 'openblas'),
    path.join(prefix, 'include'),
    '/usr/include/x86_64-linux-gnu',
    '/usr/include/openblas',
    '/usr/include',
  ].find((d) => existsSync(path.join(d, 'cblas.h')));
}

const lib = findStaticOpenBlas();
if (!lib) {
  unavailable(
    process.env.VAE_OPENBLAS_STATIC
      ? `VAE_OPENBLAS_STATIC=${process.env.VAE_OPENBLAS_STATIC} does not exist`
      : 'no static OpenBLAS (libopenblas.a) found: apt-get install libopenblas-pthread-dev (Debian/Ubuntu; libopenblas-dev pulls it in), or set VAE_OPENBLAS_STATIC',
  );
}
if (/openmp/.test(lib)) unavailable(`${lib} is the OpenMP build of OpenBLAS; link the pthread one (libopenblas-pthread-dev) so the addon needs no libgomp`);
const include = findInclude(lib);
if (!include) unavailable(`no cblas.h found for ${lib} (set VAE_OPENBLAS_INCLUDE)`);

const nodeGyp = findNodeGyp();
if (!nodeGyp) unavailable('node-gyp is not installed (it is a devDependency of @vae/native: run pnpm install)');

mkdirSync(buildDir, { recursive: true });
const started = Date.now();
const run = runNodeGyp(nodeGyp, gypDir, { variables: { openblas_static: lib, openblas_include: include } });
mkdirSync(buildDir, { recursive: true });
writeFileReplacing(logFile, `$ ${run.command}\n${run.log}`);
if (!run.ok || !existsSync(built)) unavailable(`${explainFailure(run.log)} (log: ${path.relative(process.cwd(), logFile)})`);

// What the .node links against: OpenBLAS (or its Fortran/OpenMP runtimes) must not be among them.
const tool = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
};
const dynamic = tool('readelf', ['-d', '--wide', built]);
const needed = dynamic ? [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]) : undefined;
const foreign = needed?.filter((n) => /openblas|gfortran|gomp|blas|lapack/.test(n)) ?? [];
if (foreign.length > 0) unavailable(`the prebuilt links ${foreign.join(', ')} dynamically; ${lib} must be a static archive`);

// The newest glibc symbol version it needs: the loader refuses an older glibc with that reason
// (instead of dlopen's "version `GLIBC_2.34' not found").
const versions = tool('readelf', ['-V', '--wide', built]) ?? readFileSync(built).toString('latin1');
const glibcNeeded = [...versions.matchAll(/GLIBC_(\d+)\.(\d+)/g)]
  .map((m) => [Number(m[1]), Number(m[2])])
  .reduce((a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a), [2, 2]);

// Load it in a fresh process: it must load, be the prebuilt, and carry a DYNAMIC_ARCH OpenBLAS.
const probe = spawnSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(built)}).info()))`], {
  encoding: 'utf8',
});
if (probe.status !== 0) {
  const first = (probe.stderr || '').split('\n').find((l) => /Error|error/.test(l)) ?? 'unknown error';
  unavailable(`the prebuilt built but does not load: ${first.trim()}`);
}
const info = JSON.parse(probe.stdout);
if (info.build !== 'prebuilt') unavailable(`the probe loaded a ${info.build} build (expected prebuilt)`);
if (!/DYNAMIC_ARCH/.test(info.blasConfig)) {
  unavailable(`${lib} was not built with DYNAMIC_ARCH (${info.blasConfig}): its kernels would be for the build CPU only`);
}

const compiler = (tool(process.env.CXX || 'g++', ['--version']) ?? '').split('\n')[0]?.trim() || 'unknown';
const own = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const buildInfo = {
  package: own.name,
  version: own.version,
  sourceHash: addonSourceHash(path.join(root, 'addon', 'src')),
  platform: process.platform,
  arch: process.arch,
  libc: 'glibc',
  glibc: glibcNeeded.join('.'),
  // Baseline x86-64: every x64 CPU has these; the rest is chosen at run time.
  cpuFlags: ['sse', 'sse2'],
  kernels: ['x86-64', 'x86-64-v3', 'x86-64-v4'],
  openblas: { version: info.blasConfig.split(' ').slice(0, 2).join(' '), dynamicArch: true, linked: 'static', from: lib },
  compiler,
  needed: needed ?? null,
  builtWith: { node: process.version, glibc },
  at: new Date().toISOString(),
};
const outFile = path.join(outDir, 'vae_native.node');
// Never in place: a training that has the old addon loaded keeps running on it (replace-file.mjs).
copyFileReplacing(built, outFile);
writeFileReplacing(path.join(outDir, 'build-info.json'), `${JSON.stringify(buildInfo, null, 2)}\n`);
writeStatus({ ok: true, at: buildInfo.at, out: outFile });
console.log(
  `[@vae/native] built the prebuilt ${path.relative(process.cwd(), outFile)} in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
    `(static ${info.blasConfig.split(' ').slice(0, 2).join(' ')}, needs glibc ≥ ${buildInfo.glibc})`,
);
