/// <reference lib="webworker" />
/**
 * The page's TensorFlow.js lives here, off the main thread: the engine, the data, the open model and
 * the training run. The page talks to it through `WorkerClient` (protocol.ts); nothing here touches
 * the DOM, so training never freezes the page.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { assembleImageFolder, describeImageFolder, fetchMnist, imageShape, mnistFromFileBytes, type ImageFolderReport, type MnistData } from '@vae/data';
import { browserImageDecoder } from './image-decoder.js';
import { mlpDescription, serializeVae, deserializeVae, Vae } from '@vae/model';
import { DEFAULT_TRAIN_SETTINGS, type ActiveEngine } from '@vae/train';
import { browserEngineRegistry } from '../engines.js';
import type { ModelInfo } from '../model-client.js';
import { decodeLatents, encodePixels, modelInfoOf } from './model-ops.js';
import { loadSavedRun, saveRun, type SavedRun } from './saved-run.js';
import type { EngineReport, ReplyValue, RequestMessage, WorkerEvent, WorkerMessage, WorkerRequest } from './protocol.js';
import { TrainingRun } from './training-run.js';

declare const self: DedicatedWorkerGlobalScope;

// Vite emits the .wasm binaries as assets; tell the wasm backend where they ended up.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

const post = (message: WorkerMessage, transfer: Transferable[] = []) => self.postMessage(message, transfer);
const emit = (event: WorkerEvent, transfer: Transferable[] = []) => post({ type: 'event', event }, transfer);

let engine: ActiveEngine | undefined;
let data: MnistData | undefined;
/** The open model: trained here, opened from files, or restored from IndexedDB. */
let model: Vae | undefined;
let info: ModelInfo | undefined;
let run: TrainingRun | undefined;

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(what);
  return value;
}

function replaceModel(next: Vae, nextInfo: ModelInfo): ModelInfo {
  if (run?.busy) {
    next.dispose();
    throw new Error('a training run is under way: pause or stop it before opening another model');
  }
  run?.dispose();
  run = undefined;
  model?.dispose();
  model = next;
  info = nextInfo;
  emit({ type: 'model', info: nextInfo });
  return nextInfo;
}

async function init(backend: WorkerRequest & { type: 'init' }): Promise<EngineReport> {
  const { engine: active, skipped } = await browserEngineRegistry({ wasmThreads: backend.wasmThreads }).resolve(backend.backend, {
    model: mlpDescription(),
    settings: DEFAULT_TRAIN_SETTINGS,
  });
  engine = active;
  watchDeviceLoss();
  return { name: active.name, backend: active.backend, label: active.device.label, kind: active.device.kind, software: active.device.software === true, skipped };
}

/** A lost WebGPU device (driver reset, GPU removed, tab backgrounded too long) ends this worker's usefulness: say so, the page restarts it. */
function watchDeviceLoss(): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ reason: string; message: string }> } }).device;
  void device?.lost?.then((lost) => {
    if (lost.reason === 'destroyed') return; // we disposed of it ourselves
    run?.abort('stopped');
    emit({ type: 'device-lost', message: lost.message || 'the GPU device was lost' });
  });
}

async function handle(request: WorkerRequest): Promise<{ value: unknown; transfer?: Transferable[] }> {
  switch (request.type) {
    case 'init':
      return { value: await init(request) };
    case 'load-data': {
      if (run?.busy) throw new Error('a training run is under way: stop it before changing the data');
      const source = request.data;
      let folder: ImageFolderReport | undefined;
      if (source.kind === 'images') {
        const made = await assembleImageFolder(source.folder, source.files, browserImageDecoder, source.options);
        folder = made.report;
        data = { train: made.train, test: made.test, source: { kind: 'folder', description: describeImageFolder(made.report) } };
      } else {
        data = source.kind === 'url' ? await fetchMnist(source.baseUrl) : mnistFromFileBytes(source.files, { kind: 'files', description: source.description });
      }
      const test = data.test;
      const value: ReplyValue['load-data'] = {
        description: data.source.description,
        train: data.train.count,
        test: test.count,
        rows: test.rows,
        cols: test.cols,
        channels: imageShape(test).channels,
        ...(folder ? { folder } : {}),
        testImages: test.images.slice(),
        testLabels: test.labels.slice(),
      };
      return { value, transfer: [value.testImages.buffer, value.testLabels.buffer] };
    }
    case 'train': {
      const active = need(engine, 'no engine yet: init first');
      const dataset = need(data, 'no data loaded yet');
      const next = new TrainingRun({ settings: request.settings, data: dataset, engine: active, emit, onSaved: persist });
      replaceModel(next.model, next.info);
      run = next;
      run.start();
      return { value: null };
    }
    case 'pause':
      need(run, 'nothing is training').abort('paused');
      return { value: null };
    case 'stop':
      need(run, 'nothing is training').abort('stopped');
      return { value: null };
    case 'resume': {
      const current = need(run, 'nothing to resume: start a run first');
      await current.resume();
      return { value: null };
    }
    case 'open-model': {
      const vae = deserializeVae(request.files.modelJson, request.files.weights, request.source);
      return { value: replaceModel(vae, modelInfoOf(vae, request.files.modelJson, request.source)) };
    }
    case 'restore-saved':
      return { value: await restoreSaved() };
    case 'save-model': {
      const vae = need(model, 'no model is open');
      const artifacts = await serializeVae(vae, run?.metadata() ?? { savedFrom: 'vae-ts web page', source: info?.source });
      return { value: { modelJson: artifacts.modelJson, weights: artifacts.weights }, transfer: [artifacts.weights.buffer] };
    }
    case 'decode': {
      const pixels = await decodeLatents(need(model, 'no model is open'), request.z, request.count);
      return { value: pixels, transfer: [pixels.buffer] };
    }
    case 'encode': {
      const { mu, logVar } = await encodePixels(need(model, 'no model is open'), need(info, 'no model is open').normalization, request.pixels, request.count);
      return { value: { mu, logVar }, transfer: [mu.buffer, logVar.buffer] };
    }
  }
}

/** Keeps the run's latest model and checkpoint in IndexedDB: a reload or a lost GPU loses at most an epoch. */
async function persist(saved: Omit<SavedRun, 'version'>): Promise<void> {
  try {
    await saveRun(saved);
  } catch (error) {
    emit({ type: 'error', message: `could not keep the model in this browser's storage (IndexedDB): ${(error as Error).message}` });
  }
}

async function restoreSaved(): Promise<ReplyValue['restore-saved']> {
  const saved = await loadSavedRun();
  if (!saved) return null;
  const vae = deserializeVae(saved.modelJson, saved.weights, 'the model kept in this browser');
  const restoredInfo = modelInfoOf(vae, saved.modelJson, `kept in this browser (${saved.savedAt})`);
  replaceModel(vae, restoredInfo);
  if (saved.checkpoint && saved.settings && engine && data) {
    run = TrainingRun.fromCheckpoint({ settings: saved.settings, data, engine, emit, onSaved: persist, model: vae, info: restoredInfo, checkpoint: saved.checkpoint, metrics: saved.metrics });
  }
  return { info: restoredInfo, savedAt: saved.savedAt, metrics: saved.metrics, settings: saved.settings, resumable: run !== undefined };
}

self.onmessage = (message: MessageEvent<RequestMessage>) => {
  const { id, ...request } = message.data;
  handle(request as WorkerRequest).then(
    ({ value, transfer }) => post({ type: 'reply', id, ok: true, value }, transfer),
    (error: unknown) => post({ type: 'reply', id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
};
