// Tests run on the CPU backend with tfjs' registered gradients, so hand-written gradients can be
// checked against autodiff.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

await tf.setBackend('cpu');
