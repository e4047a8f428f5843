import { readFileSync } from 'node:fs';

/**
 * OpenBLAS (a DYNAMIC_ARCH build: Debian's shared library for the source build, the static one
 * linked into the prebuilt — both pick the same core) chooses its kernels when it loads, from
 * OPENBLAS_CORETYPE if set. On AMD Zen 4 (family 25 with AVX-512), whose AVX-512 units are 256 bits
 * wide, OpenBLAS 0.3.21 picks its AVX-512 "Cooperlake" kernels; its AVX2 "Haswell" kernels measured
 * 5–15 % faster on this model's GEMMs there (2–5 % faster whole steps). So, unless the user chose
 * (OPENBLAS_CORETYPE, or VAE_NATIVE_BLAS_CORETYPE: a core name, or `default` to leave OpenBLAS'
 * choice), use Haswell on Zen 4. Zen 5 (family 26, full-width AVX-512) keeps OpenBLAS' choice
 * (Cooperlake). Only effective if that OpenBLAS is not already loaded in the process.
 */
export function chooseBlasCore(): void {
  const wanted = process.env.VAE_NATIVE_BLAS_CORETYPE;
  if (process.env.OPENBLAS_CORETYPE !== undefined) return;
  if (wanted !== undefined) {
    if (wanted !== 'default' && wanted !== '') process.env.OPENBLAS_CORETYPE = wanted;
    return;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') return;
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    const first = cpuinfo.slice(0, cpuinfo.indexOf('\n\n') >>> 0);
    const zen4 = /^vendor_id\s*:\s*AuthenticAMD$/m.test(first) && /^cpu family\s*:\s*25$/m.test(first) && /^flags\s*:.*\bavx512f\b/m.test(first);
    if (zen4) process.env.OPENBLAS_CORETYPE = 'Haswell';
  } catch {
    // no /proc: keep OpenBLAS' choice
  }
}
