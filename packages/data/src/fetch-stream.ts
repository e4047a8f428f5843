/** Options of `fetchStream`. */
export interface FetchStreamOptions {
  fetch: typeof globalThis.fetch;
  /** Longest wait for the response headers, and then for each next chunk of the body. */
  timeoutMs: number;
  /** Called with each chunk of the body in order; awaited before the next read. */
  onChunk: (chunk: Uint8Array, received: number, total: number | undefined) => void | Promise<void>;
}

/**
 * GETs `url` and streams its body to `onChunk`, returning the number of bytes. Throws an `Error`
 * whose message is a short reason (`HTTP 404 Not Found`, `timeout after 300 ms …`,
 * `network error: …`) for the caller to collect per mirror.
 *
 * The timeout is an inactivity timeout rather than `AbortSignal.timeout` on the whole request: a
 * server that sends headers and then stalls is caught, and a slow but steady 10 MB download is not
 * killed. Reads are raced against the timer, so it works even with a `fetch` that ignores `signal`.
 */
export async function fetchStream(url: string, options: FetchStreamOptions): Promise<number> {
  const { fetch, timeoutMs, onChunk } = options;
  const controller = new AbortController();
  let phase = 'waiting for a response';
  let received = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let fail: (err: Error) => void = () => {};
  const timedOut = new Promise<never>((_, reject) => (fail = reject));
  timedOut.catch(() => {}); // raced below; do not report it as unhandled when nobody is waiting
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const err = new Error(`timeout after ${timeoutMs} ms ${phase}`);
      fail(err);
      controller.abort(err);
    }, timeoutMs);
  };

  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    arm();
    const response = await Promise.race([fetch(url, { signal: controller.signal, redirect: 'follow' }), timedOut]);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    if (!response.body) throw new Error('HTTP response without a body');
    // With Content-Encoding, fetch decodes the body and Content-Length counts encoded bytes.
    const length = response.headers.get('content-encoding') ? null : response.headers.get('content-length');
    const total = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
    reader = response.body.getReader();
    for (;;) {
      phase = `waiting for data (received ${received}${total === undefined ? '' : ` of ${total}`} bytes)`;
      arm();
      const { done, value } = await Promise.race([reader.read(), timedOut]);
      if (done) break;
      received += value.length;
      clearTimeout(timer); // time spent in onChunk (disk writes) is ours, not the server's
      await onChunk(value, received, total);
    }
    if (total !== undefined && received !== total) throw new Error(`incomplete body: expected ${total} bytes, got ${received}`);
    return received;
  } catch (err) {
    throw describeFailure(err);
  } finally {
    clearTimeout(timer);
    controller.abort(); // releases the connection of a failed or stalled request; harmless after success
    reader?.cancel().catch(() => {}); // and the body, for a `fetch` that ignores the signal
  }
}

/** Turns undici's `TypeError: fetch failed` (cause: ECONNREFUSED, ENOTFOUND, …) into a readable reason. */
function describeFailure(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  if (err.message === 'fetch failed') {
    const cause = err.cause as { code?: string; message?: string } | undefined;
    const detail = cause?.code ?? cause?.message;
    return new Error(`network error: ${err.message}${detail ? ` (${detail})` : ''}`, { cause: err });
  }
  return err;
}
