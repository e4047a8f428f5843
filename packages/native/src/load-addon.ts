import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonSourceHash as hashSources } from '../scripts/addon-source-hash.mjs';
import { chooseBlasCore } from './blas-core.js';
import { cpuIsaFlags, missingIsaFlags } from './cpu-features.js';
import type { NativeBinding } from './index.js';
import { PUBLISHED_PREBUILTS, glibcVersion, platformTriple, prebuiltPackageName, versionAtLeast } from './platform.js';

/**
 * Finding and loading the addon. Two builds can be there:
 * - `prebuilt`: `vae_native.node` of the platform package `@vae/native-<platform>-<arch>[-gnu]`
 *   (an optional dependency: npm installs the one that fits), built by scripts/build-prebuilt.mjs for
 *   any CPU of its architecture, OpenBLAS linked in;
 * - `source`: `addon/build/Release/vae_native.node`, built here by `pnpm build` with -march=native
 *   against the system's OpenBLAS.
 * The prebuilt is tried first (when it fits this platform, C library and CPU and was built from
 * these sources), then the source build, each with the reason it was passed over.
 * `VAE_NATIVE_PREBUILT=only` tries the prebuilt alone, `never` the source build alone.
 */

export type AddonKind = 'prebuilt' | 'source';

export interface LoadedAddon {
  binding: NativeBinding;
  kind: AddonKind;
  file: string;
  /** Why the prebuilt was passed over, when the source build was loaded (unset with VAE_NATIVE_PREBUILT=never). */
  prebuiltSkipped?: string;
}

export type AddonLoad = { addon: LoadedAddon; error?: undefined } | { addon?: undefined; error: string };

/** What the build scripts record beside a build (the prebuilt's build-info.json, the source build's status.json). */
export interface PrebuiltBuildInfo {
  version?: string;
  sourceHash?: string;
  platform?: string;
  arch?: string;
  libc?: string;
  glibc?: string;
  cpuFlags?: string[];
}

const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_ADDON = path.join(PACKAGE_ROOT, 'addon', 'build', 'Release', 'vae_native.node');
const SOURCE_STATUS = path.join(PACKAGE_ROOT, 'addon', 'build', 'status.json');
const PREBUILT_STATUS = path.join(PACKAGE_ROOT, 'addon', 'prebuilt', 'build', 'status.json');
const BUILD_PREBUILT = 'pnpm --filter @vae/native build:prebuilt';

type Attempt = { binding: NativeBinding; file: string; error?: undefined } | { binding?: undefined; file?: string; error: string };

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * The hash of addon/src that the prebuilt's build-info.json must record (scripts/build-prebuilt.mjs
 * computes it with the same function), or undefined where the sources are not installed.
 */
export function addonSourceHash(dir: string = path.join(PACKAGE_ROOT, 'addon', 'src')): string | undefined {
  return existsSync(dir) ? hashSources(dir) : undefined;
}

/** The directory of the platform package for this machine, or why there is none. */
export function locatePrebuilt(): { dir: string; name: string; error?: undefined } | { error: string } {
  const triple = platformTriple();
  const name = prebuiltPackageName(triple);
  try {
    const manifest = createRequire(import.meta.url).resolve(`${name}/package.json`);
    return { dir: path.dirname(manifest), name };
  } catch {
    if (PUBLISHED_PREBUILTS.includes(triple)) {
      return { error: `${name} is not installed (an optional dependency of @vae/native: installs with --no-optional or --omit=optional leave it out)` };
    }
    return { error: `no prebuilt for ${triple} (published for ${PUBLISHED_PREBUILTS.join(', ')}; see @vae/native's README, "Prebuilt addon")` };
  }
}

/** Why the prebuilt in `dir` must not be loaded here, or undefined when it may. */
export function prebuiltMismatch(info: PrebuiltBuildInfo, file: string): string | undefined {
  const own = readJson<{ version?: string }>(path.join(PACKAGE_ROOT, 'package.json'))?.version;
  if (own && info.version !== own) return `${file} is the prebuilt of @vae/native ${info.version ?? '(unknown)'}, this is ${own}: install matching versions`;
  const hash = addonSourceHash();
  if (hash && info.sourceHash !== hash) return `${file} was built from other sources than addon/src here (stale: ${BUILD_PREBUILT})`;
  if (info.platform !== process.platform || info.arch !== process.arch) {
    return `${file} was built for ${info.platform}-${info.arch}, this is ${process.platform}-${process.arch}`;
  }
  if (info.libc === 'glibc') {
    const have = glibcVersion();
    if (!have) return `${file} needs glibc, and this system's C library is not glibc`;
    if (info.glibc && !versionAtLeast(have, info.glibc)) return `${file} needs glibc ≥ ${info.glibc}, this system has ${have}`;
  }
  const here = cpuIsaFlags();
  if (info.cpuFlags && here) {
    const missing = missingIsaFlags(info.cpuFlags, here);
    if (missing.length > 0) return `${file} needs a CPU with ${missing.join(', ')}, which this CPU lacks`;
  }
  return undefined;
}

