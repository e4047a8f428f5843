export { bernoulliNegLogLikelihood, bernoulliNegLogLikelihoodGrad } from './bernoulli.js';
export { elbo, elboGrad, type ElboOptions, type ElboParts, type VaeOutputs } from './elbo.js';
export {
  gaussianMean,
  gaussianNegLogLikelihood,
  gaussianNegLogLikelihoodGrad,
  type GaussianOptions,
} from './gaussian.js';
export { importanceLogWeights, importanceWeightedBound, type EncoderDecoder, type ImportanceWeightedOptions } from './importance-weighted.js';
export { klDivergence, klDivergenceGrad } from './kl.js';
export {
  LossConfigError,
  RECONSTRUCTIONS,
  checkReconstructionRange,
  reconstructionLoss,
  reconstructionLossGrad,
  type Reconstruction,
  type ReconstructionOptions,
} from './reconstruction.js';
