import { defineConfig } from 'vitest/config';
import { resolveFromSource } from '../../vitest.source.js';

export default defineConfig({
  ...resolveFromSource,
  test: { testTimeout: 120_000 },
});
