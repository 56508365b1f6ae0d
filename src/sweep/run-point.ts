// One sweep point on a core: the workload under the policy with the point's
// parameters and seed, reduced to the record the journal keeps. A workload
// that is not a built-in comes as its spec (the file it was read from stays
// with the main thread), rebuilt once per worker.
import type { Core } from "../core/core.js";
import { runWorkload } from "../host/driver.js";
import { findId, POLICIES } from "../shared/names.js";
import { runRecord, type RunRecord } from "../report/document.js";
import { workloadFromSpec } from "../workloads/engine.js";
import { findWorkload } from "../workloads/index.js";
import type { WorkloadSpec } from "../workloads/spec.js";
import type { Workload } from "../workloads/types.js";
import type { SweepPoint } from "./grid.js";

/** The workloads of a grid's files, by id, from their specs. */
export function workloadsOf(specs: Readonly<Record<string, WorkloadSpec>>): Map<string, Workload> {
  return new Map(Object.entries(specs).map(([id, spec]) => [id, workloadFromSpec(spec, { file: id, lineOf: () => 0 })]));
}

export function runPoint(core: Core, p: SweepPoint, files: ReadonlyMap<string, Workload> = new Map()): RunRecord {
  const workload = files.get(p.workload) ?? findWorkload(p.workload);
  const policy = findId(POLICIES, p.policy);
  if (!workload || !policy) throw new Error(`sweep point names an unknown workload or policy: ${p.key}`);
  const r = runRecord(runWorkload(core, { workload, policy: policy.value, device: p.device, seed: p.seed, params: p.params, stable: p.stable, wp: p.wp }));
  // The key is computed before the run from the same parameters (and, for a file's workload, its spec's digest);
  // a difference is a bug, and would break resuming.
  if (!(p.key === r.key || p.key.startsWith(`${r.key} spec=`))) throw new Error(`sweep point key changed by the run: ${p.key} -> ${r.key}`);
  return { ...r, key: p.key };
}
