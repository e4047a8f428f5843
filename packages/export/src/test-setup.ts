// Tests run @vae/model on tfjs' CPU backend; the exports are then run by onnxruntime and tfjs-layers.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

await tf.setBackend('cpu');
