import { Redis, type RedisOptions } from 'ioredis';
import { UsageError } from '../train-options.js';

/** The BullMQ queue every sweep puts its runs on (one queue: workers need to know only the Redis URL). */
export const QUEUE_NAME = 'vae-sweep-runs';

/** Redis cannot be reached or refuses us: one line naming where (never the password), exit 1. */
export class QueueError extends Error {
  override name = 'QueueError';
}

/** `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0`: the URL as messages show it. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/**
 * `--queue <url>`: `redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS). The
 * connection options BullMQ and ioredis get: the URL, and no retrying forever (BullMQ's workers
 * need `maxRetriesPerRequest: null`; a lost connection is retried, a first one is checked by
 * `checkRedis`). ioredis reads the password, user, database and TLS (`rediss:`) from the URL.
 */
export function redisOptions(url: string): RedisOptions & { url: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--queue ${redactUrl(url)}: not a URL; expected redis://[:password@]host[:port] or rediss://… (TLS)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError(`--queue ${redactUrl(url)}: expected a redis:// or rediss:// (TLS) URL, not ${parsed.protocol}//`);
  }
  if (parsed.hostname === '') throw new UsageError(`--queue ${redactUrl(url)}: no host; expected e.g. redis://127.0.0.1:6379`);
  return { url, maxRetriesPerRequest: null, connectTimeout: 10_000 };
}

/** `host:port` of a URL, for messages. */
const where = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '6379'}${parsed.protocol === 'rediss:' ? ' (TLS)' : ''}`;
};

/**
 * Connects once, pings, and disconnects: an unreachable Redis or a wrong password is one line
 * saying where it tried, within `timeoutMs`, rather than BullMQ retrying forever.
 */
export async function checkRedis(url: string, timeoutMs = 10_000): Promise<void> {
  const options = redisOptions(url);
  const client = new Redis(url, { ...options, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  let lastError: (Error & { code?: string }) | undefined;
  client.on('error', (error: Error) => {
    lastError = error; // told below, once
  });
  try {
    await client.connect();
    await client.ping();
  } catch (thrown) {
    // ioredis reports a refused connection as "Connection is closed."; the socket's own error says why.
    const error = (thrown as Error).message?.includes('Connection is closed') && lastError ? lastError : thrown;
    const message = (error as Error).message ?? String(error);
    if (/WRONGPASS|invalid password|invalid username-password/i.test(message)) {
      throw new QueueError(`--queue ${redactUrl(url)}: Redis at ${where(url)} refused the password (${message.split('\n')[0]}); give the right one in the URL: redis://:<password>@host:port`);
    }
    if (/NOAUTH/i.test(message)) {
      throw new QueueError(`--queue ${redactUrl(url)}: Redis at ${where(url)} needs a password; give it in the URL: redis://:<password>@host:port`);
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && /CERT|SIGNED|TLS|SSL/.test(code)) {
      throw new QueueError(
        `--queue ${redactUrl(url)}: cannot reach Redis at ${where(url)} (${code}): its TLS certificate is not trusted here; give Node the CA that signed it (NODE_EXTRA_CA_CERTS=/path/to/ca.pem) or check the host name`,
      );
    }
    throw new QueueError(
      `--queue ${redactUrl(url)}: cannot reach Redis at ${where(url)} (${code ?? message.split('\n')[0]}); start Redis there (e.g. redis-server --port ${new URL(url).port || 6379}) or check the address and firewall`,
    );
  } finally {
    client.disconnect();
  }
}

/** A connection for BullMQ's `Queue`, `Worker` or `QueueEvents` (each takes its own). */
export function redisConnection(url: string): Redis {
  const { url: _url, ...options } = redisOptions(url);
  const client = new Redis(url, options);
  client.on('error', () => {}); // a lost connection is retried; a first one was checked by checkRedis
  return client;
}
