// A small sampler for loops that run inside Wasm (or a JS loop of the
// reference model): run(k) does k operations and returns an accumulator.
// tinybench would time a JS callback per call; here the loop and its count k
// are ours (each sample is one call of k operations, k chosen so a sample
// takes about sampleMs), and we need the accumulator back, so a few lines do
// it without a dependency.
import { performance } from "node:perf_hooks";

export interface SampleOptions {
  /** Samples kept (after warm-up). */
  readonly samples: number;
  /** Target duration of one sample, ms. */
  readonly sampleMs: number;
  /** Warm-up duration, ms (at least one call). */
  readonly warmupMs: number;
}

export const DEFAULT_SAMPLES: SampleOptions = { samples: 100, sampleMs: 2, warmupMs: 100 };

export interface Timing {
  /** Operations per sample. */
  readonly k: number;
  readonly samples: number;
  /** ns per operation: median, 99th percentile and minimum over samples. */
  readonly medianNs: number;
  readonly p99Ns: number;
  readonly minNs: number;
  /** 1e9 / median. */
  readonly opsPerSec: number;
  /** Sum of every call's accumulator: printed, so no work can be optimised away. */
  readonly acc: number;
}

/** The p-quantile of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i];
}

/** One operation to time: run(k) does k of them; prepare, if given, runs untimed before every timed call. */
export interface Loop {
  run(k: number): number;
  prepare?(): void;
}

/** prepare, if given, runs untimed before every timed call (e.g. to push a buffer out of the caches). */
export function sample(run: (k: number) => number, o: SampleOptions, prepare?: () => void): Timing {
  return sampleEach([{ run, prepare }], o)[0];
}

/**
 * Times several implementations of one operation (two builds of the core: an
 * old and a new one) on the same minute: the same k, warmed up together, and
 * their samples interleaved, the order alternating from sample to sample, so
 * a slow phase of a shared machine falls on all of them alike.
 */
export function sampleEach(loops: readonly Loop[], o: SampleOptions): Timing[] {
  const acc = loops.map(() => 0);
  const timed = (j: number, k: number): number => {
    loops[j].prepare?.();
    const t0 = performance.now();
    acc[j] += loops[j].run(k);
    return performance.now() - t0;
  };
  // Grow k until one call of the first takes a good part of a sample, then scale to sampleMs.
  let k = 1;
  for (;;) {
    const ms = timed(0, k);
    if (ms >= o.sampleMs / 4 || k >= 1 << 30) {
      k = Math.max(1, Math.round((k * o.sampleMs) / Math.max(ms, 1e-6)));
      break;
    }
    k *= ms < o.sampleMs / 100 ? 16 : 2;
  }
  const warmEnd = performance.now() + o.warmupMs * loops.length;
  do for (let j = 0; j < loops.length; j++) timed(j, k);
  while (performance.now() < warmEnd);
  const per: number[][] = loops.map(() => []);
  for (let i = 0; i < Math.max(1, o.samples); i++) {
    for (let n = 0; n < loops.length; n++) {
      const j = i & 1 ? loops.length - 1 - n : n;
      per[j].push((timed(j, k) * 1e6) / k);
    }
  }
  return per.map((xs, j) => {
    xs.sort((a, b) => a - b);
    const medianNs = quantile(xs, 0.5);
    return { k, samples: xs.length, medianNs, p99Ns: quantile(xs, 0.99), minNs: xs[0], opsPerSec: 1e9 / medianNs, acc: acc[j] };
  });
}
