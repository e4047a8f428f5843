// Vitest setup: fail loudly if any test tries to fetch from anywhere but this machine.
const realFetch = globalThis.fetch;

globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
  const url = new URL(input instanceof Request ? input.url : input.toString());
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' && url.hostname !== '[::1]') {
    return Promise.reject(new Error(`tests must not touch the internet: refused fetch of ${url.href}`));
  }
  return realFetch(input, init);
};
