import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { tfjsStepEngine } from '@vae/train';
import { describeEngineConformance } from '@vae/train/testing';
import { nodeEngineRegistry, REFERENCE_REQUEST } from './node-engines.js';
import { SWIFTSHADER_ICD } from './webgpu-node.js';

// WebGPU in Node, on whatever adapter Dawn finds; without a GPU, Chromium's SwiftShader (CPU
// Vulkan) when Debian's chromium is installed: slow, but the real WebGPU backend and shaders.
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

const registry = nodeEngineRegistry();
const probe = await registry.probe('webgpu');
let active = false;

describeEngineConformance({
  name: `webgpu in Node (${probe.available ? probe.device.label : 'no adapter'})`,
  unavailable: probe.available ? null : `${probe.reason} (install Debian's chromium and libvulkan1 for SwiftShader)`,
  async activate() {
    if (!active) {
      await registry.resolve('webgpu', REFERENCE_REQUEST);
      active = true;
    }
    if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend did not start');
  },
  // The engine `train` takes by default on a device backend: tfjs ops and tfjs' Adam, all on the GPU.
  engine: tfjsStepEngine,
  tolerance: 1e-4,
});
