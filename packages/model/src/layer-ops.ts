import * as tf from '@tensorflow/tfjs-core';
import { denseBackward, denseForward, type DenseParams } from './dense.js';
import type { ExampleShape, ResolvedLayer } from './description.js';
import { matMulT } from './matmul.js';

/** A weighted layer's variables: kernel and bias, shaped as its `ResolvedLayer` says. */
export interface LayerParams {
  kernel: tf.Variable;
  bias: tf.Variable<tf.Rank.R1>;
}

export interface LayerGrads {
  dKernel: tf.Tensor;
  dBias: tf.Tensor1D;
  /** dL/dx, absent when the caller did not ask for it (the first layer). */
  dx?: tf.Tensor2D;
}

const asMap = (x: tf.Tensor2D, shape: ExampleShape) => tf.reshape(x, [x.shape[0], ...shape] as unknown as [number, number, number, number]) as tf.Tensor4D;
const flat = (x: tf.Tensor) => tf.reshape(x, [x.shape[0]!, -1]) as tf.Tensor2D;

/** One weighted layer forward on flat rows: x [batch, in] → y [batch, out] (activation applied). */
export function layerForward(layer: ResolvedLayer, params: LayerParams, x: tf.Tensor2D): tf.Tensor2D {
  const spec = layer.layer;
  if (spec.type === 'dense') return denseForward(x, params as unknown as DenseParams, spec.activation);
  return tf.tidy(() => {
    const x4 = asMap(x, layer.inputShape);
    if (spec.type === 'conv2d') {
      return flat(tf.fused.conv2d({ x: x4, filter: params.kernel as tf.Tensor4D, strides: spec.strides, pad: spec.padding, bias: params.bias, activation: spec.activation }));
    }
    const [oh, ow, f] = layer.outputShape as [number, number, number];
    const pre = tf.add(conv2dTransposeByConv(x4, params.kernel as tf.Tensor4D, [x.shape[0], oh, ow, f], spec.strides, spec.padding), params.bias);
    return flat(spec.activation === 'relu' ? tf.relu(pre) : pre);
  });
}

/**
 * `tf.conv2dTranspose(x, filter, outShape, strides, padding)` (the gradient of conv2d with respect
 * to its input) as a stride-1 conv2d of x spread out with zeros and the flipped filter: each
 * backend's conv2d is its fastest convolution (tfjs-backend-wasm's Conv2DBackpropInput is several
 * times slower than its XNNPACK conv2d). x [b, h, w, ci], filter [k, k, co, ci] → outShape [b, OH, OW, co].
 */
export function conv2dTransposeByConv(x: tf.Tensor4D, filter: tf.Tensor4D, outShape: [number, number, number, number], strides: number, padding: 'same' | 'valid'): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, ci] = x.shape;
    const [k, , co] = filter.shape;
    const info = tf.backend_util.computeConv2DInfo(outShape, [k, k, co, ci], strides, 1, padding);
    if (info.outHeight !== h || info.outWidth !== w) throw new Error(`conv2dTransposeByConv: output [${outShape.join(', ')}] does not come from a ${h}×${w} input`);
    // Sample o of x lands at o·s: x spread to h·s × w·s (s − 1 zeros after each sample).
    let spread: tf.Tensor4D = x;
    if (strides > 1) {
      const zeros = strides - 1;
      // Rows, then columns, each a rank-4 pad (tfjs-backend-webgpu cannot pad rank-6 tensors: "cannot index type 'vec6'").
      const rows = tf.pad(tf.reshape(x, [b, h, 1, w * ci]), [[0, 0], [0, 0], [0, zeros], [0, 0]]);
      const cols = tf.pad(tf.reshape(rows, [b * h * strides, w, 1, ci]), [[0, 0], [0, 0], [0, zeros], [0, 0]]);
      spread = tf.reshape(cols, [b, h * strides, w * strides, ci]) as tf.Tensor4D;
    }
    // out[i] = Σ_m spread[i + top − (k − 1) + m] · filter[k − 1 − m]: a correlation with the flipped filter.
    const side = (pad: number, length: number, out: number) => {
      const before = k - 1 - pad;
      return { before, after: out + k - 1 - length - before };
    };
    let rows = side(info.padInfo.top, h * strides, outShape[1]);
    let cols = side(info.padInfo.left, w * strides, outShape[2]);
    if (rows.after < 0 || cols.after < 0) {
      // Strides wider than the kernel: the trailing zeros of the last sample reach past the output.
      const keepRows = h * strides + Math.min(0, rows.after);
      const keepCols = w * strides + Math.min(0, cols.after);
      spread = tf.slice(spread, [0, 0, 0, 0], [b, keepRows, keepCols, ci]);
      rows = side(info.padInfo.top, keepRows, outShape[1]);
      cols = side(info.padInfo.left, keepCols, outShape[2]);
    }
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [k, k, ci, co]
    return tf.conv2d(spread, flipped, 1, [[0, 0], [rows.before, rows.after], [cols.before, cols.after], [0, 0]]);
  });
}

