// Turning the main job's option strings into checked values. Every failure is
// a UsageError naming the bad value and what is allowed.
import { Stable } from "../../assembly/abi.js";
import { DEVICES, POLICIES, type Named } from "../host/names.js";
import { WORKLOADS, type Workload } from "../workloads/index.js";
import { parseNumber, paramError, specsOf } from "../workloads/params.js";
import type { ParamSpec } from "../workloads/types.js";
import { CORE_IDS, type CoreId } from "./cores.js";
import { unknown, UsageError } from "./io.js";

/**
 * "a,b , c" -> ["a", "b", "c"], duplicates dropped, order kept; "" (or only
 * spaces) -> [] for the caller to refuse. An empty item ("4k,,8k", "4k,") is
 * a mistake, not something to skip: a usage error naming `flag` and the item.
 */
export function splitList(text: string, flag: string): string[] {
  if (text.trim() === "") return [];
  const items = text.split(",").map((s) => s.trim());
  const empty = items.findIndex((s) => s.length === 0);
  if (empty >= 0)
    throw new UsageError(`empty item ${empty + 1} in ${flag} list '${text}' (allowed: values separated by single commas, none empty)`);
  return [...new Set(items)];
}

export function pickNamed<T>(what: string, list: readonly Named<T>[], text: string | undefined): Named<T>[] {
  if (text === undefined) return [...list];
  const ids = splitList(text, `--${what}`);
  if (!ids.length) throw new UsageError(`empty ${what} list (allowed: ${list.map((n) => n.id).join(", ")})`);
  return ids.map((id) => list.find((n) => n.id === id) ?? throwUnknown(what, id, list.map((n) => n.id)));
}

export const pickPolicies = (text?: string) => pickNamed("policy", POLICIES, text);

export function pickDevice(text: string | undefined) {
  if (text === undefined) return undefined;
  return DEVICES.find((d) => d.id === text.trim()) ?? throwUnknown("device", text, DEVICES.map((d) => d.id));
}

export function pickWorkloads(text: string | undefined): Workload[] {
  if (text === undefined) return [...WORKLOADS];
  const ids = splitList(text, "--workload");
  if (!ids.length) throw new UsageError(`empty workload list (allowed: ${WORKLOADS.map((w) => w.id).join(", ")})`);
  return ids.map((id) => WORKLOADS.find((w) => w.id === id) ?? throwUnknown("workload", id, WORKLOADS.map((w) => w.id)));
}

export const MAX_SEED = Number.MAX_SAFE_INTEGER;

export function pickSeed(text: string | undefined): number {
  if (text === undefined) return 1;
  const v = /^[0-9]+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(v)) throw new UsageError(`bad seed '${text}' (allowed: an integer 0..${MAX_SEED})`);
  return v;
}

const STABLE_IDS: Record<string, Stable> = { auto: Stable.AUTO, always: Stable.ALWAYS, never: Stable.NEVER };

export function pickStable(text: string | undefined): Stable {
  if (text === undefined) return Stable.AUTO;
  const v = STABLE_IDS[text.trim()];
  if (v === undefined) throw unknown("stable mode", text, Object.keys(STABLE_IDS));
  return v;
}

export function pickCore(text: string | undefined): CoreId {
  if (text === undefined) return "wasm";
  const id = CORE_IDS.find((c) => c === text.trim());
  if (!id) throw unknown("core", text, CORE_IDS);
  return id;
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

function throwUnknown(what: string, value: string, allowed: readonly string[]): never {
  throw unknown(what, value, allowed);
}
