import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { MnistForPage } from './mnist-for-page.js';
import { RUN_LAYOUT } from '@vae/internal';
import { listRuns, readRun } from './run-listing.js';
import { listSweeps } from './sweep-listing.js';

export interface VaeMiddlewareOptions {
  /** The page's dataset; called on the first `data/` request (memoize it: it is called on each). */
  pageData: () => Promise<MnistForPage>;
  /** The directory holding the CLI's run directories. */
  runsRoot: string;
  /** How messages name `runsRoot`: `runs` when it is `<repo root>/runs`, so the commands they suggest work from the repo root. */
  runsLabel?: string;
  /** The directory holding the CLI's sweeps (`vae sweep`); without it `api/sweeps` is not served. */
  sweepsRoot?: string;
  /** The app's base URL (Vite's `base`); the routes below are under it. Default `/`. */
  base?: string;
}

/** The files of a run's model/ the page may fetch: what `saveVae` writes, and nothing else. */
const MODEL_FILES = new Map<string, string>([
  [RUN_LAYOUT.modelJson, 'application/json'],
  [RUN_LAYOUT.modelWeights, 'application/octet-stream'],
]);

type Next = (err?: unknown) => void;

/**
 * Connect middleware answering, under `base`:
 * - `GET data/mnist.json`, `GET data/<file>`: the page's dataset (see `mnistForPage`);
 * - `GET api/runs`: `RunSummary[]`, newest first;
 * - `GET api/sweeps`: `SweepSummary[]`, newest first (with `sweepsRoot`);
 * - `GET api/runs/<name>/model/model.json` and `…/weights.bin`: a finished run's model.
 * Errors are JSON `{ "error": "…" }` saying what is missing and what to do; anything else goes on
 * to `next`. Run names are checked (no separators, no `..`) and must be runs `listRuns` would list.
 */
export function vaeMiddleware(options: VaeMiddlewareOptions): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const base = options.base ?? '/';
  const runsLabel = options.runsLabel ?? options.runsRoot;
  return (req, res, next) => {
    const pathname = (req.url ?? '/').split('?')[0]!;
    const route = pathname.startsWith(base) ? pathname.slice(base.length) : pathname.replace(/^\//, '');
    const segments = route.split('/');
    let answer: Promise<void> | undefined;
    // data/ and api/runs belong to this middleware entirely: nothing under them reaches Vite's file serving.
    if (segments[0] === 'data' && segments.length >= 2) {
      answer = serveData(options, segments.slice(1).join('/'), req, res);
    } else if (segments[0] === 'api' && segments[1] === 'runs') {
      answer = serveRuns(options.runsRoot, runsLabel, segments.slice(2), req, res);
    } else if (segments[0] === 'api' && segments[1] === 'sweeps' && segments.length === 2 && options.sweepsRoot !== undefined) {
      const root = options.sweepsRoot;
      answer = isReadMethod(req) ? listSweeps(root).then((sweeps) => sendJson(req, res, 200, sweeps)) : Promise.resolve(sendJson(req, res, 405, { error: `${req.method} api/sweeps: only GET and HEAD` }));
    }
    if (!answer) return next();
    answer.catch((err: unknown) => sendJson(req, res, 500, { error: (err as Error).message ?? String(err) }));
  };
}

async function serveData(options: VaeMiddlewareOptions, name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!isReadMethod(req)) return sendJson(req, res, 405, { error: `${req.method} data/${name}: only GET and HEAD` });
  const { files, manifest } = await options.pageData();
  const bytes = files.get(safeDecode(name) ?? '');
  if (!bytes) {
    return sendJson(req, res, 404, { error: `data/${name}: no such file; the page's data is data/mnist.json and the files it names (${Object.values(manifest.files).join(', ')})` });
  }
  const type = name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
  send(req, res, 200, bytes, { 'Content-Type': type, 'Cache-Control': 'no-cache' });
}

async function serveRuns(root: string, label: string, rest: string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!isReadMethod(req)) return sendJson(req, res, 405, { error: `${req.method} api/runs/${rest.join('/')}: only GET and HEAD` });
  if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) return sendJson(req, res, 200, await listRuns(root));

  const name = safeDecode(rest[0]!);
  if (name === undefined || !isRunName(name)) {
    return sendJson(req, res, 400, { error: `${JSON.stringify(rest[0])} is not a run name; expected the name of a directory in ${label} (GET api/runs lists them)` });
  }
  const file = rest.length === 3 && rest[1] === RUN_LAYOUT.model ? rest[2]! : undefined;
  if (file === undefined || !MODEL_FILES.has(file)) {
    return sendJson(req, res, 404, { error: `api/runs/${rest.join('/')}: no such file; a run serves only model/model.json and model/weights.bin` });
  }
  const runPath = `${label}/${name}`;
  if (!(await readRun(root, name))) {
    return sendJson(req, res, 404, { error: `no run named ${JSON.stringify(name)} in ${label} (a run directory holds config.json; GET api/runs lists them)` });
  }
  const modelDir = path.join(root, name, RUN_LAYOUT.model);
  if (!(await isDirectory(modelDir))) {
    const resumable = await isDirectory(path.join(root, name, RUN_LAYOUT.checkpoint));
    const what = resumable
      ? `the run did not finish; resume it with pnpm --filter cli train --resume ${runPath}`
      : 'the run stopped before its first checkpoint; start a new one with pnpm --filter cli train';
    return sendJson(req, res, 404, { error: `${runPath} has no model/ (${what})` });
  }
  const bytes = await readFile(path.join(modelDir, file)).catch(() => undefined);
  if (!bytes) {
    return sendJson(req, res, 404, { error: `${runPath}/model has no ${file} (an interrupted save? the CLI writes weights.bin, then model.json)` });
  }
  send(req, res, 200, bytes, { 'Content-Type': MODEL_FILES.get(file)!, 'Cache-Control': 'no-cache' });
}

/** A directory name the runs root may hold: no separators, no `.`/`..`, no NUL. */
function isRunName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}

function isReadMethod(req: IncomingMessage): boolean {
  return req.method === 'GET' || req.method === 'HEAD';
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  send(req, res, status, new TextEncoder().encode(`${JSON.stringify(body)}\n`), { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
}

function send(req: IncomingMessage, res: ServerResponse, status: number, bytes: Uint8Array, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Length': String(bytes.byteLength) });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}
