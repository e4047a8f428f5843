// Tests start on the CPU backend with tfjs' registered gradients (for autodiff cross-checks);
// tests that train the full-size model switch to wasm themselves.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

await tf.setBackend('cpu');
