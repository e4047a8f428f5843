import type { EpochMetrics } from '@vae/train';
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { WebTrainSettings } from './protocol.js';

/** The last model the page trained, kept between visits so a reload or a lost GPU loses at most an epoch. */
export interface SavedRun {
  version: typeof SAVED_RUN_VERSION;
  savedAt: string;
  /** `model.json` and `weights.bin`, as the CLI writes them. */
  modelJson: unknown;
  weights: Uint8Array;
  /** The run's checkpoint (weights, Adam moments, position), to go on training; null for a model opened from files. */
  checkpoint: Uint8Array | null;
  metrics: EpochMetrics[];
  settings: WebTrainSettings | null;
}

const SAVED_RUN_VERSION = 1;
const KEY = 'last-run';
let store: UseStore | undefined;
const db = () => (store ??= createStore('vae-ts', 'runs'));

export async function saveRun(run: Omit<SavedRun, 'version'>): Promise<void> {
  await set(KEY, { ...run, version: SAVED_RUN_VERSION }, db());
}

/** The kept run, or undefined when there is none or it was written by another version of the page (then it is dropped). */
export async function loadSavedRun(): Promise<SavedRun | undefined> {
  const saved = await get<SavedRun>(KEY, db());
  if (!saved) return undefined;
  if (saved.version !== SAVED_RUN_VERSION || !(saved.weights instanceof Uint8Array)) {
    await del(KEY, db());
    return undefined;
  }
  return saved;
}
