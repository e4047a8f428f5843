import { imageShape, valuesPerImage, type MnistSplit } from '@vae/data';
import type { ModelClient } from '../model-client.js';
import { createElement } from './create-element.js';
import { mountDrawCanvas } from './draw-canvas.js';
import { ensureExploreStyles } from './explore-styles.js';
import { mountInterpolationStrip } from './interpolation-strip.js';
import { mountLatentScatter } from './latent-scatter.js';
import { mountLatentSliders } from './latent-sliders.js';
import { showViewError } from './view-error.js';

export interface Explorer {
  dispose(): void;
}

/**
 * The Explore views of an open model, in four sections under `root`: latent sliders, an
 * interpolation between two test digits, a canvas to draw a digit on, and the test set's latent
 * space, where the drawn digit is marked. Adds the `explore-` stylesheet to the page once.
 */
export function mountExplorer(root: HTMLElement, client: ModelClient, testSet: MnistSplit, options: { classNames?: readonly string[] } = {}): Explorer {
  ensureExploreStyles(root.ownerDocument);
  const grid = createElement('div', { class: 'explore' });
  root.append(grid);
  const { inputDim } = client.info;
  const { height, width, channels } = imageShape(testSet);
  if (valuesPerImage(testSet) !== inputDim) {
    showViewError(grid, 'Cannot explore', new Error(`the model takes ${inputDim}-value images but the test set has ${height}×${width}×${channels}`));
    return { dispose: () => grid.remove() };
  }
  const section = (name: string, heading: string, lead: string) => {
    const body = createElement('div', { 'data-testid': `explore-${name}` });
    grid.append(createElement('section', { class: `explore-section explore-section-${name}` }, createElement('h3', {}, heading), createElement('p', { class: 'explore-lead' }, lead), body));
    return body;
  };

  const views: Array<{ dispose(): void }> = [];
  const mountSafely = (container: HTMLElement, what: string, mount: () => { dispose(): void }) => {
    try {
      views.push(mount());
    } catch (error) {
      showViewError(container, what, error);
    }
  };

  // The sliders, the strip and the drawing canvas draw square grey digits: for other images (colour,
  // not square) only the latent space is shown, coloured by label (a folder's class folders).
  if (channels !== 1 || height !== width) {
    grid.append(createElement('p', { class: 'explore-lead', 'data-testid': 'explore-note' }, `The sliders, the interpolation and the drawing canvas draw square grey digits; these images are ${height}×${width}×${channels} (the sample grid above shows them).`));
    const scatterBody = section('scatter', 'The latent space of the test set', 'Each dot is a test image’s encoding (its mean), coloured by label.');
    mountSafely(scatterBody, 'Could not show the latent space', () => mountLatentScatter(scatterBody, client, testSet, { classNames: options.classNames, drawing: false }));
    return {
      dispose() {
        for (const view of views.splice(0)) view.dispose();
        grid.remove();
      },
    };
  }

  const slidersBody = section('sliders', 'Walk the latent space', 'Each slider sets one coordinate of z; the decoder draws the digit that code stands for.');
  const stripBody = section('interpolation', 'Interpolate between two digits', 'Pick two test digits: their encodings are joined by a line (or an arc, slerp) and decoded along the way.');
  const drawBody = section('draw', 'Draw a digit', 'It is cropped, scaled to 20 px and centred like MNIST, encoded, and decoded again from its mean.');
  const scatterBody = section('scatter', 'The latent space of the test set', 'Each dot is a test digit’s encoding (its mean), coloured by label; the ring is your drawing.');

  mountSafely(slidersBody, 'Could not show the sliders', () => mountLatentSliders(slidersBody, client));
  mountSafely(stripBody, 'Could not show the interpolation', () => mountInterpolationStrip(stripBody, client, testSet));
  let scatter: ReturnType<typeof mountLatentScatter> | undefined;
  mountSafely(scatterBody, 'Could not show the latent space', () => (scatter = mountLatentScatter(scatterBody, client, testSet, { classNames: options.classNames })));
  mountSafely(drawBody, 'Could not show the drawing canvas', () => mountDrawCanvas(drawBody, client, { onLatent: (mu) => scatter?.mark(mu) }));

  return {
    dispose() {
      for (const view of views.splice(0)) view.dispose();
      grid.remove();
    },
  };
}
