import { DEFAULT_TEST_FRACTION, imageShape, parseImageSize, valuesPerImage, type MnistSplit } from '@vae/data';
import type { ImageShape } from '@vae/model';
import type { EpochMetrics } from '@vae/train';
import { grayToRgba, imageGrid } from '@vae/viz';
import { addBatchPoint, addEpochPoint, emptyLossSeries, etaSeconds, lossSeriesOf, type LossSeries } from './chart-data.js';
import { sortDrop } from './dropped-files.js';
import { filesOfDrop, filesOfList, type DroppedFile } from './drop-entries.js';
import { BACKEND_CHOICES, type BackendChoice } from './engines.js';
import { mountExplorer } from './explore/mount-explorer.js';
import { LossChart } from './loss-chart.js';
import type { ModelInfo } from './model-client.js';
import { downloadModel } from './model-download.js';
import { renderRunList } from './run-list.js';
import { renderSweepList } from './sweep-list.js';
import { readTrainSettings } from './train-settings-form.js';
import type { DataReport, EngineReport, ModelFiles, WebTrainSettings, WorkerEvent } from './worker/protocol.js';
import { WorkerClient } from './worker/worker-client.js';

const el = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const button = (id: string) => el<HTMLButtonElement>(id);

/** What the page shows; the worker holds the tensors. */
const page = {
  client: undefined as WorkerClient | undefined,
  engine: undefined as EngineReport | undefined,
  data: undefined as (DataReport & { split: MnistSplit }) | undefined,
  model: undefined as ModelInfo | undefined,
  settings: undefined as WebTrainSettings | undefined,
  series: emptyLossSeries() as LossSeries,
  chart: undefined as LossChart | undefined,
  explorer: undefined as { dispose(): void } | undefined,
  lastEpoch: undefined as EpochMetrics | undefined,
  /** The epochs of the run on show, as the worker reported them. */
  metrics: [] as EpochMetrics[],
  status: 'idle',
};

function showError(message: string, restart = false): void {
  el('error-text').textContent = `Error: ${message}`;
  button('restart').hidden = !restart;
  el('error').hidden = false;
  document.body.dataset.error = message;
}

function clearError(): void {
  el('error').hidden = true;
  delete document.body.dataset.error;
}

/** Runs `action`; a failure is shown on the page (and logged), never only in the console. */
async function guarded(what: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    console.error(error);
    showError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function requestedBackend(): BackendChoice {
  const param = new URLSearchParams(location.search).get('backend') ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(param)) throw new Error(`unknown ?backend=${param}; use one of ${BACKEND_CHOICES.join(', ')}`);
  return param as BackendChoice;
}

/** `?threads=n` fixes the WebAssembly thread count (1: none), for comparing speeds. */
function requestedWasmThreads(): number {
  const param = new URLSearchParams(location.search).get('threads');
  if (param === null) return 0;
  const n = Number(param);
  if (!Number.isInteger(n) || n < 1) throw new Error(`?threads=${param}: expected a whole number ≥ 1`);
  return n;
}

/** `28×28` for grey images, `32×32×3` with channels. */
const imageSize = ({ height, width, channels }: ImageShape) => (channels === 1 ? `${height}×${width}` : `${height}×${width}×${channels}`);

/** The sample grid, in the model's image shape: grey, RGB for 3 channels (other counts: a gray panel per channel). */
function drawGrid(pixels: Float32Array, image: ImageShape): void {
  const { height, width, channels } = image;
  const grid = imageGrid(pixels, { count: pixels.length / (height * width * channels), width, height, channels });
  const canvas = el<HTMLCanvasElement>('grid');
  canvas.width = grid.width;
  canvas.height = grid.height;
  canvas.getContext('2d')!.putImageData(new ImageData(grayToRgba(grid), grid.width, grid.height), 0, 0);
  canvas.dataset.drawn = String(Number(canvas.dataset.drawn ?? 0) + 1);
}

const seconds = (s: number) => (s >= 90 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(1)} s`);
const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')} samples/s`;

function updateButtons(): void {
  const { status } = page;
  const ready = page.client !== undefined && page.data !== undefined;
  button('train').disabled = !ready || status === 'training';
  button('pause').disabled = status !== 'training';
  button('stop').disabled = status !== 'training' && status !== 'paused';
  button('resume').disabled = status !== 'paused';
  button('save').disabled = page.model === undefined || status === 'training';
  document.body.dataset.training = status;
}

