import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The smoke test builds the app and drives headless Chromium; SwiftShader WebGPU is slow.
  // server/: the Vite plugin (data/ and api/runs), Node only.
  test: { include: ['src/**/*.test.ts', 'server/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 90_000 },
});
