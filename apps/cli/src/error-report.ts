import { DataError } from '@vae/data';
import { LossConfigError } from '@vae/loss';
import { ModelFileError } from '@vae/model';
import { CheckpointError, EngineUnavailableError, TrainConfigError, TrainingDivergedError } from '@vae/train';
import { debugFromEnv } from './debug-env.js';
import { describeFsError, OutputError } from './file-errors.js';

export { debugFromEnv };
import { InputError } from './model-input.js';
import { RunDirectoryError } from './run-dir.js';
import { RunInUseError } from './run-lock.js';
import { UsageError } from './train-options.js';
import { QueueError } from './sweep/redis-queue.js';
import { SweepError } from './sweep/sweep-command.js';

/** Exit codes: 0 done, 1 failed, 2 bad usage (flags), 130 stopped by Ctrl-C (checkpoint saved). */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** Errors whose message, written for the user, says what to do. */
const USER_ERRORS: (abstract new (...args: never[]) => Error)[] = [
  DataError,
  TrainConfigError,
  TrainingDivergedError,
  CheckpointError,
  ModelFileError,
  LossConfigError,
  InputError,
  OutputError,
  RunDirectoryError,
  RunInUseError,
  QueueError,
  SweepError,
];

/** The line (without `error: `) and exit code for an error the user can cause and fix; null for a bug. */
export function userErrorLine(error: unknown): { line: string; code: number } | null {
  if (error instanceof UsageError) return { line: error.message, code: EXIT_USAGE };
  if (error instanceof EngineUnavailableError) return { line: `--backend ${error.message}`, code: EXIT_FAILED };
  if (USER_ERRORS.some((type) => error instanceof type)) {
    return { line: (error as Error).message, code: EXIT_FAILED };
  }
  const fs = describeFsError(error);
  return fs === null ? null : { line: fs, code: EXIT_FAILED };
}

/**
 * `text` on one line: line breaks and other control characters (in a path the user typed, in bad
 * JSON quoted by the parser) shown as escapes (`\n`, `\t`, `\x1b`), so an error is always one line.
 */
export function oneLine(text: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return named[c] ?? (code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`);
  });
}


/**
 * Tells the user about `error` and returns the exit code. An error they can fix is one line; any
 * other is a bug: one line saying so and how to get the details. The stack trace only with `debug`.
 */
export function reportError(error: unknown, debug: boolean, print: (line: string) => void = (line) => console.error(line)): number {
  const known = userErrorLine(error);
  let code = EXIT_FAILED;
  if (known !== null) {
    print(`error: ${oneLine(known.line)}`);
    code = known.code;
  } else {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const firstLine = message.split('\n')[0]!;
    print(`error: internal error, a bug in vae-ts (${firstLine})${debug ? '' : '; run again with --debug for the stack trace'}, and please report it`);
  }
  if (debug) print(error instanceof Error ? (error.stack ?? String(error)) : String(error));
  return code;
}
