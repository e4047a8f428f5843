import type { Vae } from '@vae/model';

/**
 * What `train`, the engines, checkpoints and evaluation need of a model: its description (what
 * engines decide support from, and checkpoints record), its sizes, its variables by stable name,
 * the training forward and backward passes, and the encoder and decoder. `Vae` is one; any object
 * with these members trains the same way.
 */
export type TrainableModel = Pick<Vae, 'description' | 'inputDim' | 'latentDim' | 'namedVariables' | 'setWeights' | 'forward' | 'backward' | 'encode' | 'decodeLogits'>;
