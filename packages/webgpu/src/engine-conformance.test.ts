import * as tf from '@tensorflow/tfjs-core';
import { describeEngineConformance } from '@vae/train/testing';
import { fusedWebgpuDeclines } from './fused-plan.js';
import { fusedWebgpuStepEngine } from './fused-step-engine.js';
import { swiftShaderDevice, swiftShaderMissing } from './test-device.js';

// The fused step on SwiftShader (Dawn in Node), against @vae/train's reference on the CPU backend,
// which also evaluates beside it here. In CI a missing SwiftShader fails the suite instead of skipping.
const unavailable = swiftShaderMissing();
const device = unavailable === null ? (await swiftShaderDevice()).device : undefined;

describeEngineConformance({
  name: 'webgpu-fused (SwiftShader)',
  unavailable,
  activate: async () => void (await tf.setBackend('cpu')),
  engine: (context) => fusedWebgpuStepEngine(device!)(context),
  supports: (model) => fusedWebgpuDeclines(model) ?? true,
});
