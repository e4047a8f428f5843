// The reference (and the fused engine's evaluation backend in these tests) is tfjs on the CPU.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

await tf.setBackend('cpu');
