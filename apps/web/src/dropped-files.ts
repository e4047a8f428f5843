import { isImageFileName, mnistRoleOfFileName } from '@vae/data';
import type { MnistFileRole } from '@vae/data';

/** What a drop holds: a model's two files, an MNIST-format file set, and names that are neither. */
export interface DropContents<F> {
  model?: { json: F; weights: F };
  mnist?: Record<MnistFileRole, F>;
  /**
   * A folder of images (PNG, JPEG, WebP): `name` is the dropped folder's (or `dropped images`), `files`
   * every file with its path below it (other files in it are left to `assembleImageFolder` to list as unused).
   */
  images?: { name: string; files: { path: string; file: F }[] };
  /** Files of an incomplete set or of no known kind, with why. */
  problems: string[];
}

/**
 * Sorts dropped files by name (their path in a dropped folder; `F` is a dropped file on the page,
 * anything named in tests). A model is `model.json` + `weights.bin`; data is the four MNIST-format
 * files (gzipped or not), or a folder of images (any `.png`, `.jpg`, `.jpeg`, `.webp` among them).
 */
export function sortDrop<F extends { name: string }>(files: readonly F[]): DropContents<F> {
  const problems: string[] = [];
  const images = files.some((f) => isImageFileName(f.name)) ? imageFolderOf(files) : undefined;
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
      else if (!images) problems.push(`${base}: not a model file (model.json, weights.bin), an MNIST-format file (train-images-idx3-ubyte[.gz] and the like) nor an image (.png, .jpg, .jpeg, .webp)`);
    }
  }
  const contents: DropContents<F> = { problems };
  if (images) contents.images = images;
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

/**
 * The drop as a folder: when every path starts with the same folder (one folder was dropped or
 * picked), that folder is the root and its name the data's; else the drop itself is the root.
 */
function imageFolderOf<F extends { name: string }>(files: readonly F[]): { name: string; files: { path: string; file: F }[] } {
  const paths = files.map((f) => f.name.replace(/^\/+/, ''));
  const first = paths[0]!.split('/')[0]!;
  const oneFolder = paths.every((p) => p.startsWith(`${first}/`));
  return {
    name: oneFolder ? first : 'dropped images',
    files: files.map((file, i) => ({ path: oneFolder ? paths[i]!.slice(first.length + 1) : paths[i]!, file })),
  };
}
