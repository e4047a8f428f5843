import type { ModelClient } from '../model-client.js';
import { createElement } from './create-element.js';
import { digitImage, drawGrayImage } from './gray-canvas.js';
import { createLatestValueScheduler } from './latest-value-scheduler.js';
import { mountView } from './mounted-view.js';
import { strokeToDigit } from './stroke-to-digit.js';
import { clearViewError, showViewError } from './view-error.js';

export interface DrawCanvasOptions {
  /** Called with the drawing's encoding (`mu`, `[latentDim]`) after each stroke, and `null` when cleared. */
  onLatent?: (mu: Float32Array | null) => void;
  /** Side of the drawing canvas in px. Default 280 (10 × MNIST). */
  size?: number;
  /** Pen width in canvas px. Default 20: after scaling to 20 px it is about MNIST's 2-px stroke. */
  lineWidth?: number;
  /** Enlargement of the 28 × 28 input and reconstruction. Default 5. */
  scale?: number;
}

export interface DrawCanvasView {
  /** Wipes the drawing and the results (as the "Clear" button does). */
  clear(): void;
  dispose(): void;
}

/**
 * A canvas to draw a digit on. After each stroke the drawing is turned into an MNIST-style
 * 28 × 28 input (`strokeToDigit`), encoded, and decoded again from its mean; input and
 * reconstruction are shown side by side and the mean goes to `onLatent`.
 */
export function mountDrawCanvas(container: HTMLElement, client: ModelClient, options: DrawCanvasOptions = {}): DrawCanvasView {
  const { onLatent, size = 280, lineWidth = 20, scale = 5 } = options;
  const { side, latentDim } = client.info;
  const box = Math.round((side * 20) / 28);
  // Bumped by "clear", so an encoding of the old drawing that finishes later is not shown.
  let generation = 0;

  const canvas = createElement('canvas', { class: 'explore-draw', 'data-testid': 'draw-canvas', width: size, height: size, 'aria-label': 'Drawing area' });
  const input = createElement('canvas', { class: 'explore-digit', 'data-testid': 'draw-input', width: side * scale, height: side * scale });
  const reconstruction = createElement('canvas', { class: 'explore-digit', 'data-testid': 'draw-reconstruction', width: side * scale, height: side * scale });
  const clearButton = createElement('button', { type: 'button', 'data-testid': 'draw-clear' }, 'Clear');
  const status = createElement('p', { class: 'explore-status' }, 'Draw a digit, then lift the pen.');
  const view = createElement(
    'div',
    {},
    createElement(
      'div',
      { class: 'explore-row' },
      canvas,
      createElement(
        'div',
        {},
        createElement('div', { class: 'explore-row' },
          createElement('figure', { class: 'explore-figure' }, input, createElement('figcaption', {}, 'Input, 28 × 28')),
          createElement('figure', { class: 'explore-figure' }, reconstruction, createElement('figcaption', {}, 'Reconstruction')),
        ),
        createElement('div', { class: 'explore-toolbar' }, clearButton),
        status,
      ),
    ),
  );
  const mounted = mountView(container, view);

  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  const blank = (target: HTMLCanvasElement) => {
    const c = target.getContext('2d')!;
    c.fillStyle = '#000';
    c.fillRect(0, 0, target.width, target.height);
  };

  const scheduler = mounted.own(createLatestValueScheduler(
    async (started: number) => {
      const { pixels, empty } = strokeToDigit(context.getImageData(0, 0, size, size), { side, box });
      if (empty) return;
      const { mu } = await client.encode(pixels, 1);
      const z = mu.slice(0, latentDim);
      const decoded = await client.decode(z, 1);
      if (mounted.disposed || started !== generation) return;
      drawGrayImage(input, digitImage(pixels, side), scale);
      drawGrayImage(reconstruction, digitImage(decoded.subarray(0, side * side), side), scale);
      reconstruction.dataset.status = 'ready';
      status.textContent = `Encoded to z = (${Array.from(z.subarray(0, 4), (v) => v.toFixed(2)).join(', ')}${latentDim > 4 ? ', …' : ''}).`;
      clearViewError(container);
      onLatent?.(z);
    },
    (error) => showViewError(container, 'Could not encode the drawing', error),
  ));

  const clear = () => {
    generation++;
    blank(canvas);
    blank(input);
    blank(reconstruction);
    delete reconstruction.dataset.status;
    status.textContent = 'Draw a digit, then lift the pen.';
    onLatent?.(null);
  };

  // Pointer position in canvas pixels (the canvas may be shown smaller than it is).
  const toCanvas = (event: PointerEvent): [number, number] => {
    const rect = canvas.getBoundingClientRect();
    return [((event.clientX - rect.left) * canvas.width) / rect.width, ((event.clientY - rect.top) * canvas.height) / rect.height];
  };
  let last: [number, number] | null = null;
  const strokeTo = (point: [number, number]) => {
    context.strokeStyle = '#fff';
    context.lineWidth = lineWidth;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(...(last ?? point));
    context.lineTo(...point);
    context.stroke();
    last = point;
  };
  canvas.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    last = null;
    strokeTo(toCanvas(event));
  });
  canvas.addEventListener('pointermove', (event) => {
    if (last !== null) strokeTo(toCanvas(event));
  });
  const endStroke = () => {
    if (last === null) return;
    last = null;
    scheduler.schedule(generation);
  };
  canvas.addEventListener('pointerup', endStroke);
  canvas.addEventListener('pointercancel', endStroke);
  clearButton.addEventListener('click', clear);

  blank(canvas);
  blank(input);
  blank(reconstruction);
  mounted.markReady();

  return {
    clear,
    dispose: mounted.dispose,
  };
}
