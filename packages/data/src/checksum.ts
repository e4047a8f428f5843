import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** MD5 of some bytes as 32 lower-case hex digits (the form MNIST's checksums are published in). */
export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** MD5 of a file, or undefined when it does not exist. */
export async function fileMd5(file: string): Promise<string | undefined> {
  try {
    return md5Hex(await readFile(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
