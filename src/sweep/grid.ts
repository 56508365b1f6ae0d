// A sweep's grid: sizes x threads x policies x workloads x seeds (plus fixed
// parameters, device, stability mode and core), from flags or a JSON file,
// and its expansion into points. A point's key is the run's key
// (report/document.ts runKey) over its resolved parameters, so a finished
// point is recognised in the journal whatever order it ran in.
import { readFileSync } from "node:fs";
import type { Device, Stable } from "../../assembly/abi.js";
import { STABLE_IDS } from "../host/driver.js";
import { deviceId, type Named } from "../host/names.js";
import { runKey, type SweepGridRecord } from "../report/document.js";
import { count } from "./progress.js";
import type { Workload } from "../workloads/index.js";
import { incompatibility, resolveParams, specsOf } from "../workloads/params.js";
import type { CoreId } from "../cli/cores.js";
import { UsageError } from "../cli/io.js";
import {
  pickCore, pickDevice, pickParams, pickPolicies, pickSeed, pickStable, pickWorkloads, splitList,
} from "../cli/select.js";

/** The grid as typed: flags, or the same names in a JSON file. Lists are comma lists. */
export interface GridText {
  sizes?: string;
  threads?: string;
  policy?: string;
  workload?: string;
  seeds?: string;
  device?: string;
  stable?: string;
  core?: string;
  param?: string[];
}

export interface SweepGrid {
  readonly workloads: readonly Workload[];
  readonly policies: readonly Named<number>[];
  /** null: each workload's default size. */
  readonly sizes: readonly number[] | null;
  /** null: each workload's default; workloads without a threads parameter are not swept over it. */
  readonly threads: readonly number[] | null;
  readonly seeds: readonly number[];
  readonly device: Named<Device> | undefined;
  readonly stable: Stable;
  readonly core: CoreId;
  /** Fixed parameters, for the workloads that have them. */
  readonly params: Readonly<Record<string, number>>;
}

/** Plain data: what a worker needs to run one point. */
export interface SweepPoint {
  readonly key: string;
  readonly workload: string;
  readonly policy: string;
  readonly device: number;
  readonly stable: number;
  readonly core: CoreId;
  readonly seed: number;
  /** Resolved parameters, every spec of the workload. */
  readonly params: Readonly<Record<string, number>>;
}

const FILE_KEYS = ["sizes", "threads", "policies", "workloads", "seeds", "device", "stable", "core", "params"] as const;

/** Reads a grid file (JSON, docs/report.md) into the flags' form. */
export function readGridFile(file: string): GridText {
  let x: unknown;
  try {
    x = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read grid file '${file}': ${code ?? "not JSON"}`);
  }
  const bad = (why: string) => new UsageError(`grid file '${file}': ${why}`);
  if (typeof x !== "object" || x === null || Array.isArray(x)) throw bad("not a JSON object");
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(FILE_KEYS as readonly string[]).includes(k)) throw bad(`unknown key '${k}' (allowed: ${FILE_KEYS.join(", ")})`);
  const list = (k: string): string | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((i) => typeof i === "string" || typeof i === "number")) throw bad(`'${k}' must be a list of strings or numbers`);
    return v.join(",");
  };
  const word = (k: string): string | undefined => {
    const v = o[k];
    if (v !== undefined && typeof v !== "string") throw bad(`'${k}' must be a string`);
    return v as string | undefined;
  };
  const params = o.params;
  if (params !== undefined && (typeof params !== "object" || params === null || Array.isArray(params)))
    throw bad("'params' must be an object of name: value");
  return {
    sizes: list("sizes"), threads: list("threads"), policy: list("policies"), workload: list("workloads"), seeds: list("seeds"),
    device: word("device"), stable: word("stable"), core: word("core"),
    param: params ? Object.entries(params as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`) : undefined,
  };
}

