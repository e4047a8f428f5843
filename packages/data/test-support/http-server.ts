// A throwaway HTTP server on 127.0.0.1 (port 0) for download tests: no test touches the internet.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  /** Base URL ending in '/', e.g. http://127.0.0.1:12345/ */
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections(); // also the ones a test left hanging on purpose
        server.close(() => resolve());
      }),
  };
}

/** Serves `files` by name (the last path segment); anything else is a 404. */
export function serveFiles(files: Map<string, Uint8Array>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const body = files.get(decodeURIComponent((req.url ?? '').split('/').pop() ?? ''));
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>404 Not Found</title>');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': body.length }).end(body);
  };
}

/** A base URL on 127.0.0.1 where nothing listens: connections are refused at once. */
export async function closedPortUrl(): Promise<string> {
  const server = await startServer(() => {});
  await server.close();
  return server.url;
}
