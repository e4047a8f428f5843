/** A macrotask turn: `setImmediate` where there is one (Node: no 1 ms clamp), else `setTimeout` (browsers). */
const nextTurn: (resolve: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (resolve) => (globalThis as unknown as { setImmediate: (f: () => void) => void }).setImmediate(resolve)
    : (resolve) => setTimeout(resolve, 0);

/**
 * Lets other work run (a macrotask turn: timers, I/O, a Ctrl-C handler), then throws `signal`'s
 * `AbortError` if it was aborted meanwhile. A loop of awaited calls that resolve at once (tfjs on
 * wasm, a native addon) never leaves the microtask queue otherwise, so a SIGINT handler that
 * aborts the signal would only run after the loop had finished.
 */
export async function yieldToSignal(signal: AbortSignal): Promise<void> {
  await new Promise<void>(nextTurn);
  signal.throwIfAborted();
}
