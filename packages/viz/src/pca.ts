import { checkPositiveInteger } from '@vae/internal';

/**
 * A principal-component projection of `count` points in `dim` dimensions, and what is needed to
 * project more points the same way (`pcaTransform`).
 */
export interface PcaProjection {
  /** `[count, columns]` coordinates, `columns = min(components, dim)`. */
  coords: Float32Array;
  /** `[columns, dim]` row-major: orthonormal principal axes, largest variance first. */
  axes: Float32Array;
  /** `[columns]`: the share of the total variance along each axis (sums to ≤ 1). */
  explainedVarianceRatio: number[];
  /** `[dim]`: subtracted before projecting (zeros when the points were returned as they are). */
  mean: Float32Array;
}

/** Rotations stop once the off-diagonal mass is this small a fraction of the whole matrix. */
const JACOBI_TOLERANCE = 1e-24;
const JACOBI_MAX_SWEEPS = 100;

/**
 * Projects `points` (`[count, dim]`, row-major) onto their top `components` principal axes: the
 * points are centred, and the axes are the leading eigenvectors of their covariance, found by
 * cyclic Jacobi rotations on the `dim × dim` matrix (exact and deterministic; meant for small
 * latent spaces, dim ≤ 64 or so). Each axis's sign is fixed so that its largest-magnitude entry
 * is positive, so the same data always gives the same picture.
 *
 * When `dim ≤ components` there is nothing to reduce: `coords` are the points themselves
 * (uncentred, axes the identity), and `explainedVarianceRatio` is each coordinate's share of the
 * variance.
 */
export function pcaProject(points: Float32Array, count: number, dim: number, components = 2): PcaProjection {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`pcaProject: count must be a non-negative integer, got ${count}`);
  checkPositiveInteger(dim, 'pcaProject: dim');
  checkPositiveInteger(components, 'pcaProject: components');
  if (points.length !== count * dim) {
    throw new RangeError(`pcaProject: points must hold count * dim = ${count * dim} values, got ${points.length}`);
  }

  const mean = columnMeans(points, count, dim);
  const covariance = covarianceMatrix(points, count, dim, mean);
  let total = 0;
  for (let i = 0; i < dim; i++) total += covariance[i * dim + i]!;

  if (dim <= components) {
    const axes = new Float32Array(dim * dim);
    for (let i = 0; i < dim; i++) axes[i * dim + i] = 1;
    const explainedVarianceRatio = Array.from({ length: dim }, (_, i) => ratio(covariance[i * dim + i]!, total));
    return { coords: Float32Array.from(points), axes, explainedVarianceRatio, mean: new Float32Array(dim) };
  }

  const { values, vectors } = symmetricEigen(covariance, dim);
  const order = Array.from({ length: dim }, (_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b);
  const axes = new Float32Array(components * dim);
  const explainedVarianceRatio: number[] = [];
  for (let k = 0; k < components; k++) {
    const column = order[k]!;
    // The sign of an eigenvector is arbitrary; make the largest-magnitude entry positive.
    let largest = 0;
    for (let i = 1; i < dim; i++) {
      if (Math.abs(vectors[i * dim + column]!) > Math.abs(vectors[largest * dim + column]!)) largest = i;
    }
    const sign = vectors[largest * dim + column]! < 0 ? -1 : 1;
    for (let i = 0; i < dim; i++) axes[k * dim + i] = sign * vectors[i * dim + column]!;
    explainedVarianceRatio.push(ratio(Math.max(0, values[column]!), total));
  }
  const projection = { axes, explainedVarianceRatio, mean: Float32Array.from(mean) };
  return { ...projection, coords: pcaTransform(projection, points, count) };
}

/** Projects more points (`[count, dim]`) with a fitted projection: `(x − mean) · axesᵀ` → `[count, columns]`. */
export function pcaTransform(projection: Pick<PcaProjection, 'axes' | 'mean'>, points: Float32Array, count: number): Float32Array {
  const dim = projection.mean.length;
  const columns = projection.axes.length / dim;
  if (points.length !== count * dim) {
    throw new RangeError(`pcaTransform: points must hold count * dim = ${count * dim} values, got ${points.length}`);
  }
  const out = new Float32Array(count * columns);
  for (let n = 0; n < count; n++) {
    for (let k = 0; k < columns; k++) {
      let sum = 0;
      for (let i = 0; i < dim; i++) sum += (points[n * dim + i]! - projection.mean[i]!) * projection.axes[k * dim + i]!;
      out[n * columns + k] = sum;
    }
  }
  return out;
}

function ratio(part: number, total: number): number {
  return total > 0 ? part / total : 0;
}

function columnMeans(points: Float32Array, count: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let n = 0; n < count; n++) for (let i = 0; i < dim; i++) mean[i]! += points[n * dim + i]!;
  if (count > 0) for (let i = 0; i < dim; i++) mean[i]! /= count;
  return mean;
}

/** `[dim, dim]` sample covariance (divided by count − 1; the ratios do not depend on it). */
function covarianceMatrix(points: Float32Array, count: number, dim: number, mean: Float64Array): Float64Array {
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < dim; i++) centred[i] = points[n * dim + i]! - mean[i]!;
    for (let i = 0; i < dim; i++) {
      const ci = centred[i]!;
      for (let j = i; j < dim; j++) cov[i * dim + j]! += ci * centred[j]!;
    }
  }
  const divisor = Math.max(1, count - 1);
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const v = cov[i * dim + j]! / divisor;
      cov[i * dim + j] = v;
      cov[j * dim + i] = v;
    }
  }
  return cov;
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan §8.5):
 * `values[k]` with eigenvector column `k` of `vectors` (`[n, n]` row-major), unsorted.
 */
function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (const x of a) scale += x * x;

  for (let sweep = 0; sweep < JACOBI_MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off <= JACOBI_TOLERANCE * scale) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        // The rotation that zeroes a[p][q]: tan θ = t, the smaller root of t² + 2·theta·t − 1 = 0.
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}
