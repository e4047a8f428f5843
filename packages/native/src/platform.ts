/**
 * Which prebuilt addon package fits this machine, named as sharp and esbuild name theirs:
 * `@vae/native-<platform>-<arch>[-gnu|-musl]` (the libc only on Linux).
 */

/** Platforms with a published prebuilt (`@vae/native-<triple>`, an optional dependency of @vae/native). */
export const PUBLISHED_PREBUILTS: readonly string[] = ['linux-x64-gnu'];

let glibc: { version: string | undefined } | undefined;

/**
 * The version of the running glibc ("2.36"), or undefined where the C library is not glibc (musl,
 * or not Linux). From the header of Node's diagnostic report, as detect-libc reads it; computed once.
 */
export function glibcVersion(): string | undefined {
  if (glibc) return glibc.version;
  let version: string | undefined;
  if (process.platform === 'linux') {
    const report = process.report as (NodeJS.ProcessReport & { excludeNetwork?: boolean }) | undefined;
    const excludeNetwork = report?.excludeNetwork;
    try {
      if (report && excludeNetwork === false) report.excludeNetwork = true; // skip the slow part
      const header = (report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
      version = header?.glibcVersionRuntime;
    } catch {
      version = undefined;
    } finally {
      if (report && excludeNetwork === false) report.excludeNetwork = false;
    }
  }
  glibc = { version };
  return version;
}

/** `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`, `win32-x64`, … for this (or the given) machine. */
export function platformTriple(platform: string = process.platform, arch: string = process.arch, libc?: 'gnu' | 'musl'): string {
  if (platform !== 'linux') return `${platform}-${arch}`;
  return `${platform}-${arch}-${libc ?? (glibcVersion() ? 'gnu' : 'musl')}`;
}

/** The npm package that would hold the prebuilt for `triple`. */
export function prebuiltPackageName(triple: string = platformTriple()): string {
  return `@vae/native-${triple}`;
}

/** Whether dotted version `have` is at least `need` ("2.36" ≥ "2.34"). */
export function versionAtLeast(have: string, need: string): boolean {
  const a = have.split('.').map(Number);
  const b = need.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
