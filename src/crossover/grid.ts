// The crossover grid: for every I/O size, thread count and mapping, the
// counts of each policy per I/O from real runs of the core (once without and
// once with a violation on every I/O; a rate r is the mix (1-r, r) of the
// two, exact because every I/O starts from the same state), then their
// projected cost under each cache state and violation rate, and the size from
// which wp-cow costs less than bounce. `stable-dio crossover` runs the four
// policies of GRID_POLICIES; the report's curves ask for any others.
import { Policy } from "../../assembly/abi.js";
import type { Core } from "../core/core.js";
import { POLICIES } from "../shared/names.js";
import { KiB, MiB } from "../shared/units.js";
import { type Cache, DEFAULT_STALL_WAIT_NS, project, type ProjectOptions } from "../cost/model.js";
import type { UnitCosts } from "../cost/profile.js";
import { type Mapping, runScenario } from "./scenario.js";
import { DEFAULT_WP, type WpChoices, wpChanges } from "../shared/wp.js";
import { type Best, cheapestSafe, wpCombinations } from "../cost/best.js";

export const GRID_POLICIES = [
  { id: "direct", value: Policy.DIRECT },
  { id: "bounce", value: Policy.BOUNCE },
  { id: "wp-cow", value: Policy.WP_COW },
  { id: "wp-wait", value: Policy.WP_WAIT },
] as const;
export type GridPolicy = (typeof GRID_POLICIES)[number]["id"];

/** The policies a grid runs: its own list, or GRID_POLICIES. */
export function gridPolicies(spec: GridSpec): ReadonlyArray<{ readonly id: string; readonly value: Policy }> {
  if (!spec.policies) return GRID_POLICIES;
  return spec.policies.map((id) => {
    const p = POLICIES.find((x) => x.id === id);
    if (!p) throw new Error(`no policy '${id}'`);
    return p;
  });
}

export interface GridSpec {
  readonly sizes: readonly number[];
  readonly threads: readonly number[];
  readonly mappings: readonly Mapping[];
  readonly caches: readonly Cache[];
  /** Fraction of I/Os whose buffer the process writes in flight. */
  readonly rates: readonly number[];
  /** I/Os per run. */
  readonly ios?: number;
  /** Policy ids to run (default: GRID_POLICIES). The crossovers need bounce and wp-cow. */
  readonly policies?: readonly string[];
  /** The write-protect's implementation choices of every run (default: today's). */
  readonly wp?: WpChoices;
  /**
   * Also run wp-cow under every other combination of the choices (restore x
   * walk x batch 1 or all the run's I/Os in one call), so each cell has wp-cow
   * at its best (WP_COW_BEST) beside it as `wp` made it.
   */
  readonly best?: boolean;
  readonly stallWaitNs?: number;
}

export const DEFAULT_SIZES: readonly number[] = Array.from({ length: 11 }, (_, i) => 4 * KiB * 2 ** i); // 4K..4M

export const DEFAULT_GRID: GridSpec = {
  sizes: DEFAULT_SIZES,
  threads: [1, 2, 4, 8, 16],
  mappings: ["pte", "pmd"],
  caches: ["hot", "cold"],
  rates: [0, 0.01, 0.1, 1],
};

/** Per-I/O counters of one policy at one point, without (0) and with (1) a violation per I/O. */
export interface PointCounts {
  readonly size: number;
  readonly threads: number;
  readonly mapping: Mapping;
  readonly policy: string;
  readonly clean: Readonly<Record<string, number>>;
  readonly violated: Readonly<Record<string, number>>;
  /** A run of wp-cow under other choices than the spec's (policy `wp-cow <changes>`): which. */
  readonly wp?: WpChoices;
}

/** The grid's column for wp-cow at its best: per cell, the cheapest combination that loses no more than wp-cow as run. */
export const WP_COW_BEST = "wp-cow best";

export interface Cell {
  readonly size: number;
  readonly threads: number;
  readonly mapping: Mapping;
  readonly cache: Cache;
  readonly rate: number;
  /** Projected ns per I/O by policy (GridPolicy ids, and any other the spec ran). */
  readonly ns: Readonly<Record<GridPolicy, number>> & Readonly<Record<string, number>>;
  /** Writer stall per I/O (ns, latency not CPU) of wp-wait. */
  readonly waitNs: number;
  /** With spec.best: the choices behind ns[WP_COW_BEST] that differ from the defaults, as --wp takes them ("": today's). */
  readonly bestWp?: string;
}

export interface Crossover {
  readonly threads: number;
  readonly mapping: Mapping;
  readonly cache: Cache;
  readonly rate: number;
  /** Smallest grid size from which wp-cow costs less than bounce at every larger size; null: never in the grid. */
  readonly size: number | null;
}

export interface GridResult {
  readonly spec: GridSpec;
  readonly counts: readonly PointCounts[];
  readonly cells: readonly Cell[];
  readonly crossovers: readonly Crossover[];
  /** With spec.best: where wp-cow at its best starts beating bounce. */
  readonly bestCrossovers?: readonly Crossover[];
}

/** Runs the core over sizes x threads x mappings x policies, with and without violations. */
export function gridCounts(core: Core, spec: GridSpec): PointCounts[] {
  const out: PointCounts[] = [];
  for (const mapping of spec.mappings) {
    for (const threads of spec.threads) {
      for (const size of spec.sizes) {
        for (const p of gridPolicies(spec)) {
          const run = (violate: boolean) =>
            runScenario(core, { policy: p.value, size, threads, mapping, violate, ios: spec.ios, wp: spec.wp });
          out.push({ size, threads, mapping, policy: p.id, clean: run(false), violated: run(true) });
        }
        if (spec.best) out.push(...bestCounts(core, spec, size, threads, mapping));
      }
    }
  }
  return out;
}

