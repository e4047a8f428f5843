/**
 * Headers that make the page cross-origin isolated, which browsers require before they allow
 * SharedArrayBuffer, and so the threaded WASM backend. Used for `server` and `preview` in
 * vite.config.ts; a static host serving the build needs to send the same two headers.
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
});
