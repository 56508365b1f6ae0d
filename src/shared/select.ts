// Turning option strings into checked values: comma lists, and the names of
// the shared vocabulary (policies, devices, stability modes) and seeds. Every
// failure is a UsageError naming the bad value and what is allowed. Workloads
// and their parameters are picked in workloads/select.ts, the core in
// host/cores.ts; the CLI and the sweep's grid both use all three.
import { Stable } from "../../assembly/abi.js";
import { DEVICES, POLICIES, STABLE_IDS, type Named } from "./names.js";
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
  const named = ids.map((id) => findNamed(list, id) ?? throwUnknown(what, id, list.map((n) => n.id)));
  return [...new Set(named)]; // "bounce,Bounce" is one policy
}

/** The name `text` means, whatever its case ("Bounce" is bounce): ids are lower case. */
export function findNamed<T>(list: readonly Named<T>[], text: string): Named<T> | undefined {
  const id = text.trim().toLowerCase();
  return list.find((n) => n.id === id);
}

export const pickPolicies = (text?: string) => pickNamed("policy", POLICIES, text);

export function pickDevice(text: string | undefined) {
  if (text === undefined) return undefined;
  return findNamed(DEVICES, text) ?? throwUnknown("device", text, DEVICES.map((d) => d.id));
}

export const MAX_SEED = Number.MAX_SAFE_INTEGER;

export function pickSeed(text: string | undefined): number {
  if (text === undefined) return 1;
  const v = /^[0-9]+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(v)) throw new UsageError(`bad seed '${text}' (allowed: an integer 0..${MAX_SEED})`);
  return v;
}

export function pickStable(text: string | undefined): Stable {
  if (text === undefined) return Stable.AUTO;
  const v = STABLE_IDS.findIndex((id) => id === text.trim().toLowerCase());
  if (v < 0) throw unknown("stable mode", text, STABLE_IDS);
  return v as Stable;
}

/** unknown() thrown, for `list.find(...) ?? throwUnknown(...)`. */
export function throwUnknown(what: string, value: string, allowed: readonly string[]): never {
  throw unknown(what, value, allowed);
}
