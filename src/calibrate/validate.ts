// calibrate --validate: the model's prediction beside a native user-level
// emulation of the same I/O. The counts come from the same small runs of the
// core that the crossover uses (src/crossover/scenario.ts), the costs from the
// just-measured profile at user level: mprotect calls pay syscall and VMA
// split, faults pay signal delivery, copies go to preallocated buffers.
import { Policy } from "../../assembly/abi.js";
import type { Core } from "../core/core.js";
import { project } from "../cost/model.js";
import type { UnitCosts } from "../cost/profile.js";
import { runScenario } from "../crossover/scenario.js";

/** The tolerance: the model within 25% of the native emulation. */
export const TOLERANCE = 0.25;

export interface ValidationRow {
  readonly policy: "wp-cow" | "bounce";
  readonly size: number;
  /** Threads of the process running (the emulation's main thread plus spinners). */
  readonly threads: number;
  /** Fraction of I/Os whose buffer the process writes in flight (0 or 1). */
  readonly rate: number;
  readonly measuredNs: number;
  readonly predictedNs: number;
  /** predicted / measured. */
  readonly ratio: number;
  readonly within: boolean;
}

/** Rows from the program's "validate.<policy>.<size>.<rate>.<threads> ns" figures. */
export function validationRows(figures: Readonly<Record<string, number>>, costs: UnitCosts, core: Core): ValidationRow[] {
  const rows: ValidationRow[] = [];
  for (const [name, measuredNs] of Object.entries(figures)) {
    const m = /^validate\.(wp-cow|bounce)\.(\d+)\.([01])\.(\d+)$/.exec(name);
    if (!m) continue;
    const policy = m[1] as "wp-cow" | "bounce";
    const size = Number(m[2]);
    const rate = Number(m[3]);
    const threads = Number(m[4]);
    const counters = runScenario(core, {
      policy: policy === "wp-cow" ? Policy.WP_COW : Policy.BOUNCE, size, threads, mapping: "pte", violate: rate === 1,
    });
    const predictedNs = project(counters, costs, { cache: "hot", level: "user" }).perIoNs;
    const ratio = predictedNs / measuredNs;
    rows.push({ policy, size, threads, rate, measuredNs, predictedNs, ratio, within: Math.abs(ratio - 1) <= TOLERANCE });
  }
  return rows.sort((a, b) => a.policy.localeCompare(b.policy) || a.threads - b.threads || a.rate - b.rate || a.size - b.size);
}
