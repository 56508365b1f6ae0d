// One sweep point on a core: the workload under the policy with the point's
// parameters and seed, reduced to the record the journal keeps.
import type { Core } from "../core/core.js";
import { runWorkload } from "../host/driver.js";
import { findId, POLICIES } from "../shared/names.js";
import { runRecord, type RunRecord } from "../report/document.js";
import { findWorkload } from "../workloads/index.js";
import type { SweepPoint } from "./grid.js";

export function runPoint(core: Core, p: SweepPoint): RunRecord {
  const workload = findWorkload(p.workload);
  const policy = findId(POLICIES, p.policy);
  if (!workload || !policy) throw new Error(`sweep point names an unknown workload or policy: ${p.key}`);
  const r = runRecord(runWorkload(core, { workload, policy: policy.value, device: p.device, seed: p.seed, params: p.params, stable: p.stable }));
  // The key is computed before the run from the same parameters; a difference is a bug, and would break resuming.
  if (r.key !== p.key) throw new Error(`sweep point key changed by the run: ${p.key} -> ${r.key}`);
  return r;
}
