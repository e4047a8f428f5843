/** The formats `exportFiles` writes: ONNX (opset 17) and a TensorFlow.js LayersModel. */
export const EXPORT_FORMATS = ['onnx', 'tfjs-layers'] as const;

export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(value: unknown): value is ExportFormat {
  return typeof value === 'string' && (EXPORT_FORMATS as readonly string[]).includes(value);
}
