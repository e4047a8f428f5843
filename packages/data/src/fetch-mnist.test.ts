import { afterEach, describe, expect, it } from 'vitest';
import { fixtureFiles } from '../test-support/fixtures.js';
import { serveFiles, startServer, type TestServer } from '../test-support/http-server.js';
import { DataError } from './errors.js';
import { fetchMnist } from './fetch-mnist.js';
import { MNIST_FILES } from './mnist-files.js';

const files = fixtureFiles(30, 10);
const manifest = {
  source: { kind: 'cache', description: 'MNIST from cache /c/mnist' },
  files: Object.fromEntries(Object.entries(MNIST_FILES).map(([role, spec]) => [role, spec.name])),
  train: 30,
  test: 10,
};
const withManifest = (m: unknown = manifest) => new Map([...files, ['mnist.json', new TextEncoder().encode(JSON.stringify(m))]]);

/** A `fetch` answering from `served` by the URL's last segment, recording the URLs asked for. */
function fakeFetch(served: Map<string, Uint8Array>, requested: string[] = []): typeof fetch {
  return async (input) => {
    const url = String(input);
    requested.push(url);
    const body = served.get(url.split('/').pop()!);
    return body ? new Response(body.slice()) : new Response(JSON.stringify({ error: 'no such file' }), { status: 404, statusText: 'Not Found' });
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<DataError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataError);
  return err as DataError;
}

describe('fetchMnist', () => {
  const servers: TestServer[] = [];
  afterEach(async () => Promise.all(servers.splice(0).map((s) => s.close())));

  it('fetches the manifest, then the four files relative to the base, over real HTTP', async () => {
    const server = await startServer(serveFiles(withManifest()));
    servers.push(server);
    const data = await fetchMnist(`${server.url}data`);
    expect([data.train.count, data.test.count, data.train.rows]).toEqual([30, 10, 28]);
    expect(data.source).toEqual({ kind: 'url', description: `MNIST from cache /c/mnist, fetched from ${server.url}data/` });
    expect(server.requests[0]).toBe('/data/mnist.json');
    expect(server.requests.slice(1).sort()).toEqual([...files.keys()].map((name) => `/data/${name}`).sort());
  });

  it('resolves file names relative to the base URL (a URL object, trailing slash or not)', async () => {
    const requested: string[] = [];
    const subdir = { ...manifest, files: { ...manifest.files, testLabels: 'more/t10k-labels-idx1-ubyte.gz' } };
    await fetchMnist(new URL('http://127.0.0.1:1/app/data/'), { fetch: fakeFetch(withManifest(subdir), requested) });
    expect(requested).toContain('http://127.0.0.1:1/app/data/more/t10k-labels-idx1-ubyte.gz');
  });

  it('names the URL and HTTP status of a failed request, with the server\'s explanation', async () => {
    const err = await rejectionOf(fetchMnist('http://127.0.0.1:1/data/', { fetch: fakeFetch(files) }));
    expect(err.message).toBe('http://127.0.0.1:1/data/mnist.json: HTTP 404 Not Found (no such file); expected the MNIST manifest');
    const noLabels = withManifest();
    noLabels.delete(MNIST_FILES.testLabels.name);
    const err2 = await rejectionOf(fetchMnist('http://127.0.0.1:1/data/', { fetch: fakeFetch(noLabels) }));
    expect(err2.message).toMatch(/^http:\/\/127\.0\.0\.1:1\/data\/t10k-labels-idx1-ubyte\.gz: HTTP 404 Not Found .*expected the testLabels file/);
  });

  it('turns a network error into a DataError naming the URL, but lets an abort through', async () => {
    const refused: typeof fetch = async () => {
      throw new TypeError('fetch failed');
    };
    expect((await rejectionOf(fetchMnist('http://127.0.0.1:1/d/', { fetch: refused }))).message).toMatch(/^http:\/\/127\.0\.0\.1:1\/d\/mnist\.json: request failed \(fetch failed\)/);
    const controller = new AbortController();
    controller.abort();
    const server = await startServer(serveFiles(withManifest()));
    servers.push(server);
    await expect(fetchMnist(server.url, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses a manifest that is not JSON or not a manifest, and counts that disagree with the files', async () => {
    const notJson = new Map([...files, ['mnist.json', new TextEncoder().encode('<!DOCTYPE html>')]]);
    expect((await rejectionOf(fetchMnist('http://127.0.0.1:1/', { fetch: fakeFetch(notJson) }))).message).toMatch(/mnist\.json: not JSON/);
    expect((await rejectionOf(fetchMnist('http://127.0.0.1:1/', { fetch: fakeFetch(withManifest({ files: {} })) }))).message).toMatch(/not \{"kind"/);
    const stale = withManifest({ ...manifest, train: 60000 });
    expect((await rejectionOf(fetchMnist('http://127.0.0.1:1/', { fetch: fakeFetch(stale) }))).message).toMatch(/says 60000 train \/ 10 test images, the files hold 30 \/ 10/);
  });

  it('needs a page to resolve a relative base against', async () => {
    expect((await rejectionOf(fetchMnist('data/', { fetch: fakeFetch(files) }))).message).toMatch(/^data\/: not a URL \(relative URLs need a page/);
  });
});
