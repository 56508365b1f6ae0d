// DIR/sweep.json: what a sweep directory's journal is a part of. Written (atomically) when a sweep starts:
// the grid as results.json records it, the specs of the workloads that came
// from files (a merge on another machine has no such files), which share of
// the grid this directory runs (--shard K/N), and how many points the whole
// grid has. `stable-dio report --from DIR...` reads it to rebuild the grid,
// check that the directories are shards of one sweep, and order their points.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../shared/atomic.js";
import { UsageError } from "../shared/io.js";
import type { SweepGridRecord } from "../report/document.js";
import { pickCore } from "../host/cores.js";
import { pickDevice, pickPolicies, pickStable } from "../shared/select.js";
import { parseWp } from "../shared/wp.js";
import { findWorkload } from "../workloads/index.js";
import type { WorkloadSpec } from "../workloads/spec.js";
import { gridRecord, isBuiltin, type SweepGrid } from "./grid.js";
import { workloadsOf } from "./run-point.js";

export const SWEEP_FILE = "sweep.json";
export const SWEEP_FILE_VERSION = 1;

export interface Shard {
  readonly k: number;
  readonly n: number;
}

export interface SweepFile {
  readonly tool: "stable-dio";
  readonly kind: "sweep";
  readonly v: number;
  readonly grid: SweepGridRecord;
  /** The specs of the grid's workloads that are not built-ins, by id. */
  readonly workloads: Readonly<Record<string, WorkloadSpec>>;
  readonly shard: Shard | null;
  /** Points of the whole grid. */
  readonly points: number;
}

/** The grid's workloads that came from files, as specs by id. */
export function fileSpecs(g: SweepGrid): Record<string, WorkloadSpec> {
  return Object.fromEntries(g.workloads.filter((w) => !isBuiltin(w)).map((w) => [w.id, w.spec as WorkloadSpec]));
}

export function writeSweepFile(dir: string, g: SweepGrid, shard: Shard | undefined, points: number): void {
  const f: SweepFile = { tool: "stable-dio", kind: "sweep", v: SWEEP_FILE_VERSION, grid: gridRecord(g), workloads: fileSpecs(g), shard: shard ?? null, points };
  writeFileAtomic(join(dir, SWEEP_FILE), JSON.stringify(f, null, 2) + "\n");
}

export function readSweepFile(dir: string): SweepFile {
  const file = join(dir, SWEEP_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new UsageError(code === "ENOENT"
      ? `'${dir}' has no ${SWEEP_FILE}: not a sweep's directory (or a sweep started before stable-dio recorded its grid: run it there again, it resumes from its journal)`
      : `cannot read '${file}': ${code}`);
  }
  let f: SweepFile;
  try {
    f = JSON.parse(text) as SweepFile;
  } catch {
    throw new UsageError(`${file} is not JSON: move it away and run the sweep there again`);
  }
  if (f?.tool !== "stable-dio" || f.kind !== "sweep" || f.v !== SWEEP_FILE_VERSION || typeof f.grid !== "object")
    throw new UsageError(`${file} is not a stable-dio sweep record (version ${SWEEP_FILE_VERSION})`);
  return f;
}

/** The grid a sweep.json records, rebuilt as the sweep had it: the same points, in the same order. */
export function gridOfRecord(f: SweepFile): SweepGrid {
  const files = workloadsOf(f.workloads);
  const g = f.grid;
  return {
    workloads: g.workloads.map((id) => files.get(id) ?? findWorkload(id) ?? fail(`its workload '${id}' is neither a built-in nor recorded`)),
    sources: [],
    policies: pickPolicies(g.policies.join(",")),
    sizes: g.sizes,
    threads: g.threads,
    seeds: g.seeds,
    device: g.device === null ? undefined : pickDevice(g.device),
    stable: pickStable(g.stable),
    core: pickCore(g.core),
    params: g.params,
    ...(g.wp ? { wp: parseWp(g.wp, "its wp") } : {}),
  };
}

function fail(why: string): never {
  throw new UsageError(`a sweep.json cannot be read back: ${why}`);
}
