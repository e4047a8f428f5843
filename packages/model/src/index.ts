export { DEFAULT_VAE_CONFIG, layerSpecs, resolveVaeConfig, type LayerSpec, type VaeConfig } from './config.js';
export { denseBackward, denseForward, type Activation, type DenseGrads, type DenseParams } from './dense.js';
export { crc32, crc32Hex } from './crc32.js';
export { ModelFileError } from './errors.js';
export { linearInit } from './init.js';
export { matMulT } from './matmul.js';
export { tfSeed } from './seed.js';
export {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  WEIGHTS_FILE,
  deserializeVae,
  parseModelJson,
  serializeVae,
  type ModelArtifacts,
  type ModelJson,
} from './serialize.js';
export { Vae, disposeForwardPass, type ForwardPass, type OutputGradients, type VaeOptions } from './vae.js';
