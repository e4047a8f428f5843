export {
  MANIFOLD_GRID_RANGE,
  interpolateLatents,
  manifoldGridLatents,
  type InterpolationMode,
  type ManifoldGridOptions,
} from './latent-paths.js';
export { normalQuantile } from './normal-quantile.js';
export { SAMPLE_GRID_COUNT, sampleGridLatents } from './sample-grid.js';
