import type { ModelFiles } from './worker/protocol.js';

/**
 * Offers the model as the two files the CLI writes (`model.json`, `weights.bin`): put them in a
 * folder and `loadVae(folder)` from `@vae/model/node`, or drop them back on this page.
 */
export function downloadModel(files: ModelFiles): void {
  const offer = (blob: Blob, name: string) => {
    const url = URL.createObjectURL(blob);
    const link = Object.assign(document.createElement('a'), { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    // The download has its own reference by now; a later revoke keeps slow browsers safe.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  offer(new Blob([`${JSON.stringify(files.modelJson, null, 2)}\n`], { type: 'application/json' }), 'model.json');
  offer(new Blob([files.weights as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), 'weights.bin');
}
