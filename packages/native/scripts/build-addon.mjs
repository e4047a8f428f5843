#!/usr/bin/env node
// Builds the optional native addon (addon/build/Release/vae_native.node) with node-gyp.
//
// The addon is a fast path, not a requirement: when it cannot be built (no C++ compiler, no
// OpenBLAS, no Node headers…) this prints ONE warning line saying why and exits 0, so `pnpm build`
// passes everywhere; @vae/native then reports itself unavailable (with the same reason).
// The full compiler output goes to addon/build/build-addon.log.
//
//   VAE_NATIVE_SKIP_BUILD=1   skip the native build (same warning, exit 0)
//   VAE_NATIVE_STRICT=1       exit 1 instead of warning when the build fails (for CI that needs it)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuFlags, explainFailure, findNodeGyp, runNodeGyp } from './node-gyp.mjs';
import { writeFileReplacing } from './replace-file.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const addonDir = path.join(root, 'addon');
const buildDir = path.join(addonDir, 'build');
const output = path.join(buildDir, 'Release', 'vae_native.node');
const statusFile = path.join(buildDir, 'status.json');
const logFile = path.join(buildDir, 'build-addon.log');
const strict = process.env.VAE_NATIVE_STRICT === '1';

function writeStatus(status) {
  mkdirSync(buildDir, { recursive: true });
  writeFileReplacing(statusFile, `${JSON.stringify(status, null, 2)}\n`);
}

function unavailable(reason) {
  // A stale addon from an earlier build must not be picked up as if this build had worked.
  rmSync(output, { force: true });
  writeStatus({ ok: false, reason, at: new Date().toISOString() });
  const line = `[@vae/native] WARNING: native fast path unavailable — ${reason}. Training falls back to tfjs.`;
  if (strict) {
    console.error(`${line} (VAE_NATIVE_STRICT=1: failing the build)`);
    process.exit(1);
  }
  console.warn(line);
  process.exit(0);
}

if (process.env.VAE_NATIVE_SKIP_BUILD === '1') unavailable('build skipped (VAE_NATIVE_SKIP_BUILD=1)');

const nodeGyp = findNodeGyp();
if (!nodeGyp) unavailable('node-gyp is not installed (it is a devDependency of @vae/native: run pnpm install)');

mkdirSync(buildDir, { recursive: true });
const started = Date.now();
const run = runNodeGyp(nodeGyp, addonDir, { extraArgs: process.argv.slice(2) });
mkdirSync(buildDir, { recursive: true });
writeFileReplacing(logFile, `$ ${run.command}\n${run.log}`);

if (run.ok && existsSync(output)) {
  // Load it once here, so a broken link (e.g. libopenblas missing at run time) is reported now.
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(output)}).info()`], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const first = (probe.stderr || '').split('\n').find((l) => /Error|error/.test(l)) ?? 'unknown error';
    unavailable(`the addon built but does not load: ${first.trim()}`);
  }
  // The CPU it was built for (-march=native): the loader refuses to load it on a CPU lacking any of
  // these flags, where it would die of SIGILL (see src/cpu-features.ts).
  const flags = cpuFlags(); // not Linux: nothing recorded, nothing checked
  writeStatus({ ok: true, at: new Date().toISOString(), arch: process.arch, ...(flags ? { cpuFlags: flags } : {}) });
  console.log(`[@vae/native] built ${path.relative(root, output)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(0);
}

unavailable(`${explainFailure(run.log)} (log: ${path.relative(process.cwd(), logFile)})`);
