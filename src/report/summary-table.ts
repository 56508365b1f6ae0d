// A sweep's summary on the terminal: one row per point of the grid over its
// seeds (report/summary.ts), the projected cost per I/O with its spread, and
// the mean corruptions and bytes copied. A long one is cut, saying where the
// rest is.
import { fmtBytes } from "../shared/units.js";
import { columns } from "./fmt.js";
import type { SummaryRow } from "./summary.js";

/** Rows printed before the table is cut. */
export const SUMMARY_ROWS_SHOWN = 60;

const num = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const count = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));

export function renderSummary(rows: readonly SummaryRow[], profile: string): string {
  const head = ["workload", "policy", "size", "threads", "seeds", "us/I/O mean", "95% interval", "min", "max", "corrupt", "copied"];
  const body = rows.slice(0, SUMMARY_ROWS_SHOWN).map((r) => {
    const us = r.stats.projected_us_per_io;
    return [
      r.workload, r.policy, r.params.size === undefined ? "-" : fmtBytes(r.params.size), r.params.threads === undefined ? "-" : String(r.params.threads),
      String(r.seeds.length), num(us.mean), us.ci95 ? `${num(us.ci95[0])}..${num(us.ci95[1])}` : "-", num(us.min), num(us.max),
      count(r.stats.corruptions.mean), r.stats.bytes_copied.mean === 0 ? "0" : fmtBytes(Math.round(r.stats.bytes_copied.mean)),
    ];
  });
  const out = [
    `Over seeds (us/I/O projected from the ${profile} profile; corrupt and copied: means of the measured counts):`,
    columns([head, ...body], 2).trimEnd(),
  ];
  if (rows.length > SUMMARY_ROWS_SHOWN)
    out.push(`... and ${rows.length - SUMMARY_ROWS_SHOWN} more rows: results.json (summary) and results.csv have every one`);
  return out.join("\n") + "\n";
}
