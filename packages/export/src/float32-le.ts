/** float32 values as little-endian bytes (ONNX raw_data, tfjs weight files), whatever the host's byte order. */
export function float32Le(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}
