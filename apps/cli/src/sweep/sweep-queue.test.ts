import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneErrorLine } from '../testing/expect-one-error-line.js';
import { asUser } from '../testing/hostile-environment.js';
import { freePort, redisUnavailable, startRedis, writeTestCertificate, type RedisForTest } from '../testing/redis-server.js';
import { runCli, type CliExit } from '../testing/run-cli.js';
import { writeTinyMnist } from '../testing/tiny-mnist.js';

// Sweeps through BullMQ on a real Redis (Debian's redis-server, started here on 127.0.0.1 at a free
// port): `vae worker` processes take the runs and write them into a shared run store.

const missing = redisUnavailable();
if (missing && process.env.CI) throw new Error(`${missing} (CI installs it: .ci/run)`);

let work: string;
let data: string;
let redis: RedisForTest;
beforeAll(async () => {
  if (missing) return;
  work = await mkdtemp(join(tmpdir(), 'vae-sweep-queue-'));
  data = join(work, 'data');
  await mkdir(data);
  await writeTinyMnist(data, { train: 2048 });
  redis = await startRedis();
});
/** Every worker the tests started: killed at the end even when a test failed before stopping it. */
const started: ChildProcess[] = [];
afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await redis?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The final test loss of every run of a sweep directory, by run id (bit for bit: the JSON numbers). */
async function finalLosses(sweepDir: string): Promise<Record<string, number>> {
  const record = JSON.parse(await readFile(join(sweepDir, 'sweep.json'), 'utf8')) as { runs: { id: string }[] };
  const out: Record<string, number> = {};
  for (const { id } of record.runs) {
    const lines = (await readFile(join(sweepDir, 'runs', id, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    out[id] = (JSON.parse(lines.at(-1)!) as { testLoss: number }).testLoss;
  }
  return out;
}

/** A `vae worker` in the background; `exit` resolves when it ends (Ctrl-C: `stop`). */
function startWorker(url: string, store: string, extra: string[] = [], env: Record<string, string> = {}) {
  let child: ChildProcess | undefined;
  let stderr = '';
  const exit = runCli(['worker', '--queue', url, '--runs', store, '--lock-seconds', '2', ...extra], {
    onStderr: (text, c) => {
      if (child === undefined) started.push(c);
      child = c;
      stderr = text;
    },
    onStdout: (_text, c) => {
      if (child === undefined) started.push(c);
      child = c;
    },
    timeoutMs: 170_000,
    env,
  });
  return {
    exit,
    stderr: () => stderr,
    child: () => child!,
    stop: async (): Promise<CliExit> => {
      child?.kill('SIGINT');
      return exit;
    },
  };
}

const QUICK = ['--train-size', '256', '--epochs', '2', '--backend', 'wasm', '--sample-every', '100'];

describe.skipIf(missing !== null)(`vae sweep --queue and vae worker (BullMQ on redis-server)${missing ? `: skipped, ${missing}` : ''}`, () => {
  it('4 runs on 2 workers give the same final losses, bit for bit, as the same sweep here; a second sweep re-runs nothing', async () => {
    const flags = ['--data-dir', data, ...QUICK, '--grid', 'beta=1,4', '--seeds', '1-2'];
    const local = await runCli(['sweep', ...flags, '--out', join(work, 'local', 'grid'), '--parallel', '2']);
    expect(local.code, local.stderr).toBe(0);

    const store = join(work, 'store');
    const workers = [startWorker(redis.url, store), startWorker(redis.url, store)];
    const queued = await runCli(['sweep', ...flags, '--out', join(store, 'grid'), '--queue', redis.url], { timeoutMs: 120_000 });
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stdout).toContain('4/4 runs finished (4 trained now');
    expect(await finalLosses(join(store, 'grid'))).toEqual(await finalLosses(join(work, 'local', 'grid')));
    // Both workers trained: each took runs from the queue.
    for (const w of workers) expect(w.stderr()).toMatch(/grid\/beta-\d_seed-\d: starting/);

    const before = (await stat(join(store, 'grid', 'runs', 'beta-1_seed-1', 'metrics.jsonl'))).mtimeMs;
    const again = await runCli(['sweep', ...flags, '--out', join(store, 'grid'), '--queue', redis.url], { timeoutMs: 60_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('all 4 runs of');
    expect(again.stderr).toContain('nothing to train');
    expect(again.stdout).toContain('(0 trained now');
    expect((await stat(join(store, 'grid', 'runs', 'beta-1_seed-1', 'metrics.jsonl'))).mtimeMs).toBe(before);

    for (const w of workers) {
      const end = await w.stop();
      expect(end.code, end.stderr).toBe(130);
    }
  });

  it('a worker SIGKILLed mid-run: the other worker finishes the run from its last checkpoint, with the final loss of an uninterrupted run', async () => {
    const flags = ['--data-dir', data, '--train-size', '2048', '--epochs', '6', '--backend', 'wasm', '--sample-every', '100', '--seeds', '7', '--name', 'killed'];
    const reference = await runCli(['sweep', ...flags, '--out', join(work, 'local', 'killed')]);
    expect(reference.code, reference.stderr).toBe(0);

    const store = join(work, 'store-kill');
    const workers = [startWorker(redis.url, store), startWorker(redis.url, store)];
    const sweep = runCli(['sweep', ...flags, '--out', join(store, 'killed'), '--queue', redis.url], { timeoutMs: 150_000 });
    // Kill the worker once the run has finished two epochs (its checkpoint written) and is in its third.
    const metrics = join(store, 'killed', 'runs', 'seed-7', 'metrics.jsonl');
    for (let i = 0; i < 600; i++) {
      const lines = await readFile(metrics, 'utf8').then((t) => t.trim().split('\n').length, () => 0);
      if (lines >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const first = workers.find((w) => w.stderr().includes('killed/seed-7: starting'))!;
    const second = workers.find((w) => w !== first)!;
    first.child().kill('SIGKILL');
    const killed = await first.exit;
    expect(killed.code).toBeNull();
    const done = await sweep;
    expect(done.code, done.stderr).toBe(0);
    expect(second.stderr()).toContain('killed/seed-7: resuming from its checkpoint');
    const config = JSON.parse(await readFile(join(store, 'killed', 'runs', 'seed-7', 'config.json'), 'utf8')) as { resumes?: { fromEpoch: number }[] };
    expect(config.resumes?.length).toBeGreaterThanOrEqual(1);
    expect(config.resumes![0]!.fromEpoch).toBeGreaterThanOrEqual(2);
    expect(await finalLosses(join(store, 'killed'))).toEqual(await finalLosses(join(work, 'local', 'killed')));
    await second.stop();
  });

  it('a password-protected Redis works; a wrong password is one line that does not show it', async () => {
    const secured = await startRedis('s3cret pass');
    try {
      const store = join(work, 'store-auth');
      const worker = startWorker(secured.url, store);
      const ok = await runCli(['sweep', '--data-dir', data, ...QUICK, '--seeds', '3', '--name', 'auth', '--out', join(store, 'auth'), '--queue', secured.url], { timeoutMs: 60_000 });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('1/1 runs finished');
      await worker.stop();

      const wrongUrl = `redis://:wrong-one@127.0.0.1:${secured.port}`;
      const wrong = await runCli(['sweep', '--data-dir', data, ...QUICK, '--name', 'auth2', '--out', join(store, 'auth2'), '--queue', wrongUrl], { timeoutMs: 30_000 });
      expect(expectOneErrorLine(wrong)).toMatch(/--queue redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/?: Redis at 127\.0\.0\.1:\d+ refused the password/);
      expect(wrong.stderr).not.toContain('wrong-one');
      const none = await runCli(['worker', '--queue', `redis://127.0.0.1:${secured.port}`, '--runs', store], { timeoutMs: 30_000 });
      expect(expectOneErrorLine(none)).toContain('needs a password');
    } finally {
      await secured.stop();
    }
  });

  it('a rediss:// (TLS) Redis works when Node trusts its certificate, and is one line when it does not', async () => {
    const tls = writeTestCertificate(work);
    const secured = await startRedis('tls-pass', tls);
    try {
      const trust = { NODE_EXTRA_CA_CERTS: tls.cert };
      const store = join(work, 'store-tls');
      const worker = startWorker(secured.url, store, [], trust);
      const ok = await runCli(['sweep', '--data-dir', data, ...QUICK, '--seeds', '4', '--name', 'tls', '--out', join(store, 'tls'), '--queue', secured.url], { env: trust, timeoutMs: 60_000 });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('1/1 runs finished');
      expect(ok.stderr).toContain('through the queue at rediss://:***@127.0.0.1');
      await worker.stop();
      const untrusted = await runCli(['worker', '--queue', secured.url, '--runs', store], { timeoutMs: 30_000 });
      expect(expectOneErrorLine(untrusted)).toMatch(/cannot reach Redis at 127\.0\.0\.1:\d+ \(TLS\) \(\S*(CERT|SIGNED)\S*\): its TLS certificate is not trusted here; give Node the CA that signed it \(NODE_EXTRA_CA_CERTS=/);
    } finally {
      await secured.stop();
    }
  });

  it('an unreachable Redis is one line naming where it tried, at once, for the sweep and the worker', async () => {
    const port = await freePort(); // nothing listens there
    const started = Date.now();
    const sweep = await runCli(['sweep', '--data-dir', data, ...QUICK, '--out', join(work, 'unreachable'), '--queue', `redis://127.0.0.1:${port}`], { timeoutMs: 30_000 });
    expect(expectOneErrorLine(sweep)).toContain(`cannot reach Redis at 127.0.0.1:${port} (ECONNREFUSED)`);
    const worker = await runCli(['worker', '--queue', `redis://127.0.0.1:${port}`, '--runs', join(work, 'store-x')], { timeoutMs: 30_000 });
    expect(expectOneErrorLine(worker)).toContain(`cannot reach Redis at 127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(20_000);
    const bad = await runCli(['worker', '--queue', 'http://127.0.0.1:1', '--runs', work]);
    expect(expectOneErrorLine(bad, 2)).toContain('expected a redis:// or rediss:// (TLS) URL');
  });

  it('a run store the worker cannot write is one line, and nothing is taken from the queue', async () => {
    const store = join(work, 'read-only-store');
    await mkdir(store, { mode: 0o555 });
    await chmod(work, 0o755); // nobody may look inside, not write
    await writeFile(join(work, 'a-file'), 'not a directory\n');
    const cases: [string, RegExp][] = [[join(work, 'a-file', 'store'), /a part of this path is a file|not a directory/]];
    if (asUser !== undefined) cases.push([store, /this worker cannot write there: permission denied \(EACCES\)/]);
    for (const [dir, message] of cases) {
      const exit = await runCli(['worker', '--queue', redis.url, '--runs', dir], { uid: dir === store ? asUser : undefined, timeoutMs: 30_000 });
      expect(expectOneErrorLine(exit)).toMatch(message);
    }
  });
});
