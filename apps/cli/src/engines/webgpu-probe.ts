import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** What a probe in a child process saw: whether Dawn found an adapter, and what Dawn printed meanwhile. */
export interface WebgpuProbeResult {
  found: boolean;
  /** Dawn's own output (Vulkan loader warnings, `error: XDG_RUNTIME_DIR is invalid…`, native frames). */
  noise: string;
  /** Why the probe could not answer (it crashed or hung); null when it did. */
  failure: string | null;
}

// Runs in its own Node: Dawn writes its diagnostics straight to file descriptor 2, which no
// JavaScript can redirect inside a process; in a child, they are the child's stderr, which we hold.
const CHILD = `
const { create } = await import(process.argv[1]);
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
process.stdout.write(JSON.stringify({ found: adapter !== null && adapter !== undefined }));
process.exit(0);
`;

/**
 * Asks Dawn for an adapter in a child process, so that what Dawn prints (twice per instance on a
 * Linux machine without a display, even when it then finds nothing) never reaches the user's
 * terminal; the CLI shows it with `--debug`. Only a machine with an adapter then loads Dawn itself.
 */
export function probeWebgpuInChild(timeoutMs = 30_000): Promise<WebgpuProbeResult> {
  let entry: string;
  try {
    entry = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch {
    return Promise.resolve({ found: false, noise: '', failure: 'webgpu is not installed' });
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, entry], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ found: false, noise: stderr, failure: error.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        const { found } = JSON.parse(stdout) as { found: boolean };
        resolve({ found: found === true, noise: stderr, failure: null });
      } catch {
        const last = stderr.trim().split('\n').filter((l) => /error/i.test(l)).at(-1)?.trim();
        const how = signal !== null ? `was killed by ${signal}${signal === 'SIGKILL' ? ` (no answer in ${timeoutMs / 1000} s)` : ''}` : `exited with code ${code}`;
        resolve({ found: false, noise: stderr, failure: `Dawn's adapter probe ${how}${last ? `: ${last}` : ''}` });
      }
    });
  });
}
