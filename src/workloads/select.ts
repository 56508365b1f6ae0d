// Turning the workload options as users type them into checked values: which
// workloads (--workload), and parameter overrides (--param name=value). Every
// failure is a UsageError naming the bad value and what is allowed.
import { UsageError, unknown } from "../shared/io.js";
import { splitList, throwUnknown } from "../shared/select.js";
import { findWorkload, WORKLOADS, type Workload } from "./index.js";
import { SourceError } from "./json-source.js";
import { loadWorkloadFile } from "./load.js";
import { parseNumber, paramError, specsOf } from "./params.js";
import type { ParamSpec } from "./types.js";

export function pickWorkloads(text: string | undefined): Workload[] {
  return pickWorkloadItems(text).map((p) => p.workload);
}

/** A workload --workload named: a built-in, or one from the user's workload file. */
export interface PickedWorkload {
  readonly workload: Workload;
  /** The file it came from, as given (undefined for a built-in). */
  readonly file?: string;
}

/** A --workload item that names a file rather than a built-in: a path, or a .json name. */
export const isWorkloadFile = (item: string): boolean => /[/\\]|\.json$/i.test(item);

/**
 * --workload: a comma list of built-in ids (any case) and workload files
 * (docs/workloads.md); none given: every built-in. A file that cannot be read
 * or is malformed is a UsageError naming it and its line.
 */
export function pickWorkloadItems(text: string | undefined): PickedWorkload[] {
  if (text === undefined) return WORKLOADS.map((workload) => ({ workload }));
  const items = splitList(text, "--workload");
  if (!items.length) throw new UsageError(`empty workload list (allowed: ${WORKLOADS.map((w) => w.id).join(", ")}, or a .json workload file)`);
  const out: PickedWorkload[] = [];
  for (const item of items) {
    const builtin = findWorkload(item);
    if (builtin) {
      if (!out.some((p) => p.workload === builtin)) out.push({ workload: builtin });
      continue;
    }
    if (!isWorkloadFile(item)) throwUnknown("workload", item, [...WORKLOADS.map((w) => w.id), "or a .json workload file"]);
    try {
      out.push({ workload: loadWorkloadFile(item), file: item });
    } catch (e) {
      if (e instanceof SourceError) throw new UsageError(e.message);
      throw e;
    }
  }
  return out;
}

/**
 * --param name=value (repeatable, or comma-separated). A name must belong to
 * at least one selected workload; each value is checked against every selected
 * workload that has the parameter.
 */
export function pickParams(items: readonly string[], workloads: readonly Workload[]): Record<string, number> {
  const specs = new Map<string, ParamSpec[]>();
  for (const w of workloads) for (const s of specsOf(w)) specs.set(s.name, [...(specs.get(s.name) ?? []), s]);
  const out: Record<string, number> = {};
  for (const item of items.flatMap((i) => splitList(i, "--param"))) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UsageError(`bad parameter '${item}' (expected name=value, e.g. size=64k)`);
    const name = item.slice(0, eq).trim();
    const text = item.slice(eq + 1).trim();
    const list = specs.get(name);
    if (!list) throw unknown("parameter", name, [...specs.keys()].sort());
    const v = parseNumber(text, list[0].kind);
    if (v === undefined) throw new UsageError(`bad value '${text}' for ${name} (allowed: ${kindHelp(list[0])})`);
    for (const s of list) {
      const err = paramError(s, v);
      if (err) throw new UsageError(`bad value '${text}' for ${name}: ${err}`);
    }
    out[name] = v;
  }
  return out;
}

function kindHelp(s: ParamSpec): string {
  switch (s.kind) {
    case "bytes": return "a byte count such as 4096, 64k, 4M";
    case "fraction": return "a number from 0 to 1";
    case "flag": return "0 or 1";
    case "count": return "a whole number";
  }
}
