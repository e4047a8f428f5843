/** Two-sided 97.5 % quantiles of Student's t for 1…30 degrees of freedom (beyond: the normal's 1.96). */
const T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Mean, sample standard deviation and the 95 % confidence interval of the mean (Student's t) of values over seeds. */
export interface SeedStatistics {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); NaN for one value. */
  sd: number;
  /** mean ∓ t(0.975, n − 1) · sd / √n; NaN for one value. */
  low: number;
  high: number;
}

export function seedStatistics(values: readonly number[]): SeedStatistics {
  const n = values.length;
  if (n === 0) return { n, mean: NaN, sd: NaN, low: NaN, high: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, sd: NaN, low: NaN, high: NaN };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = (T_975[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  return { n, mean, sd, low: mean - half, high: mean + half };
}