function onWorkerEvent(event: WorkerEvent): void {
  switch (event.type) {
    case 'status':
      page.status = event.status;
      updateButtons();
      // The views explore the model as it stands: rebuilt whenever training rests, set aside while it runs.
      if (event.status === 'training') closeExplorer('Exploring waits while the model trains: pause or stop to explore it as it is now.');
      else if (page.model) openModel(page.model);
      if (event.status === 'done' && page.lastEpoch) el('progress').textContent = `Done: test loss ${page.lastEpoch.testLoss.toFixed(2)} after ${page.lastEpoch.epoch} epochs.`;
      if (event.status === 'paused') el('progress').textContent += ' (paused)';
      if (event.status === 'stopped') el('progress').textContent += ' (stopped)';
      break;
    case 'batch': {
      page.series = addBatchPoint(page.series, event.epoch, event.batch, event.batches, event.loss);
      page.chart?.update(page.series);
      const eta = page.settings
        ? etaSeconds({ ...event, batchSize: page.settings.batchSize, evalSeconds: page.lastEpoch?.evalSeconds ?? 0 })
        : undefined;
      el('progress').textContent =
        `Epoch ${event.epoch}/${event.epochs}, batch ${event.batch}/${event.batches}` +
        (event.loss === undefined ? '' : `, loss ${event.loss.toFixed(2)}`) +
        ` · ${rate(event.samplesPerSecond)}` +
        (page.lastEpoch ? ` · last epoch ${seconds(page.lastEpoch.seconds)}` : '') +
        (eta === undefined ? '' : ` · ETA ${seconds(eta)}`);
      document.body.dataset.step = String(event.step);
      break;
    }
    case 'epoch':
      page.lastEpoch = event.metrics;
      page.metrics = [...page.metrics.filter((m) => m.epoch < event.metrics.epoch), event.metrics];
      page.series = addEpochPoint(page.series, event.metrics);
      page.chart?.update(page.series);
      drawGrid(event.grid, event.image);
      document.body.dataset.epochs = String(event.metrics.epoch);
      document.body.dataset.testLoss = String(event.metrics.testLoss);
      break;
    case 'model':
      openModel(event.info);
      break;
    case 'device-lost':
      page.status = 'stopped';
      updateButtons();
      showError(`the GPU device was lost (${event.message}). The model of the last finished epoch is kept in this browser; restart to go on from there.`, true);
      break;
    case 'error':
      showError(event.message);
      break;
  }
}

function closeExplorer(note: string): void {
  page.explorer?.dispose();
  page.explorer = undefined;
  el('explore').replaceChildren(Object.assign(document.createElement('p'), { className: 'muted', textContent: note }));
}

/** Shows the open model and (re)builds the explore views on it (not while it trains). */
function openModel(info: ModelInfo): void {
  page.model = info;
  updateButtons();
  closeExplorer('');
  el('model').textContent = `Open model: ${info.source} · latent dimension ${info.latentDim} · ${imageSize(info.image)} images · inputs scaled "${info.normalization}".`;
  document.body.dataset.model = info.source;
  const { data, client } = page;
  if (!data || !client) return;
  if (page.status === 'training') {
    closeExplorer('Exploring waits while the model trains: pause or stop to explore it as it is now.');
    return;
  }
  el('explore').replaceChildren();
  if (info.inputDim !== valuesPerImage(data)) {
    showError(
      `the open model takes ${imageSize(info.image)} images (${info.inputDim} values) but the data here is ${imageSize(imageShape(data))} (${valuesPerImage(data)}); open data of the model's size to explore it`,
    );
    return;
  }
  page.explorer = mountExplorer(el('explore'), client.modelClient(info), data.split, { classNames: data.folder?.classes });
}

async function loadData(client: WorkerClient, request: Parameters<WorkerClient['request']>[0] & { type: 'load-data' }, transfer: Transferable[] = []): Promise<void> {
  const report = await client.request(request, transfer);
  page.data = {
    ...report,
    split: { images: report.testImages, labels: report.testLabels, count: report.test, rows: report.rows, cols: report.cols, channels: report.channels },
  };
  const skipped = report.folder?.skipped ?? [];
  const resized = report.folder?.resized ?? 0;
  el('data').textContent =
    `Data: ${report.description} (${report.train.toLocaleString('en-US')} train / ${report.test.toLocaleString('en-US')} test images, ${imageSize(imageShape(report))}).` +
    (resized > 0 ? ` ${resized.toLocaleString('en-US')} images of other sizes were cropped (centred) and scaled.` : '') +
    (skipped.length > 0 ? ` Skipped ${skipped.length.toLocaleString('en-US')} files that are not usable images (e.g. ${skipped[0]!.path}: ${skipped[0]!.reason}).` : '');
  document.body.dataset.data = report.description;
  const form = el<HTMLFormElement>('settings');
  (form.elements.namedItem('trainSize') as HTMLInputElement).value = String(report.train);
  (form.elements.namedItem('testSize') as HTMLInputElement).value = String(report.test);
  if (page.model) openModel(page.model);
  updateButtons();
}

