/**
 * @vae/data/node: everything in `@vae/data` plus the Node-only loaders (files, cache, checked
 * downloads, the embedded subset read from the `mnist` package, folders of images decoded with sharp).
 */
export * from './index.js';
export { loadMnistFromDir } from './load-dir.js';
export { makeDirectory, MakeDirectoryError } from './make-directory.js';
export { defaultCacheDir, mnistCacheDir, type CacheDirContext } from './cache-dir.js';
export { downloadMnist, type DownloadMnistOptions, type DownloadResult, type DownloadEvent } from './download.js';
export { embeddedMnist } from './embedded-node.js';
export { loadMnist, isOfflineEnv, type LoadMnistOptions, type MnistSource } from './mnist-sources.js';
export { loadImageFolder, walkImageFolder, type LoadImageFolderOptions, type LoadedImageFolder } from './image-folder-node.js';
