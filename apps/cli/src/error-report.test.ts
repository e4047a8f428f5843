import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '@vae/data';
import { ModelFileError } from '@vae/model';
import { CheckpointError } from '@vae/train';
import { debugFromEnv, oneLine, reportError } from './error-report.js';
import { withFile } from './file-errors.js';
import { UsageError } from './train-options.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vae-error-report-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function report(error: unknown, debug: boolean): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = reportError(error, debug, (line) => lines.push(...line.split('\n')));
  return { code, lines };
}

describe('reportError', () => {
  it('a user error holding line breaks or other control characters is still one line, shown escaped', () => {
    expect(report(new UsageError('--out /tmp/a\nb\tc\u001b[31m: is a file'), false)).toEqual({ code: 2, lines: ['error: --out /tmp/a\\nb\\tc\\x1b[31m: is a file'] });
    expect(oneLine('x\u2028y\r')).toBe('x\\u2028y\\r');
  });

  it('an error the user can fix: its one line, exit 1 (2 for flags); the stack only with debug', () => {
    expect(report(new DataError('/data/train-images: truncated'), false)).toEqual({ code: 1, lines: ['error: /data/train-images: truncated'] });
    expect(report(new UsageError('--epochs: expected a positive integer'), false)).toEqual({ code: 2, lines: ['error: --epochs: expected a positive integer'] });
    const debug = report(new DataError('/data/train-images: truncated'), true);
    expect(debug.lines[0]).toBe('error: /data/train-images: truncated');
    expect(debug.lines.some((l) => /^\s+at /.test(l))).toBe(true);
  });

  it('a damaged checkpoint (CheckpointError of @vae/train) or model file (ModelFileError of @vae/model): one line', () => {
    expect(report(new CheckpointError('/run/checkpoint/checkpoint.bin: the header is corrupt; restore a good copy of it'), false)).toEqual({
      code: 1,
      lines: ['error: /run/checkpoint/checkpoint.bin: the header is corrupt; restore a good copy of it'],
    });
    expect(report(new ModelFileError('/run/model/weights.bin: truncated'), false)).toEqual({ code: 1, lines: ['error: /run/model/weights.bin: truncated'] });
  });

  it('a file system error names the file (not its temp name) and what to do', async () => {
    const file = join(work, 'a-file');
    await writeFile(file, 'x');
    const error = await writeFile(join(file, 'out.json.tmp-123-abcdef01'), 'y').catch((e: unknown) => e);
    expect(report(error, false)).toEqual({ code: 1, lines: [`error: ${join(file, 'out.json')}: a part of this path is a file, not a directory (ENOTDIR); choose a directory`] });
  });

  it('a write error without a path (a full disk fails in write(2)) names the file being written', async () => {
    const written = join(work, 'metrics.jsonl');
    const error = await withFile(written, async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }).catch((e: unknown) => e);
    expect(report(error, false).lines).toEqual([`error: no space left on the device writing ${written} (ENOSPC); free some space and run again`]);
  });

  it('anything else is a bug: one line saying so and how to see the stack, which --debug prints', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'batchSize')\nsecond line");
    const plain = report(bug, false);
    expect(plain).toEqual({
      code: 1,
      lines: ["error: internal error, a bug in vae-ts (TypeError: Cannot read properties of undefined (reading 'batchSize')); run again with --debug for the stack trace, and please report it"],
    });
    const debug = report(bug, true);
    expect(debug.lines[0]).toBe("error: internal error, a bug in vae-ts (TypeError: Cannot read properties of undefined (reading 'batchSize')), and please report it");
    expect(debug.lines.some((l) => /^\s+at /.test(l))).toBe(true);
    expect(report('a thrown string', false).lines[0]).toContain('internal error, a bug in vae-ts (a thrown string)');
  });

  it('VAE_DEBUG turns the stack on unless empty, 0 or false', () => {
    expect(debugFromEnv({ VAE_DEBUG: '1' })).toBe(true);
    expect(debugFromEnv({ VAE_DEBUG: 'yes' })).toBe(true);
    for (const off of [undefined, '', '0', 'false', 'FALSE']) expect(debugFromEnv({ VAE_DEBUG: off })).toBe(false);
  });
});