function describeEngine(engine: EngineReport, choice: BackendChoice): void {
  // The engine trains; its label says the tfjs backend that evaluates beside it when that differs.
  el('backend').textContent = `Engine: ${engine.name} (${engine.label}${engine.software && !/software/i.test(engine.label) ? ', a software adapter' : ''})`;
  document.body.dataset.backend = engine.name;
  const reasons = [...(choice === 'auto' ? [] : [`?backend=${choice} was asked for`]), ...engine.skipped];
  el('fallback').hidden = reasons.length === 0;
  el('fallback').textContent = reasons.length === 0 ? '' : `${engine.skipped.length > 0 ? 'Fell back to' : 'Using'} ${engine.name}: ${reasons.join('; ')}.`;
}

/** Starts (or restarts) the worker: engine, data, and the model kept from the last visit. */
async function startWorker(): Promise<void> {
  page.client?.terminate();
  page.explorer?.dispose();
  page.explorer = undefined;
  page.status = 'idle';
  const worker = new Worker(new URL('./worker/training-worker.ts', import.meta.url), { type: 'module', name: 'vae-training' });
  const client = new WorkerClient(worker, onWorkerEvent);
  page.client = client;
  const choice = requestedBackend();
  page.engine = await client.request({ type: 'init', backend: choice, wasmThreads: requestedWasmThreads() });
  describeEngine(page.engine, choice);
  await loadData(client, { type: 'load-data', data: { kind: 'url', baseUrl: new URL('data/', document.baseURI).href } });
  const saved = await client.request({ type: 'restore-saved' });
  if (saved) {
    page.series = lossSeriesOf(saved.metrics);
    page.chart?.update(page.series);
    page.lastEpoch = saved.metrics.at(-1);
    page.metrics = saved.metrics;
    page.settings = saved.settings ?? undefined;
    page.status = saved.resumable ? 'paused' : 'idle';
    el('progress').textContent = `Kept from your last visit (${saved.savedAt}): ${saved.metrics.length} epochs${page.lastEpoch ? `, test loss ${page.lastEpoch.testLoss.toFixed(2)}` : ''}${saved.resumable ? '; Resume goes on training it.' : '.'}`;
    openModel(saved.info);
  }
  updateButtons();
}

async function train(): Promise<void> {
  const client = page.client!;
  const fields = Object.fromEntries([...new FormData(el<HTMLFormElement>('settings')).entries()].map(([k, v]) => [k, String(v)]));
  const settings = readTrainSettings(fields, { train: page.data!.train, test: page.data!.test });
  clearError();
  page.settings = settings;
  page.series = emptyLossSeries();
  page.lastEpoch = undefined;
  page.metrics = [];
  page.chart?.update(page.series);
  el('progress').textContent = 'Starting…';
  page.status = 'training';
  updateButtons();
  try {
    await client.request({ type: 'train', settings });
  } catch (error) {
    page.status = 'idle';
    updateButtons();
    throw error;
  }
}

async function saveModel(): Promise<void> {
  const files: ModelFiles = await page.client!.request({ type: 'save-model' });
  downloadModel(files);
}

async function openRun(name: string): Promise<void> {
  const base = `api/runs/${encodeURIComponent(name)}/model/`;
  const fetchOk = async (file: string) => {
    const response = await fetch(base + file);
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as { error?: string } | null;
      throw new Error(body?.error ?? `runs/${name}/model/${file}: HTTP ${response.status}`);
    }
    return response;
  };
  const [json, weights] = await Promise.all([fetchOk('model.json').then((r) => r.json()), fetchOk('weights.bin').then((r) => r.arrayBuffer())]);
  clearError();
  await page.client!.request({ type: 'open-model', files: { modelJson: json, weights: new Uint8Array(weights) }, source: `CLI run ${name}` }, [weights]);
}

async function onDrop(event: DragEvent): Promise<void> {
  await useFiles(await filesOfDrop(event.dataTransfer!));
}

/** The image-size and channels fields, for a folder of images. */
function folderOptions() {
  const size = el<HTMLInputElement>('image-size').value.trim();
  const channels = el<HTMLSelectElement>('channels').value;
  let imageSize;
  try {
    imageSize = size === '' ? undefined : parseImageSize(size);
  } catch (error) {
    throw new Error(`image size: ${(error as Error).message}`);
  }
  return { imageSize, channels: channels === '' ? undefined : (Number(channels) as 1 | 3), testFraction: DEFAULT_TEST_FRACTION };
}

