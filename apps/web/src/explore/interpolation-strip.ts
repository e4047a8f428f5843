import { createRng, valuesPerImage, type MnistSplit } from '@vae/data';
import { interpolateLatents, type InterpolationMode } from '@vae/explore';
import { imageGrid } from '@vae/viz';
import type { ModelClient } from '../model-client.js';
import { createElement } from './create-element.js';
import { digitImage, drawGrayImage } from './gray-canvas.js';
import { createLatestValueScheduler } from './latest-value-scheduler.js';
import { NO_PICK, nextPairPick, type PairPick } from './pair-pick.js';
import { sampleIndices } from './sample-indices.js';
import { mountView } from './mounted-view.js';
import { clearViewError, showViewError } from './view-error.js';

export interface InterpolationStripOptions {
  /** Test digits offered to pick from. Default 16. */
  picks?: number;
  /** Decoded steps from A to B, both included. Default 10. */
  steps?: number;
  /** Seed for choosing (and reshuffling) the offered digits. Default 1. */
  seed?: number;
  /** Enlargement of the offered digits and the strip. Defaults 2 and 3. */
  pickScale?: number;
  stripScale?: number;
}

export interface InterpolationStripView {
  dispose(): void;
}

interface StripRequest {
  /** Test-set indices of A and B. */
  a: number;
  b: number;
  mode: InterpolationMode;
}

let mountCount = 0;

/**
 * A row of test digits to pick A and B from, and the decoded path between their encodings
 * (the posterior means), along a straight line or the sphere (slerp).
 */
export function mountInterpolationStrip(
  container: HTMLElement,
  client: ModelClient,
  testSet: MnistSplit,
  options: InterpolationStripOptions = {},
): InterpolationStripView {
  const { picks = 16, steps = 10, seed = 1, pickScale = 2, stripScale = 3 } = options;
  const { latentDim, side } = client.info;
  const pixelsPerImage = valuesPerImage(testSet);
  const rng = createRng(seed);
  const radioName = `explore-interpolation-mode-${++mountCount}`;
  let indices: number[] = [];
  let pick: PairPick = NO_PICK;
  let mode: InterpolationMode = 'linear';
  // Bumped on reshuffle, so a strip still being decoded for the old digits is not drawn.
  let generation = 0;
  const muCache = new Map<number, Float32Array>();

  const reshuffle = createElement('button', { type: 'button', 'data-testid': 'interpolation-reshuffle' }, 'New digits');
  const modeRadios = (['linear', 'spherical'] as const).map((value) =>
    createElement('input', { type: 'radio', name: radioName, value, checked: value === mode, 'data-testid': `interpolation-mode-${value}` }),
  );
  const row = createElement('div', { class: 'explore-picks' });
  const hint = createElement('p', { class: 'explore-status' });
  const strip = createElement('canvas', { class: 'explore-strip', 'data-testid': 'interpolation-strip', hidden: true });
  const view = createElement(
    'div',
    {},
    createElement(
      'div',
      { class: 'explore-toolbar' },
      reshuffle,
      createElement('label', {}, modeRadios[0]!, ' linear'),
      createElement('label', {}, modeRadios[1]!, ' spherical (slerp)'),
    ),
    row,
    hint,
    strip,
  );
  const mounted = mountView(container, view);

  const encodeMu = async (testIndex: number): Promise<Float32Array> => {
    const cached = muCache.get(testIndex);
    if (cached) return cached;
    const image = testSet.images.subarray(testIndex * pixelsPerImage, (testIndex + 1) * pixelsPerImage);
    const { mu } = await client.encode(image, 1);
    const own = mu.slice(0, latentDim);
    muCache.set(testIndex, own);
    return own;
  };

  const scheduler = mounted.own(createLatestValueScheduler(
    async ({ a, b, mode: requestMode }: StripRequest) => {
      const started = generation;
      const [muA, muB] = [await encodeMu(a), await encodeMu(b)];
      const z = interpolateLatents(muA, muB, steps, requestMode);
      const decoded = await client.decode(z, steps);
      if (mounted.disposed || started !== generation) return;
      drawGrayImage(strip, imageGrid(decoded, { count: steps, columns: steps, width: side, height: side, padding: 1 }), stripScale);
      strip.hidden = false;
      strip.dataset.mode = requestMode;
      strip.dataset.status = 'ready';
      strip.setAttribute('aria-label', `${steps} decoded steps from test digit ${a} to ${b}, ${requestMode}`);
      clearViewError(container);
    },
    (error) => showViewError(container, 'Could not interpolate', error),
  ));

  const requestStrip = () => {
    if (pick.a === null || pick.b === null) return;
    scheduler.schedule({ a: indices[pick.a]!, b: indices[pick.b]!, mode });
  };

  const showPick = () => {
    row.querySelectorAll<HTMLButtonElement>('.explore-pick').forEach((button, i) => {
      button.classList.toggle('explore-pick-a', i === pick.a);
      button.classList.toggle('explore-pick-b', i === pick.b);
      button.setAttribute('aria-pressed', String(i === pick.a || i === pick.b));
    });
    hint.textContent =
      pick.a === null ? 'Click a digit to pick A.' : pick.b === null ? 'Now click another digit to pick B.' : 'Click a digit to start a new pair.';
  };

  const drawPicks = () => {
    generation++;
    indices = sampleIndices(testSet.count, picks, rng);
    pick = NO_PICK;
    strip.hidden = true;
    delete strip.dataset.status;
    row.replaceChildren(
      ...indices.map((testIndex, i) => {
        const canvas = document.createElement('canvas');
        drawGrayImage(canvas, digitImage(testSet.images.subarray(testIndex * pixelsPerImage, (testIndex + 1) * pixelsPerImage), testSet.cols), pickScale);
        const button = createElement(
          'button',
          { type: 'button', class: 'explore-pick', 'data-testid': `pick-digit-${i}`, 'data-label': testSet.labels[testIndex], 'aria-label': `Test digit ${testIndex}, a ${testSet.labels[testIndex]}` },
          canvas,
        );
        button.addEventListener('click', () => {
          pick = nextPairPick(pick, i);
          showPick();
          requestStrip();
        });
        return button;
      }),
    );
    showPick();
  };

  reshuffle.addEventListener('click', drawPicks);
  for (const radio of modeRadios) {
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      mode = radio.value as InterpolationMode;
      requestStrip();
    });
  }
  drawPicks();
  mounted.markReady();

  return {
    dispose: mounted.dispose,
  };
}
