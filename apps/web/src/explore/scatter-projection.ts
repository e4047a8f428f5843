import { pcaProject, pcaTransform } from '@vae/viz';

/** How latent codes are placed on a 2-D plot, fitted once and reused for later points. */
export interface ScatterProjection {
  /** `[count, 2]` plot coordinates of the fitted codes. */
  coords: Float32Array;
  /** Plot coordinates of one more code (`[latentDim]`), placed the same way. */
  project(z: Float32Array): [number, number];
  xLabel: string;
  yLabel: string;
  /** One line for the page: which axes these are, and for PCA how much variance they keep. */
  description: string;
}

/**
 * Places `count` latent codes (`mu`: `[count, latentDim]`) on a plane: a 2-D latent space is
 * drawn on its own axes (z₁, z₂), a 1-D one along z₁, and anything larger on its first two
 * principal components, which the description says along with their share of the variance.
 */
export function fitScatterProjection(mu: Float32Array, count: number, latentDim: number): ScatterProjection {
  if (mu.length !== count * latentDim) {
    throw new RangeError(`fitScatterProjection: mu must hold count * latentDim = ${count * latentDim} values, got ${mu.length}`);
  }
  if (latentDim === 1) {
    const coords = new Float32Array(count * 2);
    for (let i = 0; i < count; i++) coords[2 * i] = mu[i]!;
    return {
      coords,
      project: (z) => [z[0]!, 0],
      xLabel: 'z₁',
      yLabel: '',
      description: 'The latent space is 1-D: codes are drawn along z₁.',
    };
  }
  if (latentDim === 2) {
    return {
      coords: Float32Array.from(mu),
      project: (z) => [z[0]!, z[1]!],
      xLabel: 'z₁',
      yLabel: 'z₂',
      description: 'The latent space is 2-D: these are its own axes, z₁ and z₂.',
    };
  }
  const pca = pcaProject(mu, count, latentDim, 2);
  const [first = 0, second = 0] = pca.explainedVarianceRatio;
  const percent = (r: number) => `${(r * 100).toFixed(1)}%`;
  return {
    coords: pca.coords,
    project: (z) => {
      const p = pcaTransform(pca, z, 1);
      return [p[0]!, p[1]!];
    },
    xLabel: 'PC1',
    yLabel: 'PC2',
    description: `PCA of the ${latentDim}-D means: PC1 and PC2 keep ${percent(first)} and ${percent(second)} of their variance (${percent(first + second)} together).`,
  };
}
