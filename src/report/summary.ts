// A sweep over seeds, summarised: the runs that differ only in their seed
// form one row, with the spread (report/stats.ts) of what matters most: the
// projected cost per I/O, the corruptions and the bytes copied. The rows are
// in grid order (first seen); results.json keeps them, results.csv adds them
// to each run's row, the terminal prints them (sweep/summary-table.ts) and
// the cost chart draws the interval as an error bar.
import { spread, type Spread } from "./stats.js";
import type { RunEntry } from "./document.js";

/** What is summarised: the projection, then two counters. */
export const SUMMARY_METRICS = ["projected_us_per_io", "corruptions", "bytes_copied"] as const;
export type SummaryMetric = (typeof SUMMARY_METRICS)[number];

export interface SummaryRow {
  /** The runs' key without their seed. */
  readonly group: string;
  readonly workload: string;
  readonly device: string;
  readonly policy: string;
  readonly params: Readonly<Record<string, number>>;
  /** The seeds of the runs, in order. */
  readonly seeds: readonly number[];
  readonly stats: Readonly<Record<SummaryMetric, Spread>>;
}

/** "racer wp-cow device=fs-csum ... seed=3 ios=16" -> the same without "seed=3". */
export const groupOf = (key: string): string => key.replace(/ seed=\d+(?= |$)/, "");

const value = (r: RunEntry, m: SummaryMetric): number => (m === "projected_us_per_io" ? r.projectedUsPerIo : (r.counters[m] ?? 0));

export function summarise(runs: readonly RunEntry[]): SummaryRow[] {
  const groups = new Map<string, RunEntry[]>();
  for (const r of runs) {
    const g = groupOf(r.key);
    const list = groups.get(g);
    if (list) list.push(r);
    else groups.set(g, [r]);
  }
  return [...groups].map(([group, rs]) => ({
    group,
    workload: rs[0].workload,
    device: rs[0].device,
    policy: rs[0].policy,
    params: rs[0].params,
    seeds: rs.map((r) => r.seed),
    stats: Object.fromEntries(SUMMARY_METRICS.map((m) => [m, spread(rs.map((r) => value(r, m)))])) as Record<SummaryMetric, Spread>,
  }));
}
