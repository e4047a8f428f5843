import { createRng } from '@vae/data';
import type { ModelClient } from '../model-client.js';
import { createElement } from './create-element.js';
import { digitImage, drawGrayImage } from './gray-canvas.js';
import { createLatestValueScheduler } from './latest-value-scheduler.js';
import { mountView } from './mounted-view.js';
import { clearViewError, showViewError } from './view-error.js';

export interface LatentSlidersOptions {
  /** Starting z, `[latentDim]` (default all zeros); "reset" returns to it. */
  initial?: Float32Array;
  /** Enlargement of the decoded digit. Default 8 (28 → 224 px). */
  scale?: number;
  /** Seed for the "random z" button, so a session can be replayed. Default 1. */
  seed?: number;
}

export interface LatentSlidersView {
  /** Moves the sliders to `z` (clamped to −3..3) and redraws. */
  update(z: Float32Array): void;
  dispose(): void;
}

/** Slider range: ±3 prior standard deviations holds 99.7% of N(0, 1). */
const LIMIT = 3;
const SUBSCRIPTS = '₀₁₂₃₄₅₆₇₈₉';

/**
 * One slider per latent dimension and the digit the decoder draws for that z, redrawn live as
 * a slider moves (at most one decode in flight; it always ends on the latest position).
 */
export function mountLatentSliders(container: HTMLElement, client: ModelClient, options: LatentSlidersOptions = {}): LatentSlidersView {
  const { latentDim, side } = client.info;
  const { scale = 8, seed = 1 } = options;
  const initial = options.initial ?? new Float32Array(latentDim);
  if (initial.length !== latentDim) throw new RangeError(`mountLatentSliders: initial must have latentDim = ${latentDim} values, got ${initial.length}`);
  const rng = createRng(seed);

  const digit = createElement('canvas', { class: 'explore-digit', 'data-testid': 'latent-digit', width: side * scale, height: side * scale });
  const sliders = Array.from({ length: latentDim }, (_, i) =>
    createElement('input', { type: 'range', min: -LIMIT, max: LIMIT, step: 0.01, value: 0, 'data-testid': `latent-slider-${i}`, 'aria-label': `z ${i + 1}` }),
  );
  const readouts = sliders.map(() => createElement('output', {}, '0.00'));
  const random = createElement('button', { type: 'button', 'data-testid': 'latent-random' }, 'Random z');
  const reset = createElement('button', { type: 'button', 'data-testid': 'latent-reset' }, 'Reset');
  const sliderList = createElement(
    'div',
    { class: 'explore-sliders' },
    ...sliders.map((slider, i) => createElement('label', { class: 'explore-slider' }, `z${subscript(i + 1)}`, slider, readouts[i]!)),
  );
  const view = createElement(
    'div',
    { class: 'explore-row' },
    createElement('div', {}, digit, createElement('div', { class: 'explore-toolbar' }, random, reset)),
    sliderList,
  );
  const mounted = mountView(container, view);

  const scheduler = mounted.own(createLatestValueScheduler(
    async (z: Float32Array) => {
      const pixels = await client.decode(z, 1);
      if (mounted.disposed) return;
      drawGrayImage(digit, digitImage(pixels.subarray(0, side * side), side), scale);
      clearViewError(container);
      mounted.markReady();
    },
    (error) => showViewError(container, 'Could not decode this z', error),
  ));

  const currentZ = () => Float32Array.from(sliders, (slider) => Number(slider.value));
  const redraw = () => {
    sliders.forEach((slider, i) => (readouts[i]!.textContent = Number(slider.value).toFixed(2)));
    scheduler.schedule(currentZ());
  };
  const setSliders = (z: ArrayLike<number>) => {
    sliders.forEach((slider, i) => (slider.value = String(Math.min(LIMIT, Math.max(-LIMIT, z[i]!)))));
    redraw();
  };

  sliderList.addEventListener('input', redraw);
  random.addEventListener('click', () => setSliders(Array.from({ length: latentDim }, () => rng.normal())));
  reset.addEventListener('click', () => setSliders(initial));
  setSliders(initial);

  return {
    update(z) {
      if (z.length !== latentDim) throw new RangeError(`update: z must have latentDim = ${latentDim} values, got ${z.length}`);
      setSliders(z);
    },
    dispose: mounted.dispose,
  };
}

function subscript(n: number): string {
  return String(n).replace(/\d/g, (d) => SUBSCRIPTS[Number(d)]!);
}
