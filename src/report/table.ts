// The main job's text table: one row per workload and policy, counters right
// aligned, byte counts human-readable.
import type { RunResult } from "../host/result.js";
import { fmtBytes } from "../shared/units.js";
import { wpChanges, wpOfConfig } from "../shared/wp.js";
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
  // Runs under other write-protect choices than today's say so: the policy column alone does not.
  const choices = [...new Set(results.map((r) => wpChanges(wpOfConfig(r.config))).filter((c) => c))];
  const wpNote = choices.length
    ? [`wp: the write-protect's choices of these runs (--wp, or a workload's "wp"): ${choices.join("; ")}. A batch also ` +
      "changes how every policy's jobs submit and reap: compare policies under the same choices."]
    : [];
  const lines = [...wpNote, ...(projection ? [projectionFootnote(projection), projection.verdict] : [])];
  const notes = lines.length ? ["", ...lines] : [];
  return [line(head), ...rows.map(line), ...notes].join("\n") + "\n";
}

function fmtCell(v: number, bytes: boolean): string {
  return bytes && v !== 0 ? fmtBytes(v) : String(v);
}
