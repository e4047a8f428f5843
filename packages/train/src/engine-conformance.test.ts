import * as tf from '@tensorflow/tfjs-core';
import { hostAdamStepEngine } from './host-adam-engine.js';
import { describeEngineConformance } from './testing/index.js';
import { tfjsStepEngine } from './tfjs-engine.js';

// The engines @vae/train itself provides, on the backends that ship with tfjs (cpu, wasm). The
// native and WebGPU engines run the same suite in @vae/native and apps/cli.
const on = (backend: string) => async () => void (await tf.setBackend(backend));

describeEngineConformance({ name: 'tfjs (cpu)', unavailable: null, activate: on('cpu'), engine: tfjsStepEngine });
describeEngineConformance({ name: 'tfjs (wasm)', unavailable: null, activate: on('wasm'), engine: tfjsStepEngine });
describeEngineConformance({ name: 'host Adam (wasm)', unavailable: null, activate: on('wasm'), engine: hostAdamStepEngine, cpu: true });
describeEngineConformance({ name: 'host Adam (cpu)', unavailable: null, activate: on('cpu'), engine: hostAdamStepEngine, cpu: true });
