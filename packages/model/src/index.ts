export { denseBackward, denseForward, type Activation, type DenseGrads, type DenseParams } from './dense.js';
export { crc32, crc32Hex } from './crc32.js';
export { ModelFileError } from './errors.js';

export { matMulT } from './matmul.js';
export { tfSeed } from './seed.js';
export {
  MODEL_FORMAT,
  MLP_MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  WEIGHTS_FILE,
  deserializeVae,
  parseModelJson,
  serializeVae,
  type ModelArtifacts,
  type ModelJson,
} from './serialize.js';
export { Vae, disposeForwardPass, type ForwardPass, type OutputGradients, type VaeOptions } from './vae.js';
// The description (also `@vae/model/description`, without TensorFlow.js).
export * from './description-entry.js';
export { conv2dFilterGrad, conv2dTransposeByConv, layerBackward, layerForward, type LayerGrads, type LayerParams } from './layer-ops.js';
export { linearInit, uniformInit } from './init.js';