/** Dropped or picked files: a folder of images or MNIST-format files become the data, a model's two files open it. */
async function useFiles(files: DroppedFile[]): Promise<void> {
  const contents = sortDrop(files);
  if (contents.problems.length > 0) throw new Error(contents.problems.join('; '));
  const client = page.client!;
  clearError();
  if (contents.images) {
    const { name, files: entries } = contents.images;
    el('data').textContent = `Decoding ${entries.length.toLocaleString('en-US')} files of ${name}…`;
    await loadData(client, { type: 'load-data', data: { kind: 'images', folder: name, files: entries.map((e) => ({ path: e.path, file: e.file.file })), options: folderOptions() } });
  }
  if (contents.mnist) {
    const entries = await Promise.all(Object.entries(contents.mnist).map(async ([role, dropped]) => [role, new Uint8Array(await dropped.file.arrayBuffer())] as const));
    const bytes = Object.fromEntries(entries) as Record<string, Uint8Array>;
    const names = Object.values(contents.mnist).map((f) => f.name.split('/').pop()!);
    await loadData(client, { type: 'load-data', data: { kind: 'files', files: bytes as never, description: `dropped files (${names.join(', ')})` } }, Object.values(bytes).map((b) => b.buffer));
  }
  if (contents.model) {
    const { json, weights } = contents.model;
    let modelJson: unknown;
    try {
      modelJson = JSON.parse(await json.file.text());
    } catch (error) {
      throw new Error(`${json.name}: not JSON (${(error as Error).message})`);
    }
    const bytes = new Uint8Array(await weights.file.arrayBuffer());
    await client.request({ type: 'open-model', files: { modelJson, weights: bytes }, source: `dropped ${json.name}` }, [bytes.buffer]);
  }
}

function wire(): void {
  button('train').addEventListener('click', () => void guarded('could not start training', train));
  button('pause').addEventListener('click', () => void guarded('could not pause', async () => void (await page.client!.request({ type: 'pause' }))));
  button('resume').addEventListener('click', () => void guarded('could not resume', async () => void (await page.client!.request({ type: 'resume' }))));
  button('stop').addEventListener('click', () => void guarded('could not stop', async () => void (await page.client!.request({ type: 'stop' }))));
  button('save').addEventListener('click', () => void guarded('could not save the model', saveModel));
  button('restart').addEventListener('click', () => {
    clearError();
    void guarded('could not restart', startWorker);
  });
  const picker = el<HTMLInputElement>('pick-folder');
  picker.addEventListener('change', () => {
    const files = filesOfList(picker.files!);
    picker.value = '';
    void guarded('could not use the picked folder', () => useFiles(files));
  });
  // Drop anywhere: MNIST-format files replace the data, a model's two files open the model.
  let depth = 0;
  document.addEventListener('dragenter', (e) => {
    e.preventDefault();
    depth++;
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => {
    if (--depth <= 0) document.body.classList.remove('dragging');
  });
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    document.body.classList.remove('dragging');
    void guarded('could not use the dropped files', () => onDrop(e));
  });
}

/**
 * The open model from the devtools console (and the end-to-end tests): `await vae.decode([[0, 0, …]])`
 * gives each z's pixel means, `vae.model` says what is open, `vae.metrics` what each epoch measured.
 */
const consoleApi = {
  get model(): ModelInfo | undefined {
    return page.model;
  },
  get metrics(): EpochMetrics[] {
    return page.metrics;
  },
  async decode(latents: number[][]): Promise<number[][]> {
    const info = page.model;
    if (!info || !page.client) throw new Error('no model is open');
    const pixels = await page.client.modelClient(info).decode(Float32Array.from(latents.flat()), latents.length);
    return latents.map((_, i) => Array.from(pixels.subarray(i * info.inputDim, (i + 1) * info.inputDim)));
  },
};

async function main(): Promise<void> {
  (globalThis as unknown as { vae: typeof consoleApi }).vae = consoleApi;
  wire();
  page.chart = new LossChart(el('loss-chart'));
  void renderRunList(el('runs'), (name) => guarded(`could not open run ${name}`, () => openRun(name)));
  void renderSweepList(el('sweeps'));
  await startWorker();
  document.body.dataset.status = 'ready';
}

main().catch((error: unknown) => {
  console.error(error);
  showError(error instanceof Error ? error.message : String(error));
  document.body.dataset.status = 'error';
});
