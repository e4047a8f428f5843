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
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const addonDir = path.join(root, 'addon');
const buildDir = path.join(addonDir, 'build');
const output = path.join(buildDir, 'Release', 'vae_native.node');
const statusFile = path.join(buildDir, 'status.json');
const logFile = path.join(buildDir, 'build-addon.log');
const strict = process.env.VAE_NATIVE_STRICT === '1';

function writeStatus(status) {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(statusFile, `${JSON.stringify(status, null, 2)}\n`);
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

let nodeGyp;
try {
  nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  unavailable('node-gyp is not installed (it is a devDependency of @vae/native: run pnpm install)');
}

// Use the headers of the running Node when they are installed beside it (e.g. /usr/include/node),
// so node-gyp never tries to download them.
const args = [nodeGyp, 'configure', 'build', '--jobs', 'max'];
const hasNodedir = process.argv.some((a) => a.startsWith('--nodedir')) || process.env.npm_config_nodedir;
if (!hasNodedir) {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
}
args.push(...process.argv.slice(2));

mkdirSync(buildDir, { recursive: true });
const started = Date.now();
const run = spawnSync(process.execPath, args, { cwd: addonDir, encoding: 'utf8', env: { ...process.env } });
const log = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? `\n${run.error.stack}` : ''}`;
mkdirSync(buildDir, { recursive: true });
writeFileSync(logFile, `$ node ${args.map((a) => JSON.stringify(a)).join(' ')}\n${log}`);

if (run.status === 0 && existsSync(output)) {
  // Load it once here, so a broken link (e.g. libopenblas missing at run time) is reported now.
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(output)}).info()`], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const first = (probe.stderr || '').split('\n').find((l) => /Error|error/.test(l)) ?? 'unknown error';
    unavailable(`the addon built but does not load: ${first.trim()}`);
  }
  // The CPU it was built for (-march=native): the loader refuses to load it on a CPU lacking any of
  // these flags, where it would die of SIGILL (see src/cpu-features.ts).
  let cpuFlags;
  try {
    cpuFlags = /^(?:flags|Features)\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim().split(/\s+/);
  } catch {
    // not Linux: nothing recorded, nothing checked
  }
  writeStatus({ ok: true, at: new Date().toISOString(), arch: process.arch, ...(cpuFlags ? { cpuFlags } : {}) });
  console.log(`[@vae/native] built ${path.relative(root, output)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(0);
}

// Name the most likely cause; the log has the rest.
const causes = [
  [/cblas\.h: No such file|cblas\.h' file not found/, 'OpenBLAS headers not found (install libopenblas-dev, or openblas-devel / brew install openblas)'],
  [/cannot find -lopenblas|library not found for -lopenblas|ld: .*openblas/, 'the OpenBLAS library was not found (install libopenblas-dev)'],
  [/(g\+\+|c\+\+|cc|clang\+\+|make): (command )?not found|spawn (make|g\+\+|c\+\+) ENOENT|not found: make|No such file or directory.*(g\+\+|c\+\+)/, 'no C/C++ toolchain (install build-essential: make and g++)'],
  [/Could not find any Python|find Python/, 'Python 3 (needed by node-gyp) was not found'],
  [/node_api\.h: No such file|common\.gypi not found|connect ECONNREFUSED|getaddrinfo|ENOTFOUND|unable to get local issuer/, 'Node headers not available (set npm_config_nodedir to a Node install with include/node, e.g. /usr)'],
  [/error: .*(std::atomic|wait|notify_all)|unrecognized command[- ]line option '-std=gnu\+\+20'/, 'the C++ compiler lacks C++20 support (GCC ≥ 11 or Clang ≥ 14 needed)'],
];
const cause = causes.find(([re]) => re.test(log))?.[1];
const firstError = log.split('\n').find((l) => /\berror\b|ERR!/.test(l))?.trim();
unavailable(`${cause ?? `node-gyp failed${firstError ? `: ${firstError.slice(0, 160)}` : ''}`} (log: ${path.relative(process.cwd(), logFile)})`);
