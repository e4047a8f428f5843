import { expect } from 'vitest';
import type { CliExit } from './run-cli.js';

/** The one `error:` line of a failed run: exactly one, no JavaScript stack trace, not reported as a bug, exit `code`. */
export function expectOneErrorLine(exit: CliExit, code = 1): string {
  const lines = exit.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(lines, exit.stderr).toHaveLength(1);
  expect(exit.stderr).not.toMatch(/^\s+at /m);
  expect(exit.stderr).not.toContain('internal error');
  expect(exit.code, exit.stderr).toBe(code);
  return lines[0]!;
}
