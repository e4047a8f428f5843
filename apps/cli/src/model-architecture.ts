import { convDescription, mlpDescription, ModelDescriptionError, type ImageShape, type ModelDescription } from '@vae/model';
import type { ModelArchitecture } from './train-options.js';
import { UsageError } from './train-options.js';

/** The description `vae train --model <architecture>` trains on images of `image`'s shape. */
export function describeArchitecture(architecture: ModelArchitecture, image: ImageShape, latentDim: number): ModelDescription {
  try {
    if (architecture === 'conv') return convDescription({ input: image, latentDim });
    return mlpDescription({ inputDim: image.height * image.width * image.channels, latentDim }, image);
  } catch (error) {
    if (error instanceof ModelDescriptionError) throw new UsageError(`--model ${architecture}: ${error.message.replace(/^model description: /, '')}`);
    throw error;
  }
}
