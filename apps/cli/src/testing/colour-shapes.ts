import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRng } from '@vae/data';

/** The shapes (one class folder each) and colours of `writeColourShapes`. */
export const SHAPES = ['circle', 'square', 'triangle', 'cross'] as const;
export const COLOURS: readonly [number, number, number][] = [
  [230, 40, 40], // red
  [40, 200, 60], // green
  [50, 90, 240], // blue
  [240, 210, 40], // yellow
  [240, 240, 240], // white
];

/** Pixels `[size, size, 3]` of one shape in one colour on black, at a seeded place and scale. */
export function drawShape(shape: (typeof SHAPES)[number], colour: readonly number[], size: number, rng: { next(): number }): Uint8Array {
  const pixels = new Uint8Array(size * size * 3);
  const r = size * (0.22 + 0.12 * rng.next());
  const cx = size / 2 + (rng.next() - 0.5) * size * 0.25;
  const cy = size / 2 + (rng.next() - 0.5) * size * 0.25;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const inside =
        shape === 'circle' ? dx * dx + dy * dy <= r * r
        : shape === 'square' ? Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85
        : shape === 'triangle' ? dy <= r * 0.8 && dy >= -r && Math.abs(dx) <= ((dy + r) / (1.8 * r)) * r
        : (Math.abs(dx) <= r * 0.3 && Math.abs(dy) <= r) || (Math.abs(dy) <= r * 0.3 && Math.abs(dx) <= r);
      if (inside) pixels.set(colour, (y * size + x) * 3);
    }
  }
  return pixels;
}

/**
 * Writes `count` PNGs of coloured shapes (`size`×`size` RGB) into `dir/<shape>/NNNNN.png`: a
 * colour set with class folders, seeded.
 */
export async function writeColourShapes(dir: string, count: number, size = 32, seed = 0): Promise<void> {
  const rng = createRng(seed);
  for (const shape of SHAPES) await mkdir(join(dir, shape), { recursive: true });
  const jobs: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const shape = SHAPES[i % SHAPES.length]!;
    const colour = COLOURS[Math.floor(rng.next() * COLOURS.length)]!;
    const pixels = drawShape(shape, colour, size, rng);
    jobs.push(sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(dir, shape, `${String(i).padStart(5, '0')}.png`)));
    if (jobs.length >= 16) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
}
