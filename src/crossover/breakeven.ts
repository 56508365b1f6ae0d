// Break-even unit costs: for each point of a grid (size, threads, mapping,
// cache state, violation rate), what one unit cost would have to be for
// wp-cow and bounce to cost the same, the other unit costs held at the
// profile's. Read against a machine's own figure, it answers the crossover
// question for a machine stable-dio never ran on.
//
// Exact, not searched for: the projection is a sum of count x unit cost
// (src/cost/model.ts), so in any one unit u each policy costs a + b*u, with
// a its cost at u = 0 and b its cost at u = 1 less that. wp-cow (W) costs
// less than bounce (B) where (bW - bB) * u < aB - aW.
import { type Cache, DEFAULT_STALL_WAIT_NS, project } from "../cost/model.js";
import type { UnitCosts } from "../cost/profile.js";
import { type GridResult, mix, type PointCounts } from "./grid.js";
import type { Mapping } from "./scenario.js";

/** The unit costs a break-even is given for. */
export const BREAK_EVEN_UNITS = {
  pte: "per-PTE cost (changing one PTE, or one PMD entry, in a range walk)",
  flush: "per-operation fixed cost (a protect's or a restore's range walk and local TLB flush)",
} as const;
export type BreakEvenUnit = keyof typeof BREAK_EVEN_UNITS;

/**
 * below: the challenger costs less where the unit costs less than `ns`;
 * above: where it costs more than `ns`; never / always: whatever it costs
 * (`ns` null). A break-even at or below 0 ns is `never` (below) or `always` (above).
 */
export type Relation = "below" | "above" | "never" | "always";

export interface BreakEven {
  readonly unit: BreakEvenUnit;
  readonly size: number;
  readonly threads: number;
  readonly mapping: Mapping;
  readonly cache: Cache;
  readonly rate: number;
  readonly relation: Relation;
  readonly ns: number | null;
}

/** A policy's projected ns per I/O as a + b*u in the unit `unit`. */
export function linearIn(counts: Readonly<Record<string, number>>, costs: UnitCosts, unit: BreakEvenUnit, cache: Cache, stallWaitNs: number):
  { a: number; b: number } {
  const at = (u: number) => project(counts, { ...costs, [unit]: u }, { cache, stallWaitNs }).perIoNs;
  const a = at(0);
  return { a, b: at(1) - a };
}

/** Where (b1 - b0) u < a0 - a1, for u >= 0. */
export function solve(challenger: { a: number; b: number }, baseline: { a: number; b: number }): { relation: Relation; ns: number | null } {
  const slope = challenger.b - baseline.b;
  const gap = baseline.a - challenger.a;
  // Slopes below a femtosecond per unit are rounding: the unit does not move either cost.
  if (Math.abs(slope) < 1e-6) return { relation: gap > 0 ? "always" : "never", ns: null };
  const x = gap / slope;
  if (slope > 0) return x > 0 ? { relation: "below", ns: x } : { relation: "never", ns: null };
  return x > 0 ? { relation: "above", ns: x } : { relation: "always", ns: null };
}

/** Every point's break-even in every unit, `challenger` against bounce, at each cache state and violation rate of the spec. */
export function breakEvens(g: GridResult, costs: UnitCosts, challenger = "wp-cow"): BreakEven[] {
  const stallWaitNs = g.spec.stallWaitNs ?? DEFAULT_STALL_WAIT_NS;
  const find = (policy: string, at: PointCounts) =>
    g.counts.find((c) => c.policy === policy && c.size === at.size && c.threads === at.threads && c.mapping === at.mapping);
  const out: BreakEven[] = [];
  for (const w of g.counts.filter((c) => c.policy === challenger)) {
    const b = find("bounce", w);
    if (!b) continue;
    for (const cache of g.spec.caches) {
      for (const rate of g.spec.rates) {
        for (const unit of Object.keys(BREAK_EVEN_UNITS) as BreakEvenUnit[]) {
          const r = solve(linearIn(mix(w, rate), costs, unit, cache, stallWaitNs), linearIn(mix(b, rate), costs, unit, cache, stallWaitNs));
          out.push({ unit, size: w.size, threads: w.threads, mapping: w.mapping, cache, rate, ...r });
        }
      }
    }
  }
  return out;
}

/** "< 23.4", "never", "any", "> 12". */
export function fmtBreakEven(b: Pick<BreakEven, "relation" | "ns"> | undefined, fmt: (ns: number) => string): string {
  if (!b) return "-";
  if (b.relation === "never") return "never";
  if (b.relation === "always") return "any";
  return `${b.relation === "below" ? "<" : ">"} ${fmt(b.ns as number)}`;
}
