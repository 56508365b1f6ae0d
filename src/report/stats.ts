// Spread over seeds: mean, min, max and a 95% confidence interval of the mean.
// The interval is Student's t: mean +- t(0.975, n-1) x s / sqrt(n), s the
// sample standard deviation. No statistics package on npm fits without
// hundreds of dependencies for this one quantile, so it is computed here:
// exact tabled values for 1..10 degrees of freedom, and above that the
// Cornish-Fisher expansion of t around the normal quantile (error below 1e-5).
// Seeds are independent runs, so the interval is the usual one; with one seed
// there is none.

export interface Spread {
  readonly n: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** The 95% confidence interval of the mean, or null with fewer than 2 values. */
  readonly ci95: readonly [number, number] | null;
}

/** t(0.975, df) for df = 1..10. */
const T975 = [12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139];
/** The standard normal's 0.975 quantile. */
const Z975 = 1.959963984540054;

/** Student's t 0.975 quantile with `df` degrees of freedom (df >= 1). */
export function t975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`t975: df must be a whole number >= 1, got ${df}`);
  if (df <= T975.length) return T975[df - 1];
  const z = Z975;
  const z2 = z * z;
  return z +
    (z * (z2 + 1)) / (4 * df) +
    (z * (5 * z2 * z2 + 16 * z2 + 3)) / (96 * df ** 2) +
    (z * (3 * z2 ** 3 + 19 * z2 * z2 + 17 * z2 - 15)) / (384 * df ** 3) +
    (z * (79 * z2 ** 4 + 776 * z2 ** 3 + 1482 * z2 * z2 - 1920 * z2 - 945)) / (92160 * df ** 4);
}

export function spread(values: readonly number[]): Spread {
  const n = values.length;
  if (!n) throw new RangeError("spread of no values");
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (n < 2) return { n, mean, min, max, ci95: null };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const half = (t975(n - 1) * Math.sqrt(variance)) / Math.sqrt(n);
  return { n, mean, min, max, ci95: [mean - half, mean + half] };
}
