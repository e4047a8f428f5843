import { describe, expect, it } from 'vitest';
import { blasCoreFor, chooseBlasCore } from './blas-core.js';

/** A /proc/cpuinfo as Linux writes it: one block per logical CPU (two here), blank-line separated. */
function cpuinfo(vendor: string, family: number, model: number, name: string, flags: string): string {
  const block = (n: number) =>
    [`processor\t: ${n}`, `vendor_id\t: ${vendor}`, `cpu family\t: ${family}`, `model\t\t: ${model}`, `model name\t: ${name}`, `flags\t\t: fpu vme de pse tsc msr ${flags}`].join('\n');
  return `${block(0)}\n\n${block(1)}\n\n`;
}
const SSE = 'sse sse2 ssse3 sse4_1 sse4_2 popcnt';
const AVX2 = `${SSE} avx f16c fma avx2 bmi1 bmi2`;
const AVX512 = `${AVX2} avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni`;

const parts: [string, string, string | undefined][] = [
  // Intel: newer than OpenBLAS 0.3.21's tables, where it would fall back to Prescott.
  ['Intel Xeon, family 6 model 207 (Emerald Rapids, AVX-512)', cpuinfo('GenuineIntel', 6, 207, 'INTEL(R) XEON(R) PLATINUM 8581C', `${AVX512} avx512_bf16 amx_tile`), 'SkylakeX'],
  ['Intel Xeon, family 6 model 143 (Sapphire Rapids)', cpuinfo('GenuineIntel', 6, 143, 'Intel(R) Xeon(R) Platinum 8480+', `${AVX512} avx512_bf16 amx_tile`), 'SkylakeX'],
  ['Intel Core, family 6 model 183 (Raptor Lake: AVX2, no AVX-512)', cpuinfo('GenuineIntel', 6, 183, '13th Gen Intel(R) Core(TM) i7-13700K', AVX2), 'Haswell'],
  ['Intel Xeon, family 6 model 85 (Skylake-SP)', cpuinfo('GenuineIntel', 6, 85, 'Intel(R) Xeon(R) Gold 6148', AVX512), 'SkylakeX'],
  ['Intel Core, family 6 model 42 (Sandy Bridge: AVX only)', cpuinfo('GenuineIntel', 6, 42, 'Intel(R) Core(TM) i7-2600', `${SSE} avx`), 'Sandybridge'],
  ['Intel Atom without AVX', cpuinfo('GenuineIntel', 6, 92, 'Intel(R) Atom(TM) C3558', SSE), undefined],
  // AMD: Zen 4's half-width AVX-512 runs Haswell's kernels faster; Zen 5 keeps OpenBLAS' choice.
  ['AMD EPYC, family 25 (Zen 4, AVX-512)', cpuinfo('AuthenticAMD', 25, 17, 'AMD EPYC 9654 96-Core Processor', AVX512), 'Haswell'],
  ['AMD EPYC, family 25 (Zen 3, no AVX-512)', cpuinfo('AuthenticAMD', 25, 1, 'AMD EPYC 7763 64-Core Processor', AVX2), undefined],
  ['AMD EPYC, family 26 (Zen 5)', cpuinfo('AuthenticAMD', 26, 2, 'AMD EPYC 9755 128-Core Processor', AVX512), undefined],
  ['AMD, family 27 (newer than OpenBLAS knows, AVX-512)', cpuinfo('AuthenticAMD', 27, 0, 'AMD Future', AVX512), 'SkylakeX'],
  ['AMD, family 27 (newer than OpenBLAS knows, AVX2)', cpuinfo('AuthenticAMD', 27, 0, 'AMD Future', AVX2), 'Zen'],
  ['AMD family 23 (Zen 2)', cpuinfo('AuthenticAMD', 23, 49, 'AMD EPYC 7742 64-Core Processor', AVX2), undefined],
  ['another vendor', cpuinfo('HygonGenuine', 24, 1, 'Hygon C86 7185', AVX2), undefined],
];

describe('the OpenBLAS core chosen from /proc/cpuinfo', () => {
  it.each(parts)('%s → %s', (_name, text, core) => {
    expect(blasCoreFor(text)).toBe(core);
  });

  it('leaves the choice to the user: OPENBLAS_CORETYPE, or VAE_NATIVE_BLAS_CORETYPE (a name, or default)', () => {
    const emerald = parts[0]![1];
    const env: NodeJS.ProcessEnv = {};
    chooseBlasCore(env, emerald);
    expect(env.OPENBLAS_CORETYPE).toBe('SkylakeX');
    const own: NodeJS.ProcessEnv = { OPENBLAS_CORETYPE: 'Haswell' };
    chooseBlasCore(own, emerald);
    expect(own.OPENBLAS_CORETYPE).toBe('Haswell');
    const named: NodeJS.ProcessEnv = { VAE_NATIVE_BLAS_CORETYPE: 'Cooperlake' };
    chooseBlasCore(named, emerald);
    expect(named.OPENBLAS_CORETYPE).toBe('Cooperlake');
    const asIs: NodeJS.ProcessEnv = { VAE_NATIVE_BLAS_CORETYPE: 'default' };
    chooseBlasCore(asIs, emerald);
    expect(asIs.OPENBLAS_CORETYPE).toBeUndefined();
    const zen5: NodeJS.ProcessEnv = {};
    chooseBlasCore(zen5, parts[8]![1]);
    expect(zen5.OPENBLAS_CORETYPE).toBeUndefined();
  });
});
