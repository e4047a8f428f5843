import { ExportError } from './export-error.js';
import { exportMetadata, PRODUCER, type ExportMetadata } from './export-metadata.js';
import type { ExportSettings } from './export-settings.js';
import { float32Le } from './float32-le.js';
import type { Network } from './network.js';

/** The weights file beside each exported `model.json`. */
export const TFJS_WEIGHTS_FILE = 'weights.bin';

/** The tfjs-layers release whose `model.json` format this writes (and whose `loadLayersModel` the tests run). */
const TFJS_LAYERS_VERSION = '4.22.0';

/** Activations this writer knows: Keras/tfjs names the same, so the map is the identity; anything else is refused. */
const ACTIVATIONS = ['linear', 'relu', 'sigmoid'];

/** A tfjs LayersModel: `model.json` (topology and weights manifest) and its weights file. */
export interface TfjsLayersModel {
  modelJson: {
    format: 'layers-model';
    generatedBy: string;
    convertedBy: null;
    modelTopology: Record<string, unknown>;
    weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: 'float32' }> }>;
    userDefinedMetadata: ExportMetadata;
  };
  weights: Uint8Array;
}

/** Keras layer names: `encoder.0` → `encoder_0` (dots are not safe in TensorFlow name scopes). */
function layerName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** The config tfjs-layers itself writes for a Dense layer (initializers are its defaults; the weights file overrides them). */
function denseConfig(name: string, units: number, activation: string) {
  return {
    units,
    activation,
    use_bias: true,
    kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'normal', seed: null } },
    bias_initializer: { class_name: 'Zeros', config: {} },
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
    name,
    trainable: true,
  };
}

/**
 * One network as a functional tfjs LayersModel (class "Model", what `tf.loadLayersModel` reads): an
 * InputLayer with the batch size left open, a Dense layer per layer spec (kernel [in, out], as tfjs
 * stores it), and for the decoder two Activation layers naming its outputs.
 */
export function tfjsLayersModel(network: Network, settings: ExportSettings): TfjsLayersModel {
  const names = new Map<string, string>([[network.input.name, layerName(network.input.name)]]);
  const layers: Record<string, unknown>[] = [
    {
      name: names.get(network.input.name),
      class_name: 'InputLayer',
      config: { batch_input_shape: [null, network.input.dim], dtype: 'float32', sparse: false, name: names.get(network.input.name) },
      inbound_nodes: [],
    },
  ];
  const weightSpecs: TfjsLayersModel['modelJson']['weightsManifest'][number]['weights'] = [];
  const chunks: Uint8Array[] = [];
  for (const node of network.nodes) {
    if (!ACTIVATIONS.includes(node.activation)) {
      throw new ExportError(
        `layer "${node.name}" of the ${network.part}: activation ${JSON.stringify(node.activation)} is not one this tfjs-layers writer knows (${ACTIVATIONS.join(', ')}); ` +
          'it writes no file rather than one that computes something else: update @vae/export to a version that knows it, or export to another format',
      );
    }
    const name = layerName(node.name);
    if ([...names.values()].includes(name)) throw new ExportError(`layer "${node.name}" of the ${network.part}: its tfjs name "${name}" is taken by another layer; rename one of them in its spec`);
    names.set(node.name, name);
    const inbound = [[[names.get(node.input)!, 0, 0, {}]]];
    if (node.kind === 'dense') {
      layers.push({ name, class_name: 'Dense', config: denseConfig(name, node.outputDim, node.activation), inbound_nodes: inbound });
      weightSpecs.push({ name: `${name}/kernel`, shape: [node.inputDim, node.outputDim], dtype: 'float32' }, { name: `${name}/bias`, shape: [node.outputDim], dtype: 'float32' });
      chunks.push(float32Le(node.kernel), float32Le(node.bias));
    } else {
      layers.push({ name, class_name: 'Activation', config: { activation: node.activation, name, trainable: true }, inbound_nodes: inbound });
    }
  }
  const weights = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((offset, c) => (weights.set(c, offset), offset + c.length), 0);
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: PRODUCER,
      convertedBy: null,
      modelTopology: {
        class_name: 'Model',
        config: {
          name: network.part,
          layers,
          input_layers: [[names.get(network.input.name), 0, 0]],
          output_layers: network.outputs.map((o) => [names.get(o.name), 0, 0]),
        },
        keras_version: `tfjs-layers ${TFJS_LAYERS_VERSION}`,
        backend: 'tensor_flow.js',
      },
      weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: weightSpecs }],
      userDefinedMetadata: exportMetadata(network, settings),
    },
    weights,
  };
}
