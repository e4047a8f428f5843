import { mnistRoleOfFileName } from '@vae/data';
import type { MnistFileRole } from '@vae/data';

/** What a drop holds: a model's two files, an MNIST-format file set, and names that are neither. */
export interface DropContents<F> {
  model?: { json: F; weights: F };
  mnist?: Record<MnistFileRole, F>;
  /** Files of an incomplete set or of no known kind, with why. */
  problems: string[];
}

/**
 * Sorts dropped files by name (`F` is a browser `File` on the page, anything named in tests). A
 * model is `model.json` + `weights.bin`; data is the four MNIST-format files (gzipped or not).
 */
export function sortDrop<F extends { name: string }>(files: readonly F[]): DropContents<F> {
  const problems: string[] = [];
  const byRole: Partial<Record<MnistFileRole, F>> = {};
  let json: F | undefined;
  let weights: F | undefined;
  for (const file of files) {
    const base = file.name.split('/').pop()!;
    if (base === 'model.json') json = file;
    else if (base === 'weights.bin') weights = file;
    else {
      const role = mnistRoleOfFileName(base);
      if (role) byRole[role] = file;
      else problems.push(`${base}: not a model file (model.json, weights.bin) nor an MNIST-format file (train-images-idx3-ubyte[.gz] and the like)`);
    }
  }
  const contents: DropContents<F> = { problems };
  if (json && weights) contents.model = { json, weights };
  else if (json || weights) problems.push(`a model needs both model.json and weights.bin; only ${json ? 'model.json' : 'weights.bin'} was dropped`);
  const roles = Object.keys(byRole) as MnistFileRole[];
  if (roles.length === 4) contents.mnist = byRole as Record<MnistFileRole, F>;
  else if (roles.length > 0) {
    const missing = (['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const).filter((r) => !byRole[r]);
    problems.push(`MNIST-format data needs four files; missing ${missing.join(', ')} (drop train-images, train-labels, t10k-images and t10k-labels together)`);
  }
  return contents;
}
