// The main table's projected column: each run's counters through the cost
// model (kernel level, hot buffers) with a profile. Measured counts,
// projected cost: the column and its footnote say so, and name the profile.
import { type Cache, project } from "../cost/model.js";
import type { CostProfile } from "../cost/profile.js";
import { profileLabel } from "../cost/profile.js";
import type { RunResult } from "../host/result.js";

export interface TableProjection {
  readonly profile: string;
  readonly cache: Cache;
  /** Projected kernel CPU per I/O, us, one per result. */
  readonly perIoUs: readonly number[];
  /** The crossover verdict line. */
  readonly verdict: string;
}

export const PROJECTED_HEADER = "proj_us";

export function projectResults(results: readonly RunResult[], profile: CostProfile, verdict: string): TableProjection {
  const cache: Cache = "hot";
  return {
    profile: profileLabel(profile),
    cache,
    perIoUs: results.map((r) => project(r.counters, profile.costs, { cache }).perIoNs / 1000),
    verdict,
  };
}

export function projectionFootnote(p: TableProjection): string {
  return `${PROJECTED_HEADER}: projected kernel CPU per I/O (us) from the ${p.profile} profile, ${p.cache} buffers; ` +
    "the other columns are counts measured by the core.";
}
