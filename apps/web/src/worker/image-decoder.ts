import { readImageHeader, type ImageDecoder } from '@vae/data';

/** A file of a dropped or picked folder, with its path below it. */
export interface FolderEntry {
  path: string;
  file: Blob;
}

/** The header's first bytes are read first; a file whose header is not within them is read whole. */
const HEAD_BYTES = 256 * 1024;

/**
 * The browser's decoder for `assembleImageFolder` (no sharp here): `createImageBitmap` crops the
 * rectangle the shared rules chose and scales it (its "high" quality filter), an OffscreenCanvas
 * gives the RGBA bytes; no colour-space conversion. Works in a worker.
 */
export const browserImageDecoder: ImageDecoder<FolderEntry> = {
  async head(entry) {
    const head = new Uint8Array(await entry.file.slice(0, HEAD_BYTES).arrayBuffer());
    return readImageHeader(head) || entry.file.size <= HEAD_BYTES ? head : new Uint8Array(await entry.file.arrayBuffer());
  },
  async decode(entry, _header, crop, target) {
    const bitmap = await createImageBitmap(entry.file, crop.left, crop.top, crop.width, crop.height, {
      resizeWidth: target.width,
      resizeHeight: target.height,
      resizeQuality: 'high',
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
    try {
      const canvas = new OffscreenCanvas(target.width, target.height);
      const context = canvas.getContext('2d', { willReadFrequently: true })!;
      context.drawImage(bitmap, 0, 0);
      const { data } = context.getImageData(0, 0, target.width, target.height);
      return { width: target.width, height: target.height, channels: 4, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    } finally {
      bitmap.close();
    }
  },
};
