/** SHA-256 (hex) of the files of `dir` in name order, each as name, NUL, bytes, NUL. */
export function addonSourceHash(dir: string): string;
