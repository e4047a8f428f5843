/**
 * The packages as npm users get them: each @vae/* package is packed (`pnpm pack`, which rewrites
 * `workspace:` ranges), a fresh project outside the workspace installs the tarballs plus tfjs from
 * the registry (pnpm's store: nothing is downloaded when it already holds them, as after the
 * workspace's own install), and ESM, CommonJS and a Vite browser build use them.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
/** execFile that fails with the command's own output, so a CI log says what went wrong. */
async function run(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  try {
    return await execFileAsync(file, args, { ...options, maxBuffer: 64 * 2 ** 20 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const PACKAGES = ['data', 'model', 'loss', 'train', 'explore', 'viz', 'export'] as const;
/** Packed too: the native engine and its prebuilt addon for this platform (built by `pnpm build`). */
const NATIVE_PACKAGES = ['native', 'native-linux-x64-gnu'] as const;
const versionOf = (file: string, dep: string) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, Record<string, string>>;
  return pkg.dependencies?.[dep] ?? pkg.devDependencies?.[dep] ?? pkg.peerDependencies?.[dep];
};

let work: string;
let project: string;
const tarballs: Record<string, string> = {};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vae-consumer-'));
  const packed = join(work, 'tarballs');
  for (const name of [...PACKAGES, ...NATIVE_PACKAGES]) {
    await run('pnpm', ['pack', '--pack-destination', packed], { cwd: join(ROOT, 'packages', name) });
  }
  for (const file of readdirSync(packed)) {
    const name = /^vae-(.+)-\d+\.\d+\.\d+\.tgz$/.exec(file)?.[1];
    if (name) tarballs[`@vae/${name}`] = join(packed, file);
  }
  project = join(work, 'app');
  cpSync(FIXTURES, project, { recursive: true });
  const tfjs = versionOf('apps/cli/package.json', '@tensorflow/tfjs-core')!;
  const fileDeps = Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'vae-consumer',
      private: true,
      type: 'module',
      // The platform package is not named: @vae/native brings it as an optional dependency, as from npm.
      dependencies: { ...Object.fromEntries(Object.entries(fileDeps).filter(([name]) => name !== '@vae/native-linux-x64-gnu')), '@tensorflow/tfjs-core': tfjs, '@tensorflow/tfjs-backend-cpu': tfjs, vite: versionOf('apps/web/package.json', 'vite') },
      // The tarballs depend on each other by version (e.g. @vae/train → @vae/data ^0.1.0): point those at the tarballs too.
      pnpm: { overrides: fileDeps },
    }),
  );
  await run('pnpm', ['install', '--prefer-offline', '--ignore-workspace', '--reporter', 'append-only'], { cwd: project, env: { ...process.env, CI: '1' } });
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the @vae/* packages from their tarballs', () => {
  it.each(PACKAGES)('@vae/%s: the tarball holds the build and no tests, test helpers or workspace ranges', async (name) => {
    const { stdout } = await run('tar', ['-tzf', tarballs[`@vae/${name}`]!]);
    const files = stdout.split('\n').filter(Boolean);
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.cjs');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/README.md');
    expect(files.filter((f) => /\.test\.|test-setup|test-data/.test(f) && !f.startsWith('package/dist/'))).toEqual([]);
    const { stdout: manifest } = await run('tar', ['-xzOf', tarballs[`@vae/${name}`]!, 'package/package.json']);
    expect(manifest).not.toContain('workspace:');
    // The private @vae/internal is never published: the build bundles what a package uses of it.
    const { dependencies = {}, peerDependencies = {} } = JSON.parse(manifest) as Record<string, Record<string, string> | undefined>;
    expect(Object.keys({ ...dependencies, ...peerDependencies })).not.toContain('@vae/internal');
    const { stdout: code } = await run('tar', ['-xzOf', tarballs[`@vae/${name}`]!, '--wildcards', 'package/dist/*.js', 'package/dist/*.cjs']);
    expect(code).not.toContain('@vae/internal');
  });

  // The private @vae/internal helpers are the one exception: each package bundles its own copy of the
  // few it uses. They are no published package's exports, so this check does not see them.
  it('no package carries a copy of another @vae/* package’s code (each imports it, as a dependency)', async () => {
    const installed = (name: string) => join(project, 'node_modules', ...name.split('/'));
    const names = Object.keys(tarballs).filter((name) => name !== '@vae/native-linux-x64-gnu');
    // Every function and class each package exports at run time, from each of its entry points.
    const exported: Record<string, string[]> = {};
    for (const name of names) {
      const manifest = JSON.parse(readFileSync(join(installed(name), 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
      const entries = Object.keys(manifest.exports).filter((key) => key !== './package.json').map((key) => name + key.slice(1));
      // An entry for test authors (@vae/train/testing) needs vitest, which this project lacks: its own
      // names are its own; a copy of them elsewhere would still show as a copy of the other entries'.
      const script = `const names = new Set(); for (const e of ${JSON.stringify(entries)}) { let m = {}; try { m = await import(e); } catch {} for (const [k, v] of Object.entries(m)) if (typeof v === 'function') names.add(k); } console.log(JSON.stringify([...names]));`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project });
      exported[name] = JSON.parse(stdout.trim().split('\n').at(-1)!) as string[];
    }
    const copies: string[] = [];
    for (const name of names) {
      const dist = join(installed(name), 'dist');
      const code = readdirSync(dist, { recursive: true })
        .map(String)
        .filter((file) => /\.c?js$/.test(file))
        .map((file) => readFileSync(join(dist, file), 'utf8'))
        .join('\n');
      for (const other of names.filter((n) => n !== name)) {
        const defined = exported[other]!.filter((fn) => new RegExp(`(?:function\\*?|class)\\s+${fn}\\b`).test(code));
        if (defined.length > 0) copies.push(`${name} defines ${other}'s ${defined.join(', ')}`);
      }
    }
    expect(copies).toEqual([]);
  });

  it('ESM: loads IDX data, trains, saves and loads the model, writes a PNG', async () => {
    const out = join(work, 'esm-model');
    const { stdout } = await run(process.execPath, ['train-save-load.mjs', out], { cwd: project });
    const { first, last } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { first: number; last: number };
    expect(last).toBeLessThan(first);
    expect(readFileSync(join(out, 'samples.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(existsSync(join(out, 'model.json'))).toBe(true);
    expect(existsSync(join(out, 'onnx', 'decoder.onnx'))).toBe(true);
  });

  it('CommonJS: every package’s require entry works the same', async () => {
    const out = join(work, 'cjs-model');
    const { stdout } = await run(process.execPath, ['train-save-load.cjs', out], { cwd: project });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { first: number; last: number; bound: number[] };
    expect(result.last).toBeLessThan(result.first);
    expect(result.bound.every(Number.isFinite)).toBe(true);
    expect(readFileSync(join(out, 'samples.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('native: the prebuilt addon from its tarball loads and trains with no compiler in reach (OpenBLAS is linked into it)', async () => {
    // No C/C++ compiler and no build tools on the PATH: only node itself.
    const env = { PATH: dirname(process.execPath), CC: 'false', CXX: 'false', HOME: work };
    const { stdout } = await run(process.execPath, ['native-train.mjs'], { cwd: project, env });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { build: string; first: number; last: number };
    expect(result.build).toBe('prebuilt');
    expect(result.last).toBeLessThan(result.first);
  });

  it('Vite builds a browser page that imports the packages, with no Node built-ins pulled in', async () => {
    const { stdout, stderr } = await run(process.execPath, [join(project, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: join(project, 'page') });
    expect(`${stdout}${stderr}`).not.toMatch(/externalized for browser compatibility|node:fs|node:path|Could not resolve/);
    expect(existsSync(join(project, 'page', 'dist', 'index.html'))).toBe(true);
  });
});
