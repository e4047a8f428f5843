// onnx-proto is CommonJS with `module.exports = root`: Node's ESM loader sees no named exports, only the default.
import onnxProto, { type onnx } from 'onnx-proto';
import { ExportError } from './export-error.js';
import { exportMetadata } from './export-metadata.js';
import { float32Le } from './float32-le.js';
import type { ExportSettings } from './export-settings.js';
import type { DenseNode, Network, NetworkTensor } from './network.js';

const { AttributeProto, ModelProto, TensorProto } = onnxProto.onnx;

/** The operator set the graphs use (Gemm, Relu, Sigmoid, Identity; all unchanged in it since opset 13). */
export const ONNX_OPSET = 17;
/** IR version 8: the one opset 17 was released with (ONNX 1.12), and the schema onnx-proto 8 describes (ONNX 1.10's; the fields used here are the same). */
export const ONNX_IR_VERSION = 8;

/** The activations this writer knows, and the ONNX operator of each (null: none, the Gemm alone). */
const DENSE_ACTIVATIONS: Record<string, string | null> = { linear: null, relu: 'Relu', sigmoid: 'Sigmoid' };
const OUTPUT_ACTIVATIONS: Record<string, string> = { linear: 'Identity', sigmoid: 'Sigmoid' };

/** A [batch, dim] float tensor, the batch size a named free dimension. */
function valueInfo(tensor: NetworkTensor): onnx.IValueInfoProto {
  return {
    name: tensor.name,
    docString: tensor.doc,
    type: { tensorType: { elemType: TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: tensor.dim }] } } },
  };
}

function refuse(network: Network, layer: string, activation: string, known: Record<string, unknown>): never {
  throw new ExportError(
    `layer "${layer}" of the ${network.part}: activation ${JSON.stringify(activation)} is not one this ONNX writer knows (${Object.keys(known).join(', ')}); ` +
      'it writes no file rather than one that computes something else: update @vae/export to a version that knows it, or export to another format',
  );
}

function denseNodes(network: Network, node: DenseNode, graph: { node: onnx.INodeProto[]; initializer: onnx.ITensorProto[] }): void {
  // hasOwn, not `in`: an activation named like an Object method ("constructor") is not known either.
  if (!Object.hasOwn(DENSE_ACTIVATIONS, node.activation)) refuse(network, node.name, node.activation, DENSE_ACTIVATIONS);
  const op = DENSE_ACTIVATIONS[node.activation];
  const kernel = `${node.name}.kernel`;
  const bias = `${node.name}.bias`;
  graph.initializer.push(
    { name: kernel, dims: [node.inputDim, node.outputDim], dataType: TensorProto.DataType.FLOAT, rawData: float32Le(node.kernel) },
    { name: bias, dims: [node.outputDim], dataType: TensorProto.DataType.FLOAT, rawData: float32Le(node.bias) },
  );
  const affine = op ? `${node.name}.affine` : node.name;
  // transB = 0: B is [in, out], the layout @vae/model stores kernels in; C (the bias) broadcasts over the batch.
  graph.node.push({
    name: `${node.name}/Gemm`,
    opType: 'Gemm',
    input: [node.input, kernel, bias],
    output: [affine],
    attribute: [
      { name: 'transA', type: AttributeProto.AttributeType.INT, i: 0 },
      { name: 'transB', type: AttributeProto.AttributeType.INT, i: 0 },
    ],
  });
  if (op) graph.node.push({ name: `${node.name}/${op}`, opType: op, input: [affine], output: [node.name] });
}

/** One network as the bytes of an `.onnx` file (ModelProto), its settings in `metadata_props`. */
export function onnxModel(network: Network, settings: ExportSettings): Uint8Array {
  const graph = { node: [] as onnx.INodeProto[], initializer: [] as onnx.ITensorProto[] };
  for (const node of network.nodes) {
    if (node.kind === 'dense') {
      denseNodes(network, node, graph);
    } else {
      if (!Object.hasOwn(OUTPUT_ACTIVATIONS, node.activation)) refuse(network, node.name, node.activation, OUTPUT_ACTIVATIONS);
      const op = OUTPUT_ACTIVATIONS[node.activation]!;
      graph.node.push({ name: `${node.name}/${op}`, opType: op, input: [node.input], output: [node.name] });
    }
  }
  const metadata = exportMetadata(network, settings);
  const what = network.part === 'encoder' ? 'encoder q(z|x)' : 'decoder p(x|z)';
  const outputs = network.outputs.map((o) => `${o.name} [batch, ${o.dim}]`).join(', ');
  const description = `vae-ts VAE ${what}: ${network.input.name} [batch, ${network.input.dim}] → ${outputs}`;
  const model: onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: metadata.producer,
    docString: description,
    graph: {
      name: network.part,
      docString: description,
      node: graph.node,
      initializer: graph.initializer,
      input: [valueInfo(network.input)],
      output: network.outputs.map(valueInfo),
    },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value: String(value) })),
  };
  return ModelProto.encode(ModelProto.create(model)).finish();
}