/**
 * dL/dfilter of `conv2d(input, filter, strides, padding)` given dL/dout, itself as a convolution:
 * the batch is contracted like channels and dL/dout is the (dilated) kernel, so it runs on each
 * backend's fast conv2d (tfjs-backend-wasm has no Conv2DBackpropFilter kernel, and im2col by
 * slices or gathers is slow there). input [b, H, W, ci], dOut [b, OH, OW, co] → [k, k, ci, co].
 */
export function conv2dFilterGrad(input: tf.Tensor4D, dOut: tf.Tensor4D, kernelSize: number, strides: number, padding: 'same' | 'valid'): tf.Tensor4D {
  return tf.tidy(() => {
    const [, , , ci] = input.shape;
    const [, oh, ow, co] = dOut.shape;
    const { top, bottom, left, right } = tf.backend_util.computeConv2DInfo(input.shape, [kernelSize, kernelSize, ci, co], strides, 1, padding).padInfo;
    // grad[kh, kw, c, o] = Σ_b,y,x input[b, y·s + kh − top, x·s + kw − left, c] · dOut[b, y, x, o]
    const channelsFirst = tf.transpose(input, [3, 1, 2, 0]) as tf.Tensor4D; // [ci, H, W, b]: b is contracted
    const kernel = tf.transpose(dOut, [1, 2, 0, 3]) as tf.Tensor4D; // [OH, OW, b, co]
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [top, bottom], [left, right], [0, 0]];
    const full = tf.conv2d(channelsFirst, kernel, 1, pad, 'NHWC', strides); // [ci, ≥k, ≥k, co]
    const grad = full.shape[1] === kernelSize && full.shape[2] === kernelSize ? full : tf.slice(full, [0, 0, 0, 0], [ci, kernelSize, kernelSize, co]);
    return tf.transpose(grad, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/**
 * One weighted layer backward, by hand (no registered gradients needed, and only ops every backend
 * has). x is its input, y its output (after the activation: the ReLU mask is y > 0), dy = dL/dy.
 */
export function layerBackward(layer: ResolvedLayer, params: LayerParams, x: tf.Tensor2D, y: tf.Tensor2D, dy: tf.Tensor2D, needInputGrad: boolean): LayerGrads {
  const spec = layer.layer;
  if (spec.type === 'dense') return denseBackward(x, y, dy, params as unknown as DenseParams, spec.activation, needInputGrad);
  return tf.tidy(() => {
    const dPre = spec.activation === 'relu' ? tf.mul(dy, tf.step(y)) : dy;
    const dPre4 = asMap(dPre as tf.Tensor2D, layer.outputShape);
    const x4 = asMap(x, layer.inputShape);
    const kernel = params.kernel as tf.Tensor4D;
    const dBias = tf.sum(dPre4, [0, 1, 2]) as tf.Tensor1D;
    if (spec.type === 'conv2d') {
      const grads: LayerGrads = { dKernel: conv2dFilterGrad(x4, dPre4, spec.kernelSize, spec.strides, spec.padding), dBias };
      if (needInputGrad) grads.dx = flat(conv2dTransposeByConv(dPre4, kernel, x4.shape, spec.strides, spec.padding));
      return grads as unknown as tf.TensorContainerObject;
    }
    // y = conv2dᵀ(x): the filter's gradient is conv2d's with the roles of input and output swapped.
    const grads: LayerGrads = { dKernel: conv2dFilterGrad(dPre4, x4, spec.kernelSize, spec.strides, spec.padding), dBias };
    if (needInputGrad) grads.dx = flat(tf.conv2d(dPre4, kernel, spec.strides, spec.padding));
    return grads as unknown as tf.TensorContainerObject;
  }) as unknown as LayerGrads;
}
