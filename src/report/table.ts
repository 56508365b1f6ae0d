// The main job's text table: one row per workload and policy, counters right
// aligned, byte counts human-readable.
import type { RunResult } from "../host/result.js";
import { fmtBytes } from "../shared/units.js";
import { cell, COLUMNS } from "./columns.js";
import { fmtUs } from "./fmt.js";
import { PROJECTED_HEADER, projectionFootnote, type TableProjection } from "./projection.js";

export function renderTable(results: readonly RunResult[], projection?: TableProjection): string {
  const head = ["workload", "device", "policy", ...COLUMNS.map((c) => c.header), ...(projection ? [PROJECTED_HEADER] : [])];
  const left = 3;
  const rows: string[][] = [];
  let last = "";
  for (const [i, r] of results.entries()) {
    const group = `${r.workload}\0${r.device}`;
    const first = group !== last;
    last = group;
    rows.push([
      first ? r.workload : "",
      first ? r.device : "",
      r.policy,
      ...COLUMNS.map((c) => fmtCell(cell(r, c), c.bytes === true)),
      ...(projection ? [fmtUs(projection.perIoUs[i] * 1000)] : []),
    ]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string =>
    cells.map((s, i) => (i < left ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join("  ").trimEnd();
  const notes = projection ? ["", projectionFootnote(projection), projection.verdict] : [];
  return [line(head), ...rows.map(line), ...notes].join("\n") + "\n";
}

function fmtCell(v: number, bytes: boolean): string {
  return bytes && v !== 0 ? fmtBytes(v) : String(v);
}
