import { readFileSync } from 'node:fs';

/**
 * The addon is compiled with `-march=native`: it may use every instruction-set extension of the
 * CPU it was built on. Loading it on a CPU without one of them (node_modules copied to another
 * machine, a Docker image built elsewhere) would crash the process with SIGILL, which nothing can
 * catch; comparing the two CPUs' flags first turns that into an error message.
 */

/** Instruction-set flags of /proc/cpuinfo (not flags such as `hypervisor` or `constant_tsc`). */
const ISA_FLAG = /^(sse|ssse|avx|fma|bmi|f16c|movbe|popcnt|abm|lzcnt|adx|sha|vaes|vpclmul|gfni|aes|pclmul|pmull|amx|xsave|asimd|sve|crc32|atomics)|^fp$/;

/** The instruction-set flags of this machine's first CPU (Linux), or undefined where unknown. */
export function cpuIsaFlags(cpuinfo?: string): string[] | undefined {
  let text = cpuinfo;
  if (text === undefined) {
    if (process.platform !== 'linux') return undefined;
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return undefined;
    }
  }
  // x86: "flags : …"; ARM: "Features : …".
  const line = /^(?:flags|Features)\s*:(.*)$/m.exec(text);
  if (!line) return undefined;
  return [...new Set(line[1]!.trim().split(/\s+/).filter((f) => ISA_FLAG.test(f)))].sort();
}

/** Instruction-set flags the build machine had and this one lacks (empty when it is safe to load). */
export function missingIsaFlags(builtWith: readonly string[], here: readonly string[]): string[] {
  const have = new Set(here);
  return builtWith.filter((f) => ISA_FLAG.test(f) && !have.has(f));
}
