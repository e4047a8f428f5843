import { availableParallelism } from 'node:os';
import { convDescription, mlpDescription } from '@vae/model';
import type { EngineRegistry } from '@vae/train';
import { nodeEngineRegistry } from '../engines/node-engines.js';
import type { TrainRunConfig } from '../train-options.js';

/**
 * Threads one run keeps busy on `engine`: the native engine steps on min(2, cores) threads; wasm
 * and plain JS on one; an engine on a GPU (or TensorFlow's C library, which takes every core) is
 * the machine's: one run at a time.
 */
export function threadsPerRun(engine: string, onGpu: boolean, cores = availableParallelism()): number {
  if (onGpu || engine === 'tensorflow') return cores;
  if (engine === 'native') return Math.max(1, Math.min(2, cores));
  return 1;
}

/**
 * How many runs at a time, by default: cores ÷ threads per run of the engine the first run would
 * get (`--backend`, or what `auto` takes here), at least 1. Runs that share cores slow each other
 * down as much as they gain.
 */
export async function defaultParallelRuns(config: TrainRunConfig, registry: EngineRegistry = nodeEngineRegistry(), cores = availableParallelism()): Promise<{ parallel: number; why: string }> {
  const model = config.architecture === 'conv' ? convDescription({ latentDim: config.latentDim }) : mlpDescription({ latentDim: config.latentDim });
  let engine = config.backend;
  let onGpu = false;
  try {
    const { candidates } = await registry.choose(config.backend, { model, settings: config });
    const pick = candidates[0];
    if (pick) {
      engine = pick.definition.name;
      onGpu = pick.device.kind === 'gpu';
    }
  } catch {
    // An engine asked for by name that is not here: each run will say so; one at a time until then.
  }
  const threads = threadsPerRun(engine, onGpu, cores);
  const parallel = Math.max(1, Math.floor(cores / threads));
  return { parallel, why: `${cores} core${cores === 1 ? '' : 's'} ÷ ${threads} thread${threads === 1 ? '' : 's'} per ${engine}${onGpu ? ' (GPU)' : ''} run` };
}
