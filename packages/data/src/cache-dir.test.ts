import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultCacheDir, mnistCacheDir } from './cache-dir.js';

describe('defaultCacheDir', () => {
  const home = '/home/ada';

  it('prefers $VAE_CACHE_DIR', () => {
    expect(defaultCacheDir({ env: { VAE_CACHE_DIR: '/tmp/vc', XDG_CACHE_HOME: '/x' }, platform: 'linux', homedir: home })).toBe('/tmp/vc');
  });

  it('then $XDG_CACHE_HOME/vae-ts, then ~/.cache/vae-ts', () => {
    expect(defaultCacheDir({ env: { XDG_CACHE_HOME: '/x' }, platform: 'linux', homedir: home })).toBe('/x/vae-ts');
    expect(defaultCacheDir({ env: {}, platform: 'darwin', homedir: home })).toBe('/home/ada/.cache/vae-ts');
    expect(defaultCacheDir({ env: { XDG_CACHE_HOME: '', VAE_CACHE_DIR: '' }, platform: 'linux', homedir: home })).toBe('/home/ada/.cache/vae-ts');
  });

  it('uses %LOCALAPPDATA%\\vae-ts\\cache on Windows', () => {
    expect(defaultCacheDir({ env: { LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, platform: 'win32', homedir: 'C:\\Users\\ada' })).toBe(
      'C:\\Users\\ada\\AppData\\Local\\vae-ts\\cache',
    );
    expect(defaultCacheDir({ env: {}, platform: 'win32', homedir: 'C:\\Users\\ada' })).toBe('C:\\Users\\ada\\AppData\\Local\\vae-ts\\cache');
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads process.env by default', () => {
    vi.stubEnv('VAE_CACHE_DIR', '/tmp/from-env');
    expect(defaultCacheDir()).toBe('/tmp/from-env');
  });
});

describe('mnistCacheDir', () => {
  it('is <cache>/mnist', () => {
    expect(mnistCacheDir('/c')).toBe(path.join('/c', 'mnist'));
  });
});
