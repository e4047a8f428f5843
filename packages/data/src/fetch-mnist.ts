import type { MnistData } from './dataset.js';
import { DataError } from './errors.js';
import { mnistFromFileBytes } from './mnist-file-bytes.js';
import type { MnistFileRole } from './mnist-file-role.js';
import { MNIST_FILE_ROLES } from './mnist-files.js';
import { MNIST_MANIFEST_NAME, parseMnistManifest } from './mnist-manifest.js';

export interface FetchMnistOptions {
  /** Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Aborting rejects with the fetch's own AbortError (not a DataError), so callers can tell. */
  signal?: AbortSignal;
}

/**
 * Fetches a dataset published as `<baseUrl>/mnist.json` (an `MnistManifest`) and the four files
 * it names, relative to `baseUrl`: what the web app's dev server answers under `data/`, and what
 * its build writes to `dist/data/`. A relative `baseUrl` (`'data/'`) is taken from the page.
 *
 * The result's source is `url`; its description is the server's, plus where it was fetched from.
 *
 * @throws DataError naming the URL and the HTTP status (or network error) of a failed request, a
 *   manifest that is not one, files that do not parse, or counts that differ from the manifest's.
 */
export async function fetchMnist(baseUrl: string | URL, options: FetchMnistOptions = {}): Promise<MnistData> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const base = directoryUrl(baseUrl);
  const manifestUrl = new URL(MNIST_MANIFEST_NAME, base);
  const manifestText = new TextDecoder().decode(await fetchBytes(fetchFn, manifestUrl, options.signal, 'the MNIST manifest'));
  let json: unknown;
  try {
    json = JSON.parse(manifestText);
  } catch (err) {
    throw new DataError(`${manifestUrl}: not JSON (${(err as Error).message}); expected the MNIST manifest`, { cause: err });
  }
  const manifest = parseMnistManifest(json, manifestUrl.href);
  const bytes = await Promise.all(
    MNIST_FILE_ROLES.map((role) => fetchBytes(fetchFn, new URL(manifest.files[role], base), options.signal, `the ${role} file of ${manifestUrl}`)),
  );
  const files = Object.fromEntries(MNIST_FILE_ROLES.map((role, i) => [role, bytes[i]!])) as Record<MnistFileRole, Uint8Array>;
  const data = mnistFromFileBytes(files, { kind: 'url', description: `${manifest.source.description}, fetched from ${base.href}` });
  if (data.train.count !== manifest.train || data.test.count !== manifest.test) {
    throw new DataError(
      `${manifestUrl}: the manifest says ${manifest.train} train / ${manifest.test} test images, ` +
        `the files hold ${data.train.count} / ${data.test.count}; expected the files the manifest was written for (a stale cache?)`,
    );
  }
  return data;
}

/** `baseUrl` as an absolute URL ending in `/`, so names resolve inside it (`data` → `data/`). */
function directoryUrl(baseUrl: string | URL): URL {
  const page = (globalThis as { location?: { href: string } }).location?.href;
  let url: URL;
  try {
    url = new URL(baseUrl, page);
  } catch (err) {
    throw new DataError(`${String(baseUrl)}: not a URL${page ? '' : ' (relative URLs need a page to resolve against)'}; expected the URL of the directory holding mnist.json`, { cause: err });
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

async function fetchBytes(fetchFn: typeof globalThis.fetch, url: URL, signal: AbortSignal | undefined, what: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchFn(url, { signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new DataError(`${url}: request failed (${(err as Error).message}); expected ${what}`, { cause: err });
  }
  if (!response.ok) {
    const detail = await errorDetail(response);
    throw new DataError(`${url}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${detail}; expected ${what}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** The `error` of a JSON error body (what the dev server sends), so its explanation reaches the user. */
async function errorDetail(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: unknown };
    return typeof body.error === 'string' ? ` (${body.error})` : '';
  } catch {
    return '';
  }
}
