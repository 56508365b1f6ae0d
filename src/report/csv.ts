// results.csv: one row per run, a header row, RFC 4180 quoting, LF line ends. The columns
// are fixed (docs/report.md lists them): identity, the swept parameters, all
// the core's counters in ABI order, then the projection.
import { COUNTER_NAMES } from "../shared/names.js";
import type { ResultsDoc, RunEntry } from "./document.js";
import { groupOf, SUMMARY_METRICS, type SummaryRow } from "./summary.js";

const FIXED: ReadonlyArray<[string, (r: RunEntry, d: ResultsDoc) => string | number]> = [
  ["key", (r) => r.key],
  ["workload", (r) => r.workload],
  ["device", (r) => r.device],
  ["policy", (r) => r.policy],
  ["stable", (r) => r.stable],
  ["core", (r) => r.core],
  ["seed", (r) => r.seed],
  ["size", (r) => r.params.size ?? ""],
  ["threads", (r) => r.params.threads ?? ""],
  ["params", (r) => Object.keys(r.params).sort().map((k) => `${k}=${r.params[k]}`).join(";")],
  ["balance_ok", (r) => (r.balanceOk ? 1 : 0)],
];

const PROJECTED: ReadonlyArray<[string, (r: RunEntry, d: ResultsDoc) => string | number]> = [
  ["projected_us_per_io", (r) => r.projectedUsPerIo],
  ["profile", (_r, d) => d.profile.label],
];

export const CSV_COLUMNS: readonly string[] = [...FIXED.map(([h]) => h), ...COUNTER_NAMES, ...PROJECTED.map(([h]) => h)];

/** A sweep's rows also carry their group's summary over seeds (report/summary.ts): n, then each metric's spread. */
export const SUMMARY_COLUMNS: readonly string[] = [
  "seeds_n", ...SUMMARY_METRICS.flatMap((m) => ["mean", "min", "max", "ci95_low", "ci95_high"].map((s) => `${m}_${s}`)),
];

function summaryCells(row: SummaryRow | undefined): Array<string | number> {
  if (!row) return SUMMARY_COLUMNS.map(() => "");
  return [row.seeds.length, ...SUMMARY_METRICS.flatMap((m) => {
    const s = row.stats[m];
    return [s.mean, s.min, s.max, s.ci95?.[0] ?? "", s.ci95?.[1] ?? ""];
  })];
}

function field(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(doc: ResultsDoc): string {
  const summary = doc.summary && new Map(doc.summary.map((s) => [s.group, s]));
  const lines = [[...CSV_COLUMNS, ...(summary ? SUMMARY_COLUMNS : [])].join(",")];
  for (const r of doc.runs) {
    lines.push([
      ...FIXED.map(([, f]) => f(r, doc)),
      ...COUNTER_NAMES.map((c) => r.counters[c] ?? 0),
      ...PROJECTED.map(([, f]) => f(r, doc)),
      ...(summary ? summaryCells(summary.get(groupOf(r.key))) : []),
    ].map(field).join(","));
  }
  return lines.join("\n") + "\n";
}
