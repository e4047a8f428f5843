import { defineConfig } from 'vitest/config';
import { resolveFromSource } from '../../vitest.source.js';

export default defineConfig({
  ...resolveFromSource,
  // SwiftShader runs WebGPU on the CPU: a conformance run takes minutes, and the GPU is one device.
  test: { setupFiles: ['src/test-setup.ts'], testTimeout: 300_000, fileParallelism: false },
});
