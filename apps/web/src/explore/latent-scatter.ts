import { valuesPerImage, type MnistSplit } from '@vae/data';
import { categoricalPalette, niceTicks } from '@vae/viz';
import type { ModelClient } from '../model-client.js';
import { createElement } from './create-element.js';
import { fitScatterProjection, type ScatterProjection } from './scatter-projection.js';
import { fitScatterScale, type PlotRect } from './scatter-scale.js';
import { mountView } from './mounted-view.js';
import { clearViewError, showViewError } from './view-error.js';

export interface LatentScatterViewOptions {
  /** Test images encoded and drawn (the first ones of the split). Default 2,000. */
  count?: number;
  /** Images per `client.encode` call. Default 500. */
  batchSize?: number;
  /** Plot size in CSS px. Defaults 440 × 400. */
  width?: number;
  height?: number;
  /** Legend text of label k (a folder of images' class folders); default the number k. */
  classNames?: readonly string[];
  /** Whether the legend lists "your drawing" (the drawing canvas is there). Default true. */
  drawing?: boolean;
}

export interface LatentScatterView {
  /** Marks one more code (`[latentDim]`, e.g. a drawn digit's mean) with a ring, or removes the mark (`null`). */
  mark(z: Float32Array | null): void;
  dispose(): void;
}

const MARGIN = { left: 44, right: 10, top: 10, bottom: 36 };

/**
 * The encoder means of the first test digits on a plane, coloured by label, with a legend.
 * A 2-D latent space is drawn on its own axes, a larger one on its first two principal components
 * (said in a caption, with the variance they keep). A canvas rather than `latentScatterSvg`,
 * because the mark moves with every stroke and needs the plot's own data-to-pixel mapping.
 */
export function mountLatentScatter(
  container: HTMLElement,
  client: ModelClient,
  testSet: MnistSplit,
  options: LatentScatterViewOptions = {},
): LatentScatterView {
  const { batchSize = 500, width = 440, height = 400 } = options;
  const count = Math.min(options.count ?? 2000, testSet.count);
  const { latentDim } = client.info;
  const pixelsPerImage = valuesPerImage(testSet);
  let projection: ScatterProjection | null = null;
  let marked: Float32Array | null = null;

  const status = createElement('p', { class: 'explore-status' }, `Encoding ${count} test digits…`);
  const caption = createElement('p', { class: 'explore-status', hidden: true });
  const canvas = createElement('canvas', { class: 'explore-scatter', 'data-testid': 'latent-scatter', role: 'img', width, height, style: `width: ${width}px` });
  const legend = createElement('ul', { class: 'explore-legend' });
  const view = createElement('div', {}, status, caption, createElement('div', { class: 'explore-row' }, canvas, legend));
  const mounted = mountView(container, view);

  const labels = testSet.labels.subarray(0, count);
  const draw = () => {
    if (projection === null) return;
    const pixelRatio = globalThis.devicePixelRatio || 1;
    canvas.width = Math.round(width * pixelRatio);
    canvas.height = Math.round(height * pixelRatio);
    canvas.style.width = `${width}px`;
    const context = canvas.getContext('2d')!;
    context.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);
    const rect: PlotRect = { left: MARGIN.left, top: MARGIN.top, width: width - MARGIN.left - MARGIN.right, height: height - MARGIN.top - MARGIN.bottom };
    const scale = fitScatterScale(projection.coords, rect);
    drawAxes(context, rect, scale, projection);

    context.save();
    context.beginPath();
    context.rect(rect.left, rect.top, rect.width, rect.height);
    context.clip();
    context.globalAlpha = 0.7;
    const { coords } = projection;
    for (let i = 0; i < count; i++) {
      const x = coords[2 * i]!;
      const y = coords[2 * i + 1]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      context.fillStyle = categoricalPalette[labels[i]! % categoricalPalette.length]!;
      context.beginPath();
      context.arc(scale.x(x), scale.y(y), 2.2, 0, 2 * Math.PI);
      context.fill();
    }
    context.restore();

    if (marked !== null) {
      const [zx, zy] = projection.project(marked);
      // Kept on the frame's edge when it lands outside the test digits' range, so it stays visible.
      const px = Math.min(rect.left + rect.width, Math.max(rect.left, scale.x(zx)));
      const py = Math.min(rect.top + rect.height, Math.max(rect.top, scale.y(zy)));
      context.lineWidth = 4;
      context.strokeStyle = '#fff';
      context.beginPath();
      context.arc(px, py, 7, 0, 2 * Math.PI);
      context.stroke();
      context.lineWidth = 2;
      context.strokeStyle = '#000';
      context.stroke();
      canvas.dataset.marker = `${zx.toFixed(3)},${zy.toFixed(3)}`;
    } else {
      delete canvas.dataset.marker;
    }
    canvas.setAttribute('aria-label', `Encodings of ${count} test digits, ${projection.xLabel} against ${projection.yLabel}, coloured by label`);
  };

  const showLegend = () => {
    const present = [...new Set(labels)].sort((a, b) => a - b);
    legend.replaceChildren(
      ...present.map((label) =>
        createElement(
          'li',
          {},
          createElement('span', { class: 'explore-swatch', style: `background: ${categoricalPalette[label % categoricalPalette.length]}` }),
          options.classNames?.[label] ?? String(label),
        ),
      ),
      ...(options.drawing === false ? [] : [createElement('li', {}, createElement('span', { class: 'explore-swatch explore-swatch-marker' }), 'your drawing')]),
    );
  };

  const encodeAll = async () => {
    const mu = new Float32Array(count * latentDim);
    for (let start = 0; start < count; start += batchSize) {
      const size = Math.min(batchSize, count - start);
      const batch = await client.encode(testSet.images.subarray(start * pixelsPerImage, (start + size) * pixelsPerImage), size);
      if (mounted.disposed) return;
      mu.set(batch.mu.subarray(0, size * latentDim), start * latentDim);
      status.textContent = `Encoding ${count} test digits… ${start + size} / ${count}`;
    }
    projection = fitScatterProjection(mu, count, latentDim);
    status.textContent = `Encoder means of the first ${count} test digits.`;
    caption.textContent = projection.description;
    caption.hidden = false;
    showLegend();
    draw();
    clearViewError(container);
    mounted.markReady();
  };
  encodeAll().catch((error: unknown) => {
    if (mounted.disposed) return;
    status.textContent = '';
    showViewError(container, 'Could not encode the test digits', error);
  });

  return {
    mark(z) {
      if (z !== null && z.length !== latentDim) throw new RangeError(`mark: z must have latentDim = ${latentDim} values, got ${z.length}`);
      marked = z === null ? null : Float32Array.from(z);
      draw();
    },
    dispose: mounted.dispose,
  };
}

