// A sweep's grid: sizes x threads x policies x workloads x seeds (plus fixed
// parameters, device, stability mode and core), from flags or a JSON file,
// and its expansion into points. Workloads are built-ins, workload files or
// fio job files; a file's workload travels as its spec (to the workers, into
// sweep.json). A point's key is the run's key (report/document.ts runKey)
// over its resolved parameters, and for a file's workload a digest of its
// spec (an edited file is a new point), so a finished point is recognised in
// the journal whatever order it ran in.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Device, Stable } from "../../assembly/abi.js";
import { deviceId, STABLE_IDS, type Named } from "../shared/names.js";
import { runKey, type SweepGridRecord } from "../report/document.js";
import { count } from "./progress.js";
import type { Workload } from "../workloads/index.js";
import { incompatibility, resolveParams, specsOf } from "../workloads/params.js";
import { pickCore, type CoreId } from "../host/cores.js";
import { UsageError } from "../shared/io.js";
import { parseJsonSource, SourceError, type JsonSource } from "../workloads/json-source.js";
import { pickDevice, pickPolicies, pickSeed, pickStable, splitList } from "../shared/select.js";
import { pickParams, pickWorkloadItems as pickWorkloadFiles } from "../workloads/select.js";
import { findWorkload } from "../workloads/index.js";
import { loadFioFile } from "../fio/translate.js";
import { mergeWp, parseWp, wpChanges, WP_KEYS, type WpChoices } from "../shared/wp.js";

/** The grid as typed: flags, or the same names in a JSON file. Lists are comma lists. */
export interface GridText {
  sizes?: string;
  threads?: string;
  policy?: string;
  workload?: string;
  fio?: string;
  seeds?: string;
  device?: string;
  stable?: string;
  core?: string;
  param?: string[];
  /** --wp: a fixed setting of every point (not a dimension). */
  wp?: string;
}

export interface SweepGrid {
  readonly workloads: readonly Workload[];
  /** The files the workloads that are not built-ins came from, and their notes (fio options ignored, ...). */
  readonly sources: readonly GridSource[];
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
  /** --wp: the write-protect's implementation choices of every point, over each workload's own. */
  readonly wp?: Partial<WpChoices>;
}

export interface GridSource {
  readonly id: string;
  readonly file: string;
  readonly kind: "workload" | "fio";
  readonly ignored: readonly string[];
  readonly notModelled: readonly string[];
  readonly notes: readonly string[];
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
  /** The grid's --wp (the workload's own "wp" applies under it). */
  readonly wp?: Partial<WpChoices>;
}

const FILE_KEYS = ["sizes", "threads", "policies", "workloads", "fio", "seeds", "device", "stable", "core", "params", "wp"] as const;
type FileKey = (typeof FILE_KEYS)[number];
/** The GridText field each file key fills. */
const FIELD_OF: Record<FileKey, keyof GridText> = {
  sizes: "sizes", threads: "threads", policies: "policy", workloads: "workload", fio: "fio", seeds: "seeds",
  device: "device", stable: "stable", core: "core", params: "param", wp: "wp",
};

/** A grid file: its fields in the flags' form, and the line each field is on (for errors about its values). */
export interface GridFile {
  readonly file: string;
  readonly text: GridText;
  readonly lines: Partial<Record<keyof GridText, number>>;
}

