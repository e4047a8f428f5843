import { imageShape, valuesPerImage, type ImageSplit } from '@vae/data';
import { mlpConfigOf, sameDescription } from '@vae/model';
import type { TrainSettings, TrainingState } from './checkpoint.js';
import { TrainConfigError } from './errors.js';
import type { TrainableModel } from './trainable-model.js';

/** " × 3 channels" for images with channels, nothing for grey ones: for messages. */
const channelsNote = (channels: number) => (channels === 1 ? '' : ` × ${channels} channels`);

/**
 * Refuses data that would train on nothing or fail only after an epoch: an empty split gives NaN
 * losses, test images of another size or number of channels fail at the first evaluation, and
 * images of another size than the model takes fail at the first step. Any rows × cols × channels
 * trains (a split without `channels` is grey: 1).
 */
export function checkDataFitsModel(data: { train: ImageSplit; test: ImageSplit }, model: TrainableModel): void {
  checkSplits(data.train, data.test);
  // Values per image (rows·cols·channels): what the model takes per example.
  const pixels = valuesPerImage(data.train);
  const image = imageShape(data.train);
  if (pixels !== model.inputDim) {
    const what = image.channels === 1 ? `${pixels} pixels` : `${pixels} values (${image.height}×${image.width} pixels${channelsNote(image.channels)})`;
    throw new TrainConfigError(`data: images have ${what} but the model's inputDim is ${model.inputDim}`);
  }
  // A model that reads images as feature maps (conv layers) must get its own image shape, not only as many values.
  const spatial = [...model.description.encoder, ...model.description.decoder].some((l) => l.type !== 'dense');
  const { input } = model.description;
  if (spatial && (image.height !== input.height || image.width !== input.width || image.channels !== input.channels)) {
    throw new TrainConfigError(
      `data: images are ${image.height}×${image.width}×${image.channels} but the model reads ${input.height}×${input.width}×${input.channels} feature maps`,
    );
  }
}

function checkSplits(train: ImageSplit, test: ImageSplit): void {
  for (const [name, split] of [['train', train], ['test', test]] as const) {
    const { count } = split;
    const { height: rows, width: cols, channels } = imageShape(split);
    if (![count, rows, cols, channels].every((n) => Number.isInteger(n) && n >= 1)) {
      throw new TrainConfigError(
        `data.${name}: ${count} images of ${rows}×${cols} pixels${channelsNote(channels)}; expected at least one image of at least 1×1 pixels${channels === 1 ? '' : ' and 1 channel'}`,
      );
    }
    if (split.images.length < count * valuesPerImage(split)) {
      throw new TrainConfigError(
        `data.${name}: ${split.images.length} bytes of pixels for ${count} images of ${rows}×${cols}${channelsNote(channels)}; expected ${count * valuesPerImage(split)}`,
      );
    }
  }
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new TrainConfigError(
      `data: test images are ${test.rows}×${test.cols} but train images are ${train.rows}×${train.cols}; expected one image size for both splits`,
    );
  }
  const [trainChannels, testChannels] = [imageShape(train).channels, imageShape(test).channels];
  if (trainChannels !== testChannels) {
    throw new TrainConfigError(
      `data: test images have ${testChannels} channel${testChannels === 1 ? '' : 's'} but train images have ${trainChannels}; expected one number of channels for both splits`,
    );
  }
}

/** Refuses to resume a checkpoint trained with other settings (but `epochs`) or another model. */
export function checkCheckpointFitsRun(saved: TrainingState, settings: TrainSettings, model: TrainableModel): void {
  for (const key of Object.keys(settings) as (keyof TrainSettings)[]) {
    if (key !== 'epochs' && saved.settings[key] !== settings[key]) {
      throw new TrainConfigError(`resume: the checkpoint was trained with ${key} = ${saved.settings[key]}, this run asks for ${settings[key]}`);
    }
  }
  const legacyConfig = saved.modelConfig;
  // A checkpoint from before descriptions records only the MLP's sizes, not its image shape.
  const same = legacyConfig ? JSON.stringify(mlpConfigOf(model.description)) === JSON.stringify(legacyConfig) : sameDescription(saved.model, model.description);
  if (!same) {
    throw new TrainConfigError(
      `resume: the checkpoint's model ${JSON.stringify(legacyConfig ?? saved.model)} differs from this run's ${JSON.stringify(legacyConfig ? mlpConfigOf(model.description) : model.description)}`,
    );
  }
}
