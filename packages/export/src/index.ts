export { EXPORT_FORMATS, isExportFormat, type ExportFormat } from './export-format.js';
export { ExportError } from './export-error.js';
export { exportFiles, sourceFiles, type ExportedFile, type ExportOptions } from './export-files.js';
export { exportMetadata, PRODUCER, type ExportMetadata } from './export-metadata.js';
export { settingsFromMetadata, type ExportSettings } from './export-settings.js';
export { vaeNetworks, vaeSource, type ActivationNode, type DenseNode, type Network, type NetworkNode, type NetworkSource, type NetworkTensor } from './network.js';
export { ONNX_IR_VERSION, ONNX_OPSET, onnxModel } from './onnx.js';
export { TFJS_WEIGHTS_FILE, tfjsLayersModel, type TfjsLayersModel } from './tfjs-layers.js';
