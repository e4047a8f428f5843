import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { brief, checkPositiveInteger, isPositiveInteger, isRecord } from './index.js';

describe('isRecord', () => {
  it('takes objects with fields, not null, arrays or primitives', () => {
    expect([{}, { a: 1 }].map(isRecord)).toEqual([true, true]);
    expect([null, [], [1], 'x', 3, undefined].map(isRecord)).toEqual([false, false, false, false, false, false]);
  });
});

describe('brief', () => {
  it('prints JSON, cut to 60 characters, and survives what JSON cannot print', () => {
    expect(brief({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(brief(undefined)).toBe('undefined');
    const long = brief('x'.repeat(100));
    expect(long).toHaveLength(60);
    expect(long.endsWith('...')).toBe(true);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(brief(cyclic)).toBe('(unprintable)');
    expect(brief(10n)).toBe('(unprintable)');
  });
});

describe('positive integers', () => {
  it('are integers ≥ 1 of type number', () => {
    expect([1, 2, 2 ** 40].map(isPositiveInteger)).toEqual([true, true, true]);
    expect([0, -1, 1.5, NaN, Infinity, '3', null].map(isPositiveInteger)).toEqual([false, false, false, false, false, false, false]);
  });

  it('refuse anything else with a RangeError naming the field', () => {
    expect(() => checkPositiveInteger(0, 'f: steps')).toThrow(new RangeError('f: steps must be a positive integer, got 0'));
    expect(() => checkPositiveInteger(7, 'steps')).not.toThrow();
  });
});

describe('the package', () => {
  it('imports nothing, so every library can bundle it, browser builds included', () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const modules = readdirSync(dir)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .map((file) => [file, readFileSync(join(dir, file), 'utf8')] as const);
    expect(modules.length).toBeGreaterThan(3);
    for (const [file, text] of modules) {
      const external = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!).filter((s) => !s.startsWith('./'));
      expect(external, file).toEqual([]);
    }
  });
});
