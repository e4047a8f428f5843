import { grayToRgba, imageGrid, type GrayImage } from '@vae/viz';

/**
 * Draws an 8-bit gray image on `canvas`, enlarged `scale` times with nearest-neighbour sampling
 * (crisp pixels, as a 28 × 28 digit should look), resizing the canvas to fit.
 */
export function drawGrayImage(canvas: HTMLCanvasElement, image: GrayImage, scale: number): void {
  const scratch = document.createElement('canvas');
  scratch.width = image.width;
  scratch.height = image.height;
  scratch.getContext('2d')!.putImageData(new ImageData(grayToRgba(image), image.width, image.height), 0, 0);
  canvas.width = image.width * scale;
  canvas.height = image.height * scale;
  const context = canvas.getContext('2d')!;
  context.imageSmoothingEnabled = false;
  context.drawImage(scratch, 0, 0, canvas.width, canvas.height);
}

/** One `side × side` digit (`Float32Array` in [0, 1] from the decoder, or `Uint8Array` 0..255) as a gray image. */
export function digitImage(pixels: Float32Array | Uint8Array, side: number): GrayImage {
  return imageGrid(pixels, { count: 1, width: side, height: side, padding: 0 });
}
