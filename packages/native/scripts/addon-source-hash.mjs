// The hash of the addon's C++ sources that build-prebuilt.mjs records in build-info.json; the
// loader (src/load-addon.ts, which imports this function: tsup bundles it into dist) skips a
// prebuilt built from other sources as stale. SHA-256 over the files of addon/src in name order,
// each as name, NUL, bytes, NUL.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export function addonSourceHash(dir) {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (!statSync(file).isFile()) continue;
    hash.update(name).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}
