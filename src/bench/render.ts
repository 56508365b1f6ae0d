// The bench report as text, in a user's words: one row per operation (Wasm,
// then the model and the ratio), derived rates, and the speeds the core is
// built to reach. (The loops' accumulators, proof the work was not optimised
// away, are in --json only.)
import { columns, fmtNs, fmtRate } from "../report/fmt.js";
import { machineLine } from "../shared/machine.js";
import type { BenchReport } from "./run.js";

export function renderBench(r: BenchReport): string {
  const out: string[] = [];
  out.push(`stable-dio bench: measured ${r.date} on ${machineLine(r.machine)}`);
  out.push(`${r.note}`);
  out.push(`Samples: ${r.options.samples} per operation, about ${r.options.sampleMs} ms each, after ${r.options.warmupMs} ms of warm-up.`);
  if (r.against) out.push(`Against: ${r.against}, every operation timed on it too, its samples alternating with ${r.wasm}'s.`);
  out.push("");
  const vs = r.against !== undefined;
  const head = ["operation", "wasm ns", "p99", "ops/s", ...(vs ? ["against ns", "p99", "wasm/against"] : []), "model ns", "p99", "model/wasm"];
  const rows: string[][] = [head];
  for (const x of r.results) {
    const a = x.against;
    rows.push([
      x.label, fmtNs(x.wasm.medianNs), fmtNs(x.wasm.p99Ns), fmtRate(x.wasm.opsPerSec),
      ...(vs ? [a ? fmtNs(a.medianNs) : "-", a ? fmtNs(a.p99Ns) : "-", a ? `${(x.wasm.medianNs / a.medianNs).toFixed(2)}x` : "-"] : []),
      x.model ? fmtNs(x.model.medianNs) : "-", x.model ? fmtNs(x.model.p99Ns) : "-",
      x.ratio !== undefined ? `${x.ratio.toFixed(1)}x` : "-",
    ]);
  }
  out.push(columns(rows).trimEnd());
  const rates = r.results.filter((x) => x.bytes && (x.group === "csum" || x.group === "copy"));
  if (rates.length) {
    out.push("", "Rates (measured, from the medians):");
    const rr: string[][] = [["operation", "wasm GB/s", "wasm ns/KiB", "model GB/s"]];
    for (const x of rates) {
      const b = x.bytes!;
      rr.push([
        x.label, (b / x.wasm.medianNs).toFixed(2), fmtNs((x.wasm.medianNs * 1024) / b),
        x.model ? (b / x.model.medianNs).toFixed(3) : "-",
      ]);
    }
    out.push(columns(rr).trimEnd());
  }
  if (r.targets.length) {
    out.push("", "Targets (the speeds the Wasm core is built to reach, BENCHMARKS.md):");
    const tr: string[][] = [["target", "measured", "", ""]];
    for (const t of r.targets) tr.push([t.target, t.measured, t.met ? "met" : "MISSED", t.margin]);
    out.push(columns(tr, 1).trimEnd());
  }
  return out.join("\n") + "\n";
}