function requireAddon(file: string, expected: AddonKind): Attempt {
  try {
    chooseBlasCore();
    const binding = createRequire(import.meta.url)(file) as NativeBinding;
    if (typeof binding?.Trainer !== 'function') return { file, error: `${file} does not export Trainer (stale build?)` };
    const build = binding.info().build;
    if (build !== expected) return { file, error: `${file} is a ${build ?? 'older'} build, not the ${expected} one` };
    return { binding, file };
  } catch (e) {
    return { file, error: `loading ${file} failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The prebuilt of the platform package, if it is installed, built and fits this machine. */
export function loadPrebuilt(): Attempt {
  const located = locatePrebuilt();
  if (located.error !== undefined) return { error: located.error };
  const file = path.join(located.dir, 'vae_native.node');
  if (!existsSync(file)) {
    const status = readJson<{ ok?: boolean; reason?: string }>(PREBUILT_STATUS);
    const why = status?.ok === false && status.reason ? `: ${status.reason}` : ` (${BUILD_PREBUILT})`;
    return { file, error: `the prebuilt was not built${why} [${file} is missing]` };
  }
  const info = readJson<PrebuiltBuildInfo>(path.join(located.dir, 'build-info.json'));
  if (!info) return { file, error: `${path.join(located.dir, 'build-info.json')} is missing or unreadable (${BUILD_PREBUILT})` };
  const mismatch = prebuiltMismatch(info, file);
  if (mismatch) return { file, error: mismatch };
  return requireAddon(file, 'prebuilt');
}

/** The addon built from source in this package (addon/build/Release), if built for this CPU. */
export function loadSourceBuild(): Attempt {
  const file = SOURCE_ADDON;
  const status = readJson<{ ok?: boolean; reason?: string; arch?: string; cpuFlags?: string[] }>(SOURCE_STATUS);
  if (!existsSync(file)) {
    const why = status ? (status.ok === false && status.reason ? `: ${status.reason}` : '') : ' (run `pnpm --filter @vae/native build`)';
    return { file, error: `the addon was not built${why} [${file} is missing]` };
  }
  // -march=native: loading it on a CPU without one of the build CPU's extensions would die of SIGILL.
  const rebuild = 'rebuild it on this machine: pnpm --filter @vae/native build';
  if (status?.arch && status.arch !== process.arch) return { file, error: `${file} was built for ${status.arch}, this is ${process.arch}; ${rebuild}` };
  const here = cpuIsaFlags();
  if (status?.cpuFlags && here) {
    const missing = missingIsaFlags(status.cpuFlags, here);
    if (missing.length > 0) {
      return { file, error: `${file} was compiled for a CPU with ${missing.join(', ')}, which this CPU lacks (loading it would crash); ${rebuild}` };
    }
  }
  return requireAddon(file, 'source');
}

/**
 * The addon to use, by the rules above, or why there is none. Reads VAE_NATIVE_DISABLE=1 (none)
 * and VAE_NATIVE_PREBUILT = auto (default) | only | never.
 */
export function loadAddon(env: NodeJS.ProcessEnv = process.env): AddonLoad {
  if (env.VAE_NATIVE_DISABLE === '1') return { error: 'disabled by VAE_NATIVE_DISABLE=1' };
  const policy = env.VAE_NATIVE_PREBUILT || 'auto';
  if (policy !== 'auto' && policy !== 'only' && policy !== 'never') {
    return { error: `VAE_NATIVE_PREBUILT: expected auto, only or never, got ${JSON.stringify(policy)}` };
  }
  let prebuiltSkipped: string | undefined;
  if (policy !== 'never') {
    const prebuilt = loadPrebuilt();
    if (prebuilt.binding) return { addon: { binding: prebuilt.binding, kind: 'prebuilt', file: prebuilt.file } };
    if (policy === 'only') return { error: `prebuilt: ${prebuilt.error} (VAE_NATIVE_PREBUILT=only: the source build is not tried)` };
    prebuiltSkipped = prebuilt.error;
  }
  const source = loadSourceBuild();
  if (source.binding) return { addon: { binding: source.binding, kind: 'source', file: source.file, ...(prebuiltSkipped ? { prebuiltSkipped } : {}) } };
  return { error: prebuiltSkipped ? `neither addon loads — prebuilt: ${prebuiltSkipped}; source build: ${source.error}` : source.error };
}
