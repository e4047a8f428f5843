// The reference is @vae/model + @vae/loss + tfjs' Adam on the CPU backend (float32, like the addon).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

await tf.setBackend('cpu');
