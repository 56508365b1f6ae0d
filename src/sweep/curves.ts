// A sweep's two curves, from its own runs: projected cost per I/O against
// the swept size (one panel per workload, and per thread count when threads
// were swept) with the crossover marked, and measured IPIs per I/O against
// threads for the workloads that have threads. Seeds are averaged.
import type { CostProfile } from "../cost/profile.js";
import { winsFrom } from "../crossover/grid.js";
import { measuredBy } from "../report/charts.js";
import { spread } from "../report/stats.js";
import { type CostCurve, type CrossoverMark, type IpiCurve, projectedUs, type RunRecord } from "../report/document.js";

type Acc = Map<string, { readonly row: Record<string, string | number>; values: number[] }>;

function add(acc: Acc, row: Record<string, string | number>, v: number): void {
  const k = JSON.stringify(row);
  const a = acc.get(k) ?? { row, values: [] };
  a.values.push(v);
  acc.set(k, a);
}

/** Each point's mean, and with several values their count and the mean's 95% interval (the chart's error bar). */
interface Mean {
  readonly row: Record<string, string | number>;
  readonly mean: number;
  readonly spread: { n?: number; lo?: number; hi?: number };
}

function means(acc: Acc): Mean[] {
  return [...acc.values()].map((a) => {
    const s = spread(a.values);
    return { row: a.row, mean: s.mean, spread: s.ci95 ? { n: s.n, lo: s.ci95[0], hi: s.ci95[1] } : {} };
  });
}

const ios = (c: Readonly<Record<string, number>>) => (c.writes ?? 0) + (c.reads ?? 0);

export function sweepCostCurve(runs: readonly RunRecord[], threadsSwept: boolean, profile: CostProfile): CostCurve {
  const acc: Acc = new Map();
  for (const r of runs) {
    if (r.params.size === undefined) continue; // a fio job's sizes are its own, not a parameter: no x to draw it at
    const t = r.params.threads;
    const panel = threadsSwept && t !== undefined ? `${r.workload}, ${t} thread${t > 1 ? "s" : ""}` : r.workload;
    add(acc, { panel, policy: r.policy, size: r.params.size }, projectedUs(r.counters, profile));
  }
  const points = means(acc).map((m) => ({ panel: String(m.row.panel), policy: String(m.row.policy), size: Number(m.row.size), usPerIo: m.mean, ...m.spread }));
  const crossovers: CrossoverMark[] = [];
  for (const panel of new Set(points.map((p) => p.panel))) {
    const at = (policy: string) => new Map(points.filter((p) => p.panel === panel && p.policy === policy).map((p) => [p.size, p.usPerIo]));
    const cow = at("wp-cow");
    const bounce = at("bounce");
    if (!cow.size || !bounce.size) continue;
    const rows = [...cow].filter(([s]) => bounce.has(s)).map(([size, a]) => ({ size, a, b: bounce.get(size) ?? 0 }));
    crossovers.push({ panel, size: winsFrom(rows) });
  }
  return {
    description: `Projected from the ${profile.name} profile: each run's counters (measured by ${measuredBy(runs)}) through the cost model, ` +
      "hot buffers, kernel CPU per I/O; mean over seeds" +
      (points.some((p) => p.n !== undefined) ? ", the bars its 95% interval (Student's t over the seeds)." : "."),
    points,
    crossovers,
  };
}

export function sweepIpiCurve(runs: readonly RunRecord[]): IpiCurve {
  const acc: Acc = new Map();
  for (const r of runs) {
    if (r.params.threads === undefined) continue;
    add(acc, { panel: r.workload, policy: r.policy, threads: r.params.threads }, (r.counters.ipis ?? 0) / Math.max(1, ios(r.counters)));
  }
  const points = means(acc).map((m) => ({ panel: String(m.row.panel), policy: String(m.row.policy), threads: Number(m.row.threads), ipisPerIo: m.mean, ...m.spread }));
  return {
    description: points.length
      ? `Measured by ${measuredBy(runs)}: IPIs per I/O of each workload that has a threads parameter, mean over seeds and sizes.`
      : "no run in this sweep has a threads parameter, so none varies threads: add -w multithread (and --threads 1,2,4 to sweep them).",
    points,
  };
}