function drawAxes(context: CanvasRenderingContext2D, rect: PlotRect, scale: ReturnType<typeof fitScatterScale>, projection: ScatterProjection): void {
  const { left, top, width, height } = rect;
  const bottom = top + height;
  context.fillStyle = '#fff';
  context.fillRect(0, 0, context.canvas.width, context.canvas.height);
  context.font = '11px system-ui, sans-serif';
  context.lineWidth = 1;
  context.fillStyle = '#333';

  context.strokeStyle = '#e6e6e6';
  context.textAlign = 'center';
  context.textBaseline = 'top';
  for (const t of niceTicks(scale.xDomain[0], scale.xDomain[1], Math.max(2, Math.round(width / 80)))) {
    const x = Math.round(scale.x(t)) + 0.5;
    context.beginPath();
    context.moveTo(x, top);
    context.lineTo(x, bottom);
    context.stroke();
    context.fillText(formatTick(t), x, bottom + 4);
  }
  context.textAlign = 'right';
  context.textBaseline = 'middle';
  for (const t of niceTicks(scale.yDomain[0], scale.yDomain[1], Math.max(2, Math.round(height / 50)))) {
    const y = Math.round(scale.y(t)) + 0.5;
    context.beginPath();
    context.moveTo(left, y);
    context.lineTo(left + width, y);
    context.stroke();
    context.fillText(formatTick(t), left - 4, y);
  }
  context.strokeStyle = '#333';
  context.strokeRect(left + 0.5, top + 0.5, width, height);

  context.font = '12px system-ui, sans-serif';
  context.textAlign = 'center';
  context.textBaseline = 'bottom';
  context.fillText(projection.xLabel, left + width / 2, bottom + 34);
  if (projection.yLabel) {
    context.save();
    context.translate(12, top + height / 2);
    context.rotate(-Math.PI / 2);
    context.textBaseline = 'middle';
    context.fillText(projection.yLabel, 0, 0);
    context.restore();
  }
}

/** Tick text without float noise (`0.30000000000000004` → `0.3`). */
function formatTick(value: number): string {
  return String(Number(value.toPrecision(6)));
}
