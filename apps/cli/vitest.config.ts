import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The end-to-end tests run the built CLI (turbo builds it first) and train real models.
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
