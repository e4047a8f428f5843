/**
 * Lets other work run (a macrotask turn: timers, I/O, a Ctrl-C handler), then throws `signal`'s
 * `AbortError` if it was aborted meanwhile. A loop of awaited calls that resolve at once (tfjs on
 * wasm, a native addon) never leaves the microtask queue otherwise, so a SIGINT handler that
 * aborts the signal would only run after the loop had finished.
 */
export async function yieldToSignal(signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  signal.throwIfAborted();
}
