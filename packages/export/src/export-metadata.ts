import { MODEL_FORMAT } from '@vae/model';
import type { ExportSettings } from './export-settings.js';
import type { Network } from './network.js';

/** Names the writer in the files (ONNX `producer_name`, tfjs `generatedBy`). */
export const PRODUCER = 'vae-ts (@vae/export)';

/**
 * What an exported file records about the model, the same keys in both formats (ONNX
 * `metadata_props`, as strings; tfjs `userDefinedMetadata`).
 */
export interface ExportMetadata {
  producer: string;
  /** The format of the model it was exported from (`vae-ts/vae`, `@vae/model`'s `MODEL_FORMAT`). */
  exportedFrom: string;
  part: 'encoder' | 'decoder';
  inputDim: number;
  latentDim: number;
  inputs: string;
  outputs: string;
  normalization?: string;
  reconstruction?: string;
}

export function exportMetadata(network: Network, settings: ExportSettings): ExportMetadata {
  return {
    producer: PRODUCER,
    exportedFrom: MODEL_FORMAT,
    part: network.part,
    inputDim: network.inputDim,
    latentDim: network.latentDim,
    inputs: network.input.name,
    outputs: network.outputs.map((o) => o.name).join(','),
    ...(settings.normalization !== undefined ? { normalization: settings.normalization } : {}),
    ...(settings.reconstruction !== undefined ? { reconstruction: settings.reconstruction } : {}),
  };
}
