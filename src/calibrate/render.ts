// calibrate's text output: the native figures, the unit costs derived from
// them, the decomposition's cross-checks, and (--validate) the model beside
// the emulation.
import { fmtBytes } from "../shared/units.js";
import type { Check } from "../cost/decompose.js";
import type { CostProfile } from "../cost/profile.js";
import { columns, fmtNs } from "../report/fmt.js";
import { TOLERANCE, type ValidationRow } from "./validate.js";
import { renderUffd } from "./uffd.js";

const UNITS: Record<string, string> = {
  syscall: "enter and leave the kernel (getppid)",
  vma: "user level: VMA split + merge per mprotect call",
  pte: "change one PTE or PMD entry",
  flush_page: "per page of a shootdown of <= 33 pages (page by page)",
  flush: "local TLB flush of a shootdown",
  walk: "a write-protect's or restore's page-table walk of its own (fixed work)",
  ipi: "per remote CPU of a shootdown of <= 33 pages",
  ipi_full: "per remote CPU of a shootdown that flushes all",
  fault: "kernel fault entry + handling + return",
  signal: "user level: SIGSEGV delivery + return, beyond the fault",
  page_alloc: "allocate and free a page or bounce folio",
  pin: "pin and release one user page (GUP fast)",
  stall: "CPU of one stall: block + wake-up",
  csum_byte: "device checksum per byte",
};

export function renderProfile(p: CostProfile, checks: readonly Check[], file?: string): string {
  const out: string[] = [];
  out.push(`stable-dio cost profile '${p.name}': ${p.source}`);
  out.push(`${p.date} on ${p.machine.cpu}, ${p.machine.cores} cores, ${p.machine.kernel}, ${p.machine.os}`);
  out.push("", "Measured natively (ns per operation, medians):");
  const mr: string[][] = [];
  for (const [k, v] of Object.entries(p.measured)) if (!k.startsWith("validate.")) mr.push([`  ${k}`, fmtNs(v)]);
  out.push(columns(mr).trimEnd());
  out.push("", "Unit costs (ns; docs/cost-model.md says how each is derived):");
  const ur: string[][] = [];
  for (const [k, what] of Object.entries(UNITS)) {
    const v = (p.costs as unknown as Record<string, number | undefined>)[k];
    if (v === undefined) continue; // a profile from before that unit cost (walk)
    ur.push([`  ${k}`, fmtNs(v), p.assumed.includes(k) ? `${what} (assumed)` : what]);
  }
  for (const cache of ["hot", "cold"] as const) {
    const curve = cache === "hot" ? p.costs.copy_hot : p.costs.copy_cold;
    ur.push([`  copy_${cache}`, curve.map(([b, ns]) => `${fmtBytes(b)}:${fmtNs(ns)}`).join(" "), `memcpy, buffers ${cache}`]);
  }
  out.push(columns(ur, 1).replace(/^(.*?)\s+$/gm, "$1").trimEnd());
  if (p.uffd) out.push(...renderUffd({ costs: p.uffd, checks: [] }, p.costs, fmtNs));
  else if (p.name === "calibrated") out.push(...renderUffd({ missing: "not measured here", checks: [] }, p.costs, fmtNs));
  if (checks.length) {
    out.push("", "Cross-checks: figures the decomposition did not use, predicted from the unit costs:");
    const cr: string[][] = [["  figure", "predicted", "measured", "ratio", "how"]];
    for (const c of checks) cr.push([`  ${c.name}`, fmtNs(c.predicted), fmtNs(c.measured), (c.predicted / c.measured).toFixed(2), c.what]);
    out.push(columns(cr, 1).trimEnd());
  }
  if (file) out.push("", `Profile written to ${file}`);
  return out.join("\n") + "\n";
}

export function renderValidation(rows: readonly ValidationRow[]): string {
  const out: string[] = [];
  out.push(
    "Validation: native user-level emulation per I/O (measured) beside the model's prediction (projected from the",
    "profile just measured, user level: counts from runs of the Wasm core, one mprotect per protect/restore/COW).",
  );
  const r: string[][] = [["policy", "size", "threads", "violations", "measured us", "predicted us", "ratio", `within ±${TOLERANCE * 100}%`]];
  for (const x of rows) {
    r.push([
      x.policy, fmtBytes(x.size), String(x.threads), x.rate === 1 ? "every I/O" : "none",
      fmtNs(x.measuredNs / 1000), fmtNs(x.predictedNs / 1000), x.ratio.toFixed(2), x.within ? "yes" : "NO",
    ]);
  }
  out.push(columns(r, 1).trimEnd());
  const n = rows.filter((x) => x.within).length;
  out.push(`${n} of ${rows.length} within ±${TOLERANCE * 100}%.`);
  return out.join("\n") + "\n";
}