/** Flags win over the file, field by field. */
export function mergeGridText(file: GridText, flags: GridText): GridText {
  const out: GridText = { ...file };
  for (const [k, v] of Object.entries(flags) as Array<[keyof GridText, GridText[keyof GridText]]>) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** "1,2,5" or "1..4" (inclusive). */
function pickSeeds(text: string | undefined): number[] {
  if (text === undefined) return [1];
  const out: number[] = [];
  for (const item of splitList(text)) {
    const range = /^(\d+)\s*\.\.\s*(\d+)$/.exec(item);
    if (!range) out.push(pickSeed(item));
    else {
      const [a, b] = [pickSeed(range[1]), pickSeed(range[2])];
      if (b < a || b - a >= 10_000) throw new UsageError(`bad seed range '${item}' (allowed: a..b with a <= b, at most 10000 seeds)`);
      for (let s = a; s <= b; s++) out.push(s);
    }
  }
  if (!out.length) throw new UsageError("empty --seeds list");
  return [...new Set(out)];
}

/** Each value of a swept parameter, checked like --param name=value against the workloads that have it. */
function pickSwept(name: string, flag: string, text: string | undefined, workloads: readonly Workload[]): number[] | null {
  if (text === undefined) return null;
  const having = workloads.filter((w) => specsOf(w).some((s) => s.name === name));
  if (!having.length) throw new UsageError(`${flag}: no selected workload has a ${name} parameter`);
  const items = splitList(text);
  if (!items.length) throw new UsageError(`empty ${flag} list`);
  return [...new Set(items.map((v) => pickParams([`${name}=${v}`], having)[name]))];
}

export function pickGrid(t: GridText): SweepGrid {
  const workloads = pickWorkloads(t.workload);
  return {
    workloads,
    policies: pickPolicies(t.policy),
    sizes: pickSwept("size", "--sizes", t.sizes, workloads),
    threads: pickSwept("threads", "--threads", t.threads, workloads),
    seeds: pickSeeds(t.seeds),
    device: pickDevice(t.device),
    stable: pickStable(t.stable),
    core: pickCore(t.core),
    params: pickParams(t.param ?? [], workloads),
  };
}

export interface Expansion {
  readonly points: SweepPoint[];
  /** One line per workload that lost points to an incompatibility. */
  readonly skipped: string[];
}

/** Every point of the grid, workload by workload, in a fixed order. */
export function expandGrid(g: SweepGrid): Expansion {
  const points: SweepPoint[] = [];
  const skipped: string[] = [];
  for (const w of g.workloads) {
    const device = g.device?.value ?? w.device;
    const has = (n: string) => specsOf(w).some((s) => s.name === n);
    const sizes = g.sizes ?? [undefined];
    const threads = has("threads") && g.threads ? g.threads : [undefined];
    let lost = 0;
    let why = "";
    for (const size of sizes) {
      for (const t of threads) {
        const given: Record<string, number> = { ...g.params };
        if (size !== undefined) given.size = size;
        // Threads each on a CPU of their own, unless the CPUs are fixed.
        if (t !== undefined) Object.assign(given, { threads: t }, has("cpus") && g.params.cpus === undefined ? { cpus: t } : {});
        let params: Record<string, number>;
        try {
          params = { ...resolveParams(w, device, given) };
          const no = incompatibility(w, params, device);
          if (no) throw new RangeError(no);
        } catch (e) {
          lost += g.policies.length * g.seeds.length;
          why = e instanceof Error ? e.message.replace(`${w.id}: `, "") : String(e);
          continue;
        }
        for (const p of g.policies) {
          for (const seed of g.seeds) {
            const base = { workload: w.id, policy: p.id, device: deviceId(device), stable: STABLE_IDS[g.stable], core: g.core, seed, params };
            points.push({ key: runKey(base), workload: w.id, policy: p.id, device, stable: g.stable, core: g.core, seed, params });
          }
        }
      }
    }
    if (lost) skipped.push(`skipping ${count(lost, "point")} of ${w.id} on ${deviceId(device)}: ${why}`);
  }
  return { points, skipped };
}

/** The grid as results.json records it. */
export function gridRecord(g: SweepGrid): SweepGridRecord {
  return {
    workloads: g.workloads.map((w) => w.id),
    policies: g.policies.map((p) => p.id),
    sizes: g.sizes,
    threads: g.threads,
    seeds: g.seeds,
    device: g.device?.id ?? null,
    stable: STABLE_IDS[g.stable],
    core: g.core,
    params: g.params,
  };
}
