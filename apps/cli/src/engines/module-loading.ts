/**
 * The seam where the CLI loads optional packages by name at run time (tfjs-node, webgpu, the native
 * addon). Tests pass their own `ImportModule` to stand in for a package being present, absent or
 * broken, without touching tfjs itself.
 */
export type ImportModule = (specifier: string) => Promise<unknown>;

// By name, so bundlers leave optional packages alone (tfjs-node is never a dependency).
export const importByName: ImportModule = (specifier) => import(/* @vite-ignore */ specifier);

/** Whether `error` says that `specifier` itself is not installed (not one of its own imports). */
export function isNotInstalled(error: unknown, specifier: string): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && (message ?? '').includes(`'${specifier}'`);
}

export const firstLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();

export type Loaded<T> = { ok: true; module: T } | { ok: false; reason: string };

/** Imports `specifier`, turning failure into a reason: "not installed", or what broke. */
export async function loadOptional<T>(importModule: ImportModule, specifier: string, explain: (error: unknown) => string = firstLine): Promise<Loaded<T>> {
  try {
    return { ok: true, module: (await importModule(specifier)) as T };
  } catch (error) {
    return { ok: false, reason: isNotInstalled(error, specifier) ? `${specifier} is not installed` : `${specifier} failed to load: ${explain(error)}` };
  }
}
