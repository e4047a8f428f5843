export type { GrayImage, RgbImage, RasterImage } from './gray-image.js';
export { imageGrid, type ImageGridOptions } from './image-grid.js';
export { encodePng, type EncodePngOptions } from './encode-png.js';
export { grayToRgba } from './gray-to-rgba.js';
export { lossCurveSvg, type LossCurveOptions, type LossSeries } from './loss-curve-svg.js';
export { latentScatterSvg, type LatentScatterOptions } from './latent-scatter-svg.js';
export { niceTicks } from './nice-ticks.js';
export { categoricalPalette } from './categorical-palette.js';
export { pcaProject, pcaTransform, type PcaProjection } from './pca.js';
