// The crossover across profiles: a grid's counts are measured once, by the
// core, and do not depend on the machine; each profile's unit costs project
// them again, so the answer for this machine can be set beside the range of
// answers across the reference profiles (docs/profiles.md).
import type { Cache } from "../cost/model.js";
import type { CostProfile } from "../cost/profile.js";
import { fmtBytes } from "../shared/units.js";
import { type Crossover, crossovers, gridCells, type GridResult } from "./grid.js";
import type { Mapping } from "./scenario.js";

/** One row of a grid's crossovers: its thread count, mapping, cache state and violation rate. */
export interface RowKey {
  readonly threads: number;
  readonly mapping: Mapping;
  readonly cache: Cache;
  readonly rate: number;
}

/** The row a one-line answer speaks for: the spec's first thread count, hot buffers and no violations where the grid has them. */
export function headlineRow(g: GridResult, mapping: Mapping): RowKey {
  const s = g.spec;
  return {
    threads: s.threads[0],
    mapping,
    cache: s.caches.includes("hot") ? "hot" : s.caches[0],
    rate: s.rates.includes(0) ? 0 : s.rates[0],
  };
}

const sameRow = (x: Crossover, k: RowKey): boolean =>
  x.threads === k.threads && x.mapping === k.mapping && x.cache === k.cache && x.rate === k.rate;

/** The grid's crossovers as `profile` projects them (`challenger` against bounce). */
export function crossoversWith(g: GridResult, profile: CostProfile, challenger = "wp-cow"): Crossover[] {
  return crossovers(gridCells(g.counts, g.spec, profile.costs), g.spec, challenger);
}

/** The crossover size of one row under each profile (null: never in the grid), in the profiles' order. */
export function rowAcross(g: GridResult, profiles: readonly CostProfile[], row: RowKey, challenger = "wp-cow"): Array<number | null> {
  return profiles.map((p) => crossoversWith(g, p, challenger).find((x) => sameRow(x, row))?.size ?? null);
}

/** "from 256K", "never (up to 4M)". */
export function fmtFrom(size: number | null, last: number): string {
  return size === null ? `never (up to ${fmtBytes(last)})` : `from ${fmtBytes(size)}`;
}

/** The span of crossover sizes: "from 64K to never", "from 128K to 256K", "from 128K", "never (up to 4M)". */
export function fmtSpan(sizes: ReadonlyArray<number | null>, last: number): string {
  const found = sizes.filter((s): s is number => s !== null);
  if (!found.length) return fmtFrom(null, last);
  const lo = Math.min(...found);
  const hi = found.length < sizes.length ? "never" : fmtBytes(Math.max(...found));
  return hi === fmtBytes(lo) ? `from ${fmtBytes(lo)}` : `from ${fmtBytes(lo)} to ${hi}`;
}
