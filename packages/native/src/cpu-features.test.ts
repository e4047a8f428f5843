import { describe, expect, it } from 'vitest';
import { cpuIsaFlags, missingIsaFlags } from './cpu-features.js';

const zen4 = `processor\t: 0
vendor_id\t: AuthenticAMD
flags\t\t: fpu vme sse sse2 ssse3 sse4_1 sse4_2 popcnt avx avx2 fma bmi1 bmi2 f16c movbe avx512f avx512bw avx512vl hypervisor constant_tsc

processor\t: 1
flags\t\t: fpu sse sse2
`;
const haswell = 'flags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 popcnt avx avx2 fma bmi1 bmi2 f16c movbe constant_tsc\n';

describe('CPU features of a -march=native build', () => {
  it('reads the instruction-set flags of the first CPU only', () => {
    expect(cpuIsaFlags(zen4)).toEqual(['avx', 'avx2', 'avx512bw', 'avx512f', 'avx512vl', 'bmi1', 'bmi2', 'f16c', 'fma', 'movbe', 'popcnt', 'sse', 'sse2', 'sse4_1', 'sse4_2', 'ssse3']);
    expect(cpuIsaFlags('Features\t: fp asimd evtstrm aes pmull sha1 crc32 atomics\n')).toEqual(['aes', 'asimd', 'atomics', 'crc32', 'fp', 'pmull', 'sha1']);
    expect(cpuIsaFlags('nothing here')).toBeUndefined();
  });

  it('names what the build CPU had and this one lacks, ignoring flags that are not instruction sets', () => {
    const built = zen4.split('\n')[2]!.split(':')[1]!.trim().split(/\s+/);
    expect(missingIsaFlags(built, cpuIsaFlags(haswell)!)).toEqual(['avx512f', 'avx512bw', 'avx512vl']);
    expect(missingIsaFlags(cpuIsaFlags(haswell)!, cpuIsaFlags(zen4)!)).toEqual([]);
  });

  it('finds this machine safe for the addon it built (when there is one)', () => {
    const here = cpuIsaFlags();
    if (here) expect(missingIsaFlags(here, here)).toEqual([]);
  });
});
