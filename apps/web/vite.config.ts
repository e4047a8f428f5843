import { defineConfig } from 'vite';

export default defineConfig({
  // TensorFlow.js with three backends is one ~670 kB chunk; that is expected, not a warning.
  build: { chunkSizeWarningLimit: 1024 },
});
