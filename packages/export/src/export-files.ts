import type { Vae } from '@vae/model';
import type { ExportFormat } from './export-format.js';
import type { ExportSettings } from './export-settings.js';
import { vaeNetworks, vaeSource, type NetworkSource } from './network.js';
import { onnxModel } from './onnx.js';
import { TFJS_WEIGHTS_FILE, tfjsLayersModel } from './tfjs-layers.js';

/** One file of an export: its path inside the export directory (`/`-separated) and its contents. */
export interface ExportedFile {
  path: string;
  data: Uint8Array | string;
}

export interface ExportOptions {
  /** Recorded in every file's metadata; see `settingsFromMetadata` for a saved model's own. */
  settings?: ExportSettings;
}

/** The files of an export from an already-read source (the resolved description and weights). */
export function sourceFiles(source: NetworkSource, format: ExportFormat, options: ExportOptions = {}): ExportedFile[] {
  const settings = options.settings ?? {};
  const { encoder, decoder } = vaeNetworks(source);
  const networks = [encoder, decoder];
  switch (format) {
    case 'onnx':
      return networks.map((network) => ({ path: `${network.part}.onnx`, data: onnxModel(network, settings) }));
    case 'tfjs-layers':
      // Weights first: written in this order, a model.json on disk always points at complete weights.
      return networks.flatMap((network) => {
        const { modelJson, weights } = tfjsLayersModel(network, settings);
        return [
          { path: `${network.part}/${TFJS_WEIGHTS_FILE}`, data: weights },
          { path: `${network.part}/model.json`, data: `${JSON.stringify(modelJson)}\n` },
        ];
      });
    default:
      throw new TypeError(`unknown export format ${JSON.stringify(format)}; expected onnx or tfjs-layers`);
  }
}

/**
 * The encoder and the decoder of `vae` in `format`, as files in memory (for a browser download, or
 * `exportVae` in `@vae/model/node` to write them). Everything is built before anything is returned:
 * a model the format cannot express throws `ExportError` and yields no file.
 *
 * - `onnx`: `encoder.onnx` (x → mu, logvar) and `decoder.onnx` (z → probabilities, logits), opset 17.
 * - `tfjs-layers`: `encoder/model.json` + `encoder/weights.bin`, `decoder/model.json` + `decoder/weights.bin`.
 */
export async function exportFiles(vae: Vae, format: ExportFormat, options: ExportOptions = {}): Promise<ExportedFile[]> {
  return sourceFiles(await vaeSource(vae), format, options);
}
