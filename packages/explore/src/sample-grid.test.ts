import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { SAMPLE_GRID_COUNT, sampleGridLatents } from './sample-grid.js';

describe('sampleGridLatents', () => {
  it('is [count, latentDim], 16 × 16 by default', () => {
    const z = sampleGridLatents(0, 20);
    expect(z.shape).toEqual([SAMPLE_GRID_COUNT, 20]);
    expect(SAMPLE_GRID_COUNT).toBe(256);
    z.dispose();
  });

  it('draws the same z for a seed in every program and release (the CLI and the page show the same digits)', () => {
    // Pinned: a change here changes every run's sample grids.
    const z = sampleGridLatents(0, 2, 3);
    expect(Array.from(z.dataSync())).toEqual([-1.869496464729309, 0.28736093640327454, 0.4198857843875885, -0.9289014935493469, 1.7115064859390259, 1.0202388763427734]);
    const other = sampleGridLatents(7, 20);
    expect(Array.from(other.dataSync().subarray(0, 4))).toEqual([-0.2683079242706299, -2.0750746726989746, 1.041625738143921, 2.021077871322632]);
    tf.dispose([z, other]);
  });
});