/** Reads a grid file (strict JSON, docs/report.md) into the flags' form; problems name the file and the line. */
export function readGridFile(file: string): GridFile {
  let raw: string;
  try {
    raw = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read grid file '${file}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let src: JsonSource;
  try {
    src = parseJsonSource(file, raw);
  } catch (e) {
    if (e instanceof SourceError) throw new UsageError(e.message);
    throw e;
  }
  const x = src.value;
  const bad = (pointer: string, why: string) => new UsageError(`${file}:${src.lineOf(pointer)}: ${why}`);
  if (typeof x !== "object" || x === null || Array.isArray(x)) throw bad("", `expected a JSON object of ${FILE_KEYS.join(", ")}`);
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(FILE_KEYS as readonly string[]).includes(k)) throw bad(`/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`, `unknown key '${k}' (allowed: ${FILE_KEYS.join(", ")})`);
  const list = (k: FileKey): string | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((i) => typeof i === "string" || typeof i === "number")) throw bad(`/${k}`, `'${k}' must be a list of strings or numbers`);
    // One value per item: an empty one, or a comma inside one, would be dropped or split when the list is joined.
    v.forEach((item, i) => {
      if (typeof item === "string" && (item.trim() === "" || item.includes(",")))
        throw bad(`/${k}/${i}`, `'${k}' item ${i + 1} is ${item.trim() === "" ? "empty" : `'${item}', with a comma`} (allowed: one value per item)`);
    });
    return v.join(",");
  };
  const word = (k: FileKey): string | undefined => {
    const v = o[k];
    if (v !== undefined && typeof v !== "string") throw bad(`/${k}`, `'${k}' must be a string`);
    return v as string | undefined;
  };
  const params = o.params;
  if (params !== undefined && (typeof params !== "object" || params === null || Array.isArray(params)))
    throw bad("/params", "'params' must be an object of name: value");
  const param = params === undefined ? undefined : Object.entries(params as Record<string, unknown>).map(([k, v]) => {
    const at = `/params/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    if (typeof v !== "number" && typeof v !== "string") throw bad(at, `params.${k} must be a number or a string`);
    // One value per name: a comma or '=' would smuggle in another parameter on the way to --param.
    if (/[,=]/.test(k) || (typeof v === "string" && /[,=]/.test(v)))
      throw bad(at, `params.${k} must be one value (no ',' or '=' in a name or value), got ${JSON.stringify(v)}`);
    return `${k}=${v}`;
  });
  const text: GridText = {
    sizes: list("sizes"), threads: list("threads"), policy: list("policies"), workload: list("workloads"), fio: list("fio"), seeds: list("seeds"),
    device: word("device"), stable: word("stable"), core: word("core"), param, wp: word("wp"),
  };
  const lines: Partial<Record<keyof GridText, number>> = {};
  for (const k of FILE_KEYS) if (o[k] !== undefined) lines[FIELD_OF[k]] = src.lineOf(`/${k}`);
  return { file, text, lines };
}

/** Flags win over the file, field by field; the file's lines stay only for the fields it still gives. */
export function mergeGridText(file: GridFile, flags: GridText): GridFile {
  const text: GridText = { ...file.text };
  const lines = { ...file.lines };
  for (const [k, v] of Object.entries(flags) as Array<[keyof GridText, GridText[keyof GridText]]>) {
    if (v === undefined) continue;
    (text as Record<string, unknown>)[k] = v;
    delete lines[k];
  }
  return { file: file.file, text, lines };
}

/** Workload files and fio job files: their workloads, with where they came from. */
function pickWorkloadItems(text: string | undefined): Array<{ readonly workload: Workload; readonly source?: GridSource }> {
  return pickWorkloadFiles(text).map((p) => ({
    workload: p.workload,
    ...(p.file ? { source: { id: p.workload.id, file: p.file, kind: "workload", ignored: [], notModelled: [], notes: [] } as GridSource } : {}),
  }));
}

function pickFio(text: string): Array<{ readonly workload: Workload; readonly source: GridSource }> {
  const files = splitList(text, "--fio");
  if (!files.length) throw new UsageError("empty --fio list (allowed: fio job files, comma separated)");
  return files.map((file) => {
    try {
      const f = loadFioFile(file);
      return { workload: f.workload, source: { id: f.workload.id, file, kind: "fio", ignored: f.ignored, notModelled: f.notModelled, notes: f.notes } };
    } catch (e) {
      if (e instanceof SourceError) throw new UsageError(e.message);
      throw e;
    }
  });
}

/** A digest of a file workload's spec: in its points' keys, so an edited file makes new points. */
export function specDigest(w: Workload): string {
  return createHash("sha256").update(JSON.stringify(w.spec ?? null)).digest("hex").slice(0, 12);
}

/** Whether the workload is a built-in (its id finds it), not a file's. */
export const isBuiltin = (w: Workload): boolean => findWorkload(w.id) === w;

/** "1,2,5" or "1..4" (inclusive). */
function pickSeeds(text: string | undefined): number[] {
  if (text === undefined) return [1];
  const out: number[] = [];
  for (const item of splitList(text, "--seeds")) {
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
  const items = splitList(text, flag);
  if (!items.length) throw new UsageError(`empty ${flag} list`);
  return [...new Set(items.map((v) => pickParams([`${name}=${v}`], having)[name]))];
}

/**
 * The grid, every field checked. `from`: the grid file (merged with the
 * flags) the fields came from; a bad value it gives is named by its file and
 * line.
 */
export function pickGrid(t: GridText, from?: GridFile): SweepGrid {
  const field = <T>(name: keyof GridText, pick: () => T): T => {
    try {
      return pick();
    } catch (e) {
      const line = from?.lines[name];
      if (e instanceof UsageError && from && line !== undefined) throw new UsageError(`${from.file}:${line}: ${e.message}`);
      throw e;
    }
  };
  const picked = [
    ...(t.workload !== undefined || t.fio === undefined ? field("workload", () => pickWorkloadItems(t.workload)) : []),
    ...(t.fio === undefined ? [] : field("fio", () => pickFio(t.fio!))),
  ];
  const seen = new Map<string, string>();
  for (const p of picked) {
    const from = p.source?.file ?? "the built-in";
    const twin = seen.get(p.workload.id);
    if (twin !== undefined) throw new UsageError(`two workloads are named '${p.workload.id}' (${twin} and ${from}): give one of them another id`);
    seen.set(p.workload.id, from);
  }
  const workloads = picked.map((p) => p.workload);
  return {
    workloads,
    sources: picked.flatMap((p) => (p.source ? [p.source] : [])),
    policies: field("policy", () => pickPolicies(t.policy)),
    sizes: field("sizes", () => pickSwept("size", "--sizes", t.sizes, workloads)),
    threads: field("threads", () => pickSwept("threads", "--threads", t.threads, workloads)),
    seeds: field("seeds", () => pickSeeds(t.seeds)),
    device: field("device", () => pickDevice(t.device)),
    stable: field("stable", () => pickStable(t.stable)),
    core: field("core", () => pickCore(t.core)),
    params: field("param", () => pickParams(t.param ?? [], workloads)),
    ...(t.wp === undefined ? {} : { wp: field("wp", () => parseWp(t.wp!)) }),
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
    const spec = isBuiltin(w) ? "" : ` spec=${specDigest(w)}`;
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
        // The run's choices: the grid's --wp over the workload's own; its key names them when they are not the default.
        const wp = wpChanges(mergeWp(w.wp?.(params, device), g.wp));
        for (const p of g.policies) {
          for (const seed of g.seeds) {
            const base = {
              workload: w.id, policy: p.id, device: deviceId(device), stable: STABLE_IDS[g.stable], core: g.core, seed, params, ...(wp ? { wp } : {}),
            };
            points.push({
              key: runKey(base) + spec, workload: w.id, policy: p.id, device, stable: g.stable, core: g.core, seed, params,
              ...(g.wp ? { wp: g.wp } : {}),
            });
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
    wp: g.wp ? wpGiven(g.wp) : null,
  };
}

/** Partial choices as --wp writes them ("restore=lazy,batch=8"), in key order. */
export function wpGiven(wp: Partial<WpChoices>): string {
  return WP_KEYS.filter((k) => wp[k] !== undefined).map((k) => `${k}=${wp[k]}`).join(",");
}
