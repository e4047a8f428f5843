// Writing a file that a running process may have open or mapped (a loaded vae_native.node, the
// build-info.json a loader reads): the new contents go to a temp file beside it, renamed into place.
// The rename gives the name a new inode and a running process keeps the old one; rewriting the file
// in place would truncate the pages a trainer is executing, and the kernel would kill it (SIGBUS).
import { copyFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

function replace(file, write) {
  const temp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    write(temp);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Copies `source` to `file` (mode included) by a rename. */
export const copyFileReplacing = (source, file) => replace(file, (temp) => copyFileSync(source, temp));

/** Writes `text` to `file` by a rename. */
export const writeFileReplacing = (file, text) => replace(file, (temp) => writeFileSync(temp, text));
