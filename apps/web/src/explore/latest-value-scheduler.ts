export interface LatestValueScheduler<T> {
  /** Asks for `run(value)`; while a run is in flight, only the latest value asked for is kept. */
  schedule(value: T): void;
  /** Resolves once nothing is in flight or waiting (for tests and for callers that must wait). */
  idle(): Promise<void>;
  /** Drops any waiting value; a run in flight finishes but nothing starts after it. */
  dispose(): void;
}

/**
 * Runs an async job for a stream of values (slider positions, strokes) with at most one run in
 * flight, always finishing on the latest value: values that arrive while a run is busy replace
 * each other, and the last one runs when the busy one settles. A failed run is reported to
 * `onError` and does not stop later runs.
 */
export function createLatestValueScheduler<T>(
  run: (value: T) => Promise<void>,
  onError: (error: unknown) => void,
): LatestValueScheduler<T> {
  let busy = false;
  let disposed = false;
  let waiting: { value: T } | null = null;
  let idleWaiters: Array<() => void> = [];

  const settle = (): void => {
    const next = waiting;
    waiting = null;
    if (next !== null && !disposed) {
      start(next.value);
      return;
    }
    busy = false;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const start = (value: T): void => {
    busy = true;
    let promise: Promise<void>;
    try {
      promise = run(value);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      () => settle(),
      (error: unknown) => {
        if (!disposed) onError(error);
        settle();
      },
    );
  };

  return {
    schedule(value) {
      if (disposed) return;
      if (busy) waiting = { value };
      else start(value);
    },
    idle() {
      return busy ? new Promise((resolve) => idleWaiters.push(resolve)) : Promise.resolve();
    },
    dispose() {
      disposed = true;
      waiting = null;
    },
  };
}
