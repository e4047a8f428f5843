// The sample-grid tests draw with tfjs: on the CPU backend, as every Node test of the workspace does.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

await tf.setBackend('cpu');