/** wp-cow under every combination of the choices but the spec's own. */
function bestCounts(core: Core, spec: GridSpec, size: number, threads: number, mapping: Mapping): PointCounts[] {
  const own = wpChanges(spec.wp ?? DEFAULT_WP);
  return wpCombinations([1, spec.ios ?? 2]).filter((wp) => wpChanges(wp) !== own).map((wp) => {
    const run = (violate: boolean) => runScenario(core, { policy: Policy.WP_COW, size, threads, mapping, violate, ios: spec.ios, wp });
    return { size, threads, mapping, policy: `wp-cow ${wpChanges(wp) || "as today"}`, wp, clean: run(false), violated: run(true) };
  });
}

/** Counters at violation rate r: (1-r) x clean + r x violated. */
export function mix(pc: PointCounts, r: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(pc.clean)) out[k] = (1 - r) * pc.clean[k] + r * (pc.violated[k] ?? 0);
  return out;
}

export function gridCells(counts: readonly PointCounts[], spec: GridSpec, costs: UnitCosts): Cell[] {
  const byPoint = new Map<string, PointCounts[]>();
  for (const pc of counts) {
    const key = `${pc.mapping}/${pc.threads}/${pc.size}`;
    byPoint.set(key, [...(byPoint.get(key) ?? []), pc]);
  }
  const cells: Cell[] = [];
  for (const [, pcs] of byPoint) {
    const { size, threads, mapping } = pcs[0];
    for (const cache of spec.caches) {
      for (const rate of spec.rates) {
        const ns = {} as Record<GridPolicy, number> & Record<string, number>;
        let waitNs = 0;
        const opts = { cache, stallWaitNs: spec.stallWaitNs ?? DEFAULT_STALL_WAIT_NS };
        for (const pc of pcs) {
          if (pc.wp) continue;
          const pr = project(mix(pc, rate), costs, opts);
          ns[pc.policy] = pr.perIoNs;
          if (pc.policy === "wp-wait") waitNs = pr.waitNs;
        }
        const best = spec.best ? bestOf(pcs, rate, costs, opts, spec.wp ?? DEFAULT_WP) : undefined;
        if (best) ns[WP_COW_BEST] = best.perIoNs;
        cells.push({ size, threads, mapping, cache, rate, ns, waitNs, ...(best ? { bestWp: best.label } : {}) });
      }
    }
  }
  return cells;
}

/**
 * The cheapest wp-cow of one point that loses no more than wp-cow as the spec
 * ran it (src/cost/best.ts's rule, on the point's counts mixed at `rate`).
 */
function bestOf(pcs: readonly PointCounts[], rate: number, costs: UnitCosts, opts: ProjectOptions, own: WpChoices): Best["best"] | undefined {
  const ran = pcs.find((pc) => pc.policy === "wp-cow" && !pc.wp);
  if (!ran) return undefined;
  const others = pcs.filter((pc) => pc.wp).map((pc) => ({ wp: pc.wp!, counters: mix(pc, rate) }));
  return cheapestSafe([{ wp: own, counters: mix(ran, rate) }, ...others], costs, opts).best;
}

/** Smallest size from which `a` costs less than `b` at every larger size; null: never. */
export function winsFrom(rows: ReadonlyArray<{ size: number; a: number; b: number }>): number | null {
  const sorted = [...rows].sort((x, y) => x.size - y.size);
  let size: number | null = null;
  for (let i = sorted.length - 1; i >= 0 && sorted[i].a < sorted[i].b; i--) size = sorted[i].size;
  return size;
}

/** Where `challenger` (a policy the spec ran: wp-cow, or another way of write-protecting) starts beating bounce. */
export function crossovers(cells: readonly Cell[], spec: GridSpec, challenger = "wp-cow"): Crossover[] {
  const out: Crossover[] = [];
  const ids = gridPolicies(spec).map((p) => p.id);
  const has = challenger === WP_COW_BEST ? spec.best === true && ids.includes("wp-cow") : ids.includes(challenger);
  if (!has || !ids.includes("bounce")) return out;
  for (const mapping of spec.mappings) {
    for (const cache of spec.caches) {
      for (const rate of spec.rates) {
        for (const threads of spec.threads) {
          const row = cells
            .filter((c) => c.mapping === mapping && c.cache === cache && c.rate === rate && c.threads === threads)
            .sort((a, b) => a.size - b.size);
          const size = winsFrom(row.map((c) => ({ size: c.size, a: c.ns[challenger], b: c.ns.bounce })));
          out.push({ threads, mapping, cache, rate, size });
        }
      }
    }
  }
  return out;
}

export function runGrid(core: Core, spec: GridSpec, costs: UnitCosts): GridResult {
  const counts = gridCounts(core, spec);
  return gridResult(spec, counts, costs);
}

/** Cells and crossovers of counts already run (the best's too when the spec asks for it). */
export function gridResult(spec: GridSpec, counts: readonly PointCounts[], costs: UnitCosts): GridResult {
  const cells = gridCells(counts, spec, costs);
  const best = spec.best ? { bestCrossovers: crossovers(cells, spec, WP_COW_BEST) } : {};
  return { spec, counts, cells, crossovers: crossovers(cells, spec), ...best };
}

export const MAX_GRID_SIZE = 4 * MiB;
