import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.dirname(fileURLToPath(import.meta.url));

/** Every module reachable from `entry` by static imports, as [file, specifier] pairs. */
function importsReachableFrom(entry: string): [string, string][] {
  const seen = new Set<string>();
  const found: [string, string][] = [];
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(path.join(SRC, file), 'utf8');
    for (const [, specifier] of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
      found.push([file, specifier!]);
      if (specifier!.startsWith('./')) visit(specifier!.replace(/\.js$/, '.ts').slice(2));
    }
  };
  visit(entry);
  return found;
}

describe('the @vae/data entry (src/index.ts)', () => {
  it('reaches no node: module and no bundled-in JSON, so browsers can use it', () => {
    const imports = importsReachableFrom('index.ts');
    expect(imports.length).toBeGreaterThan(5);
    const external = imports.filter(([, s]) => !s.startsWith('./')).map(([, s]) => s);
    // Both are plain JavaScript with no Node built-ins (the consumer test's Vite build checks it too);
    // @vae/internal is bundled in at build and imports nothing (its own test checks that).
    expect(new Set(external)).toEqual(new Set(['fflate', 'crc-32', '@vae/internal']));
  });
});
