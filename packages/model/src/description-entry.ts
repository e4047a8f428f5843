/**
 * @vae/model/description: the model description without TensorFlow.js (for engines and tools that
 * read a network's layers and weight shapes but never build it on tfjs, e.g. the native addon's wrapper).
 */
export { DEFAULT_VAE_CONFIG, resolveVaeConfig, type VaeConfig } from './config.js';
export {
  ACTIVATIONS,
  ModelDescriptionError,
  canonicalJson,
  convDescription,
  convOutputSize,
  convTransposeOutputSize,
  guessImageShape,
  mlpConfigOf,
  mlpDescription,
  resolveModel,
  sameDescription,
  weightShapes,
  type Activation,
  type Conv2dLayer,
  type Conv2dTransposeLayer,
  type ConvVaeOptions,
  type DenseLayer,
  type ExampleShape,
  type ImageShape,
  type LayerDescription,
  type LayerType,
  type ModelDescription,
  type ReshapeLayer,
  type ResolvedLayer,
  type ResolvedModel,
  type ResolvedStep,
  type WeightedLayer,
} from './description.js';
