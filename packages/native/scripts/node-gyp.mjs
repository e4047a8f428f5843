// What build-addon.mjs (the source build) and build-prebuilt.mjs (the prebuilt) share: running
// node-gyp on the running Node's headers, reading /proc/cpuinfo, and naming the likely cause of a
// failed build.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** node-gyp's CLI script, or undefined when it is not installed (a devDependency of @vae/native). */
export function findNodeGyp() {
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

/**
 * Runs `node-gyp configure build` in `cwd`; `variables` become gyp variables (node-gyp writes its
 * unknown `--name=value` options into config.gypi), `extraArgs` go to node-gyp as they are. Uses the headers of the running Node when they are installed beside it (e.g.
 * /usr/include/node), so node-gyp never tries to download them. Returns { ok, log, command }.
 */
export function runNodeGyp(nodeGyp, cwd, { extraArgs = [], variables = {} } = {}) {
  const args = [nodeGyp, 'configure', 'build', '--jobs', 'max'];
  const hasNodedir = extraArgs.some((a) => a.startsWith('--nodedir')) || process.env.npm_config_nodedir;
  if (!hasNodedir) {
    const prefix = path.resolve(path.dirname(process.execPath), '..');
    if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
  }
  args.push(...extraArgs);
  for (const [name, value] of Object.entries(variables)) args.push(`--${name}=${value}`);
  const run = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env } });
  const log = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? `\n${run.error.stack}` : ''}`;
  return { ok: run.status === 0, log, command: `node ${args.map((a) => JSON.stringify(a)).join(' ')}` };
}

/** The instruction-set flags line of /proc/cpuinfo (x86 "flags", ARM "Features"), or undefined off Linux. */
export function cpuFlags() {
  try {
    return /^(?:flags|Features)\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim().split(/\s+/);
  } catch {
    return undefined;
  }
}

const causes = [
  [/cblas\.h: No such file|cblas\.h' file not found/, 'OpenBLAS headers not found (install libopenblas-dev, or openblas-devel / brew install openblas)'],
  [/cannot find -lopenblas|library not found for -lopenblas|ld: .*openblas/, 'the OpenBLAS library was not found (install libopenblas-dev)'],
  [/(g\+\+|c\+\+|cc|clang\+\+|make): (command )?not found|spawn (make|g\+\+|c\+\+) ENOENT|not found: make|No such file or directory.*(g\+\+|c\+\+)/, 'no C/C++ toolchain (install build-essential: make and g++)'],
  [/Could not find any Python|gyp ERR! find Python/, 'Python 3 (needed by node-gyp) was not found'],
  [/node_api\.h: No such file|common\.gypi not found|connect ECONNREFUSED|getaddrinfo|ENOTFOUND|unable to get local issuer/, 'Node headers not available (set npm_config_nodedir to a Node install with include/node, e.g. /usr)'],
  [/error: .*(std::atomic|wait|notify_all)|unrecognized command[- ]line option '-std=gnu\+\+20'/, 'the C++ compiler lacks C++20 support (GCC ≥ 11 or Clang ≥ 14 needed)'],
  [/VAE_DISPATCH \(the prebuilt addon\) needs GCC/, 'the prebuilt needs GCC ≥ 12 on x86-64 (target_clones with arch=x86-64-v3/v4)'],
];

/** The most likely cause of a failed node-gyp run, from its log. */
export function explainFailure(log) {
  const cause = causes.find(([re]) => re.test(log))?.[1];
  if (cause) return cause;
  const firstError = log.split('\n').find((l) => /\berror\b|ERR!/.test(l))?.trim();
  return `node-gyp failed${firstError ? `: ${firstError.slice(0, 160)}` : ''}`;
}
