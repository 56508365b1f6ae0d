// `stable-dio native`'s table: per policy (and size), the native counts beside
// the Wasm core's ("native/core"), the measured CPU per I/O, and the policy's
// own cost (above direct) measured against projected.
import { fmtBytes } from "../shared/units.js";
import { columns, fmtNs, fmtUs } from "../report/fmt.js";
import type { NativeDoc, PolicyRun } from "./compare.js";

/** The tolerance for measured against projected (25%). */
export const NATIVE_TOLERANCE = 0.25;

const pair = (r: PolicyRun, k: string): string => `${r.counters[k] ?? 0}/${r.core[k] ?? 0}`;
const us = (ns: number | undefined): string => (ns === undefined ? "-" : fmtUs(ns));

export function renderNativeTable(doc: NativeDoc): string {
  const out: string[] = [];
  const params = Object.entries(doc.params).map(([k, v]) => `${k}=${v}`).join(",");
  out.push(`stable-dio native: ${doc.workload}, seed ${doc.seed}${params ? `, ${params}` : ""}; real O_DIRECT I/O (${doc.engine}) on ${doc.target}`);
  out.push(`native/core: counts on the real kernel / on the Wasm core (${doc.core_device}, stability always). CPU: the policy's threads ` +
    `(submitters, which reap, and the userfaultfd handler), measured, median of ${doc.repeat}; projected: user level, profile ${doc.profile.label}.`);
  const sized = doc.results.some((r) => r.size !== undefined);
  const head = [
    "policy", ...(sized ? ["size"] : []), "corrupt", "lost", "rdfail", "fault", "falsepos", "cow", "stall", "warn", "degr",
    "MiB/s", "cpu_us/io", "above direct: cpu-direct", "steps", "projected", "ratio", "ratio(steps)", "proj(native counts)",
  ];
  const rows: string[][] = [head];
  for (const r of doc.results) {
    const a = r.above_direct;
    rows.push([
      r.policy, ...(sized ? [r.size ? fmtBytes(r.size) : "-"] : []),
      pair(r, "corruptions"), pair(r, "lost_reads"), pair(r, "read_verify_failures"), pair(r, "faults"), pair(r, "false_positives"),
      pair(r, "cow_copies"), pair(r, "stalls"), pair(r, "warnings"), pair(r, "degraded"),
      r.mib_s.toFixed(r.mib_s < 10 ? 2 : r.mib_s < 100 ? 1 : 0), us(r.cpu_per_io_ns), a ? us(a.measured_ns) : "-", a ? us(a.steps_ns) : "-", a?.projected_ns !== undefined ? us(a.projected_ns) : "-",
      a?.ratio !== undefined ? a.ratio.toFixed(2) : "-", a?.steps_ratio !== undefined ? a.steps_ratio.toFixed(2) : "-",
      a && r.projected ? us(r.projected.from_native.perIoNs) : "-",
    ]);
  }
  out.push(columns(rows, 1).trimEnd());
  const unproj = doc.results.filter((r) => r.unprojected);
  for (const u of [...new Set(unproj.map((r) => r.unprojected))])
    out.push(`not projected (${unproj.filter((r) => r.unprojected === u).map((r) => r.policy).filter((p, i, a) => a.indexOf(p) === i).join(", ")}): ${u}`);
  const rated = doc.results.filter((r) => r.above_direct?.ratio !== undefined);
  if (rated.length) {
    const within = rated.filter((r) => Math.abs(r.above_direct!.ratio! - 1) <= NATIVE_TOLERANCE).length;
    const steps = rated.filter((r) => Math.abs(r.above_direct!.steps_ratio! - 1) <= NATIVE_TOLERANCE).length;
    out.push(`Above direct (the policy's own cost, us per I/O): cpu-direct = its CPU less direct's; steps = its steps timed where they run ` +
      `plus the handler's CPU. ratio = projected (user level, the core's counts) / cpu-direct: ${within} of ${rated.length} within ` +
      `±${NATIVE_TOLERANCE * 100}%; / steps: ${steps} of ${rated.length}. The last column projects native's own counts.`);
  }
  for (const n of doc.notes) out.push(`note: ${n}`);
  if (doc.base_cpu) {
    const b = doc.base_cpu;
    out.push(`direct's base CPU on this machine: ${fmtNs(b.per_io_ns)} ns per I/O + ${fmtNs(b.per_page_ns)} ns per 4 KiB page ` +
      `(fitted to ${b.points.map(([s, ns]) => `${fmtBytes(s)}:${us(ns)}us`).join(" ")})`);
  }
  return out.join("\n") + "\n";
}
