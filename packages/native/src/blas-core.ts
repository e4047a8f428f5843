import { readFileSync } from 'node:fs';

/**
 * OpenBLAS (a DYNAMIC_ARCH build: Debian's shared library for the source build, the static one
 * linked into the prebuilt — both 0.3.21, both pick the same core) chooses its kernels when it
 * loads, from OPENBLAS_CORETYPE if set, else from the CPU's vendor, family and model. Two cases
 * where its choice is wrong for this model's GEMMs:
 * - A CPU newer than its tables: an Intel family 6 model it does not know (e.g. model 207, an
 *   Emerald Rapids Xeon) gets its generic "Prescott" kernels, which ran the native step 2.6× slower
 *   than "SkylakeX" there. So on Intel the core is chosen from the instruction-set flags: AVX-512
 *   (F, BW, DQ, VL) → SkylakeX, AVX2 + FMA → Haswell, AVX → Sandybridge — what OpenBLAS picks itself
 *   for the models it knows. Likewise for an AMD family newer than Zen 5 (26): SkylakeX or Zen.
 * - AMD Zen 4 (family 25 with AVX-512), whose AVX-512 units are 256 bits wide: OpenBLAS picks
 *   "Cooperlake", and its AVX2 "Haswell" kernels measured 5–15 % faster on these GEMMs there (2–5 %
 *   on whole steps). Zen 5 (family 26, full-width AVX-512) keeps OpenBLAS' choice.
 * The user's choice always wins: OPENBLAS_CORETYPE, or VAE_NATIVE_BLAS_CORETYPE (a core name, or
 * `default` to leave the choice to OpenBLAS).
 */
export function blasCoreFor(cpuinfo: string): string | undefined {
  const first = cpuinfo.slice(0, cpuinfo.indexOf('\n\n') >>> 0);
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(first)?.[1]?.trim();
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const family = Number(field('cpu family'));
  const avx512 = ['avx512f', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f));
  const avx2 = flags.has('avx2') && flags.has('fma');
  switch (field('vendor_id')) {
    case 'GenuineIntel':
      if (family !== 6) return undefined;
      return avx512 ? 'SkylakeX' : avx2 ? 'Haswell' : flags.has('avx') ? 'Sandybridge' : undefined;
    case 'AuthenticAMD':
      if (family === 25) return flags.has('avx512f') ? 'Haswell' : undefined;
      if (family > 26) return avx512 ? 'SkylakeX' : avx2 ? 'Zen' : undefined;
      return undefined;
    default:
      return undefined;
  }
}

/** Sets OPENBLAS_CORETYPE by `blasCoreFor` unless the user chose. Only effective if OpenBLAS is not yet loaded in the process. */
export function chooseBlasCore(env: NodeJS.ProcessEnv = process.env, cpuinfo?: string): void {
  const wanted = env.VAE_NATIVE_BLAS_CORETYPE;
  if (env.OPENBLAS_CORETYPE !== undefined) return;
  if (wanted !== undefined) {
    if (wanted !== 'default' && wanted !== '') env.OPENBLAS_CORETYPE = wanted;
    return;
  }
  if (cpuinfo === undefined) {
    if (process.platform !== 'linux' || process.arch !== 'x64') return;
    try {
      cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return; // no /proc: keep OpenBLAS' choice
    }
  }
  const core = blasCoreFor(cpuinfo);
  if (core) env.OPENBLAS_CORETYPE = core;
}
