import { makeDirectory } from '@vae/data/node';
import { dirname, join } from 'node:path';
import type { Vae } from '@vae/model';
import { writeFileAtomic } from '@vae/model/node';
import { exportFiles, type ExportOptions } from './export-files.js';
import type { ExportFormat } from './export-format.js';

export * from './index.js';

/**
 * Writes the export of `vae` into `dir` (created if needed), each file through a temporary file and
 * a rename; returns the paths written. Nothing is written when the format cannot express the model.
 */
export async function exportVae(vae: Vae, dir: string, format: ExportFormat, options: ExportOptions = {}): Promise<string[]> {
  const files = await exportFiles(vae, format, options);
  const written: string[] = [];
  for (const file of files) {
    const path = join(dir, ...file.path.split('/'));
    await makeDirectory(dirname(path));
    await writeFileAtomic(path, file.data);
    written.push(path);
  }
  return written;
}
