import type { Normalization } from '@vae/data';
import type { ImageShape } from '@vae/model';

/** What the page knows about the open model (trained in the page, opened from a CLI run, or dropped). */
export interface ModelInfo {
  /** Size of z. */
  latentDim: number;
  /** Pixels per image (784 for 28 × 28). */
  inputDim: number;
  /** Image side in pixels (28): the views that draw and take digits need square grey images. */
  side: number;
  /** The model's image: height × width × channels (channels last), as its description says. */
  image: ImageShape;
  /** How the model expects its input pixels scaled (the training setting). */
  normalization: Normalization;
  /** Where the model came from, for the page ("trained here", "runs/2026-…", "dropped files"). */
  source: string;
}

/**
 * The open model, as the page's views see it. The model itself lives in the training worker; every
 * call is one round trip to it, so the page never blocks on tfjs.
 */
export interface ModelClient {
  readonly info: ModelInfo;
  /** Decodes `count` latent vectors (`z`: `[count, latentDim]`) to pixel means in [0, 1]: `[count, inputDim]`. */
  decode(z: Float32Array, count: number): Promise<Float32Array>;
  /** Encodes `count` images (`pixels`: `[count, inputDim]`, 0..255, normalized inside): their posterior `mu` and `logVar`, each `[count, latentDim]`. */
  encode(pixels: Uint8Array, count: number): Promise<{ mu: Float32Array; logVar: Float32Array }>;
}
