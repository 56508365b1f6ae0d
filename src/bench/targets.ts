// The Wasm core's speed targets (BENCHMARKS.md, Targets), checked against a bench run. A target
// whose benchmark did not run (--only) is left out.
import type { BenchResult } from "./run.js";

export interface TargetResult {
  readonly target: string;
  /** The measured figure, formatted with its unit. */
  readonly measured: string;
  readonly met: boolean;
  /** "1.80x better than the limit" or "2.75x worse than the limit". */
  readonly margin: string;
}

interface Target {
  readonly target: string;
  /** The figure, its limit, and whether higher is better. */
  readonly value: (r: Map<string, BenchResult>) => number | undefined;
  readonly limit: number;
  readonly higher: boolean;
  readonly fmt: (v: number) => string;
}

const med = (r: Map<string, BenchResult>, id: string) => r.get(id)?.wasm.medianNs;
const ops = (r: Map<string, BenchResult>, id: string) => r.get(id)?.wasm.opsPerSec;
const gbs = (r: Map<string, BenchResult>, id: string) => {
  const x = r.get(id);
  return x?.bytes ? x.bytes / x.wasm.medianNs : undefined;
};

const ns = (v: number) => `${v.toFixed(0)} ns`;
const perSec = (v: number) => `${Math.round(v).toLocaleString("en-US")}/s`;
const times = (v: number) => `${v.toFixed(2)}x`;

const TARGETS: readonly Target[] = [
  { target: "write-protect + restore of 256 PTEs <= 100 ns", value: (r) => med(r, "wp-pte-256"), limit: 100, higher: false, fmt: ns },
  { target: "fault + COW copy <= 120 ns", value: (r) => med(r, "fault-cow"), limit: 120, higher: false, fmt: ns },
  { target: "wp-cow 4 KiB direct writes, device none >= 1,000,000/s", value: (r) => ops(r, "dio-wp-cow-none"), limit: 1e6, higher: true, fmt: perSec },
  { target: "wp-cow 4 KiB direct writes, fs-csum >= 300,000/s", value: (r) => ops(r, "dio-wp-cow-fs-csum"), limit: 3e5, higher: true, fmt: perSec },
  {
    target: "wp-cow 4 KiB direct writes, fs-csum, without the DMA-time check >= 300,000/s",
    value: (r) => ops(r, "dio-wp-cow-fs-csum-nodmacheck"), limit: 3e5, higher: true, fmt: perSec,
  },
  { target: "wp-cow direct writes, none: Wasm >= 3x the model", value: (r) => r.get("dio-wp-cow-none")?.ratio, limit: 3, higher: true, fmt: times },
  { target: "wp-cow direct writes, fs-csum: Wasm >= 3x the model", value: (r) => r.get("dio-wp-cow-fs-csum")?.ratio, limit: 3, higher: true, fmt: times },
  { target: "crc32c >= 1.5 GB/s", value: (r) => gbs(r, "csum-fs-csum"), limit: 1.5, higher: true, fmt: (v) => `${v.toFixed(2)} GB/s` },
  {
    target: "checked 4 KiB write <= 1.3x raw memory.copy",
    value: (r) => {
      const a = med(r, "store-checked");
      const b = med(r, "store-raw");
      return a !== undefined && b !== undefined ? a / b : undefined;
    },
    limit: 1.3, higher: false, fmt: times,
  },
];

export function checkTargets(results: readonly BenchResult[]): TargetResult[] {
  const r = new Map(results.map((x) => [x.id, x]));
  const out: TargetResult[] = [];
  for (const t of TARGETS) {
    const v = t.value(r);
    if (v === undefined || !Number.isFinite(v)) continue;
    const met = t.higher ? v >= t.limit : v <= t.limit;
    const f = t.higher ? v / t.limit : t.limit / v;
    const margin = met ? `${f.toFixed(2)}x better than the limit` : `${(1 / f).toFixed(2)}x worse than the limit`;
    out.push({ target: t.target, measured: t.fmt(v), met, margin });
  }
  return out;
}
