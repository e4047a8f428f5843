import { homedir } from 'node:os';
import path from 'node:path';

/** What `defaultCacheDir` looks at; tests pass their own. */
export interface CacheDirContext {
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  homedir?: string;
}

/**
 * The root of this project's cache: `$VAE_CACHE_DIR` if set, else on Windows
 * `%LOCALAPPDATA%\vae-ts\cache`, else `$XDG_CACHE_HOME/vae-ts`, else `~/.cache/vae-ts`.
 * MNIST goes in `<root>/mnist` (see `mnistCacheDir`).
 */
export function defaultCacheDir(context: CacheDirContext = {}): string {
  const env = context.env ?? process.env;
  const platform = context.platform ?? process.platform;
  const home = context.homedir ?? homedir();
  // An empty variable counts as unset, as in the XDG spec.
  const fromEnv = (name: string): string | undefined => env[name] || undefined;

  const explicit = fromEnv('VAE_CACHE_DIR');
  if (explicit) return path.resolve(explicit);
  if (platform === 'win32') {
    return path.win32.join(fromEnv('LOCALAPPDATA') ?? path.win32.join(home, 'AppData', 'Local'), 'vae-ts', 'cache');
  }
  const xdg = fromEnv('XDG_CACHE_HOME');
  return path.posix.join(xdg ?? path.posix.join(home, '.cache'), 'vae-ts');
}

/** Where MNIST's files are cached under a cache root (default `defaultCacheDir()`). */
export function mnistCacheDir(cacheDir: string = defaultCacheDir()): string {
  return path.join(cacheDir, 'mnist');
}
