// The main job's text table: one row per workload and policy, counters right
// aligned, byte counts human-readable.
import type { RunResult } from "../host/result.js";
import { fmtBytes } from "../host/units.js";
import { cell, COLUMNS } from "./columns.js";

export function renderTable(results: readonly RunResult[]): string {
  const head = ["workload", "device", "policy", ...COLUMNS.map((c) => c.header)];
  const left = 3;
  const rows: string[][] = [];
  let last = "";
  for (const r of results) {
    const group = `${r.workload}\0${r.device}`;
    const first = group !== last;
    last = group;
    rows.push([
      first ? r.workload : "",
      first ? r.device : "",
      r.policy,
      ...COLUMNS.map((c) => fmtCell(cell(r, c), c.bytes === true)),
    ]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string =>
    cells.map((s, i) => (i < left ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n") + "\n";
}

function fmtCell(v: number, bytes: boolean): string {
  return bytes && v !== 0 ? fmtBytes(v) : String(v);
}
