// The best implementation of a write-protect policy for one scenario: every
// combination of the implementation choices (restore, batch, walk; docs/model.md
// section 12) run on the core through `evaluate`, projected with a profile,
// and the cheapest that loses no data the naive one (today's choices) does not
// lose. The cost layer runs nothing itself: the caller's `evaluate` runs the
// scenario (src/crossover/best.ts does it for the crossover scenario).
import { DEFAULT_WP, RESTORE_IDS, WALK_IDS, wpChanges, type WpChoices } from "../shared/wp.js";
import { project, type ProjectOptions } from "./model.js";
import type { UnitCosts } from "./profile.js";

type Counters = Readonly<Record<string, number>>;

/** Runs the scenario with these choices and returns the core's counters. */
export type Evaluate = (wp: WpChoices) => Counters;

/** What a run can lose: a block the scrub finds corrupt, a sector torn, a direct read landed in a frame the process dropped. */
export const LOSSES = ["corruptions", "torn_sectors", "lost_reads"] as const;

export interface Candidate {
  readonly wp: WpChoices;
  /** The choices that differ from the default, as --wp takes them; "" for the naive implementation. */
  readonly label: string;
  /** Projected CPU per I/O, ns. */
  readonly perIoNs: number;
  readonly losses: Readonly<Record<(typeof LOSSES)[number], number>>;
  /** It loses nothing the naive one does not: each of LOSSES at most the naive's. */
  readonly safe: boolean;
}

export interface Best {
  readonly naive: Candidate;
  /** The cheapest safe candidate (the naive one if nothing safe is cheaper). */
  readonly best: Candidate;
  /** Every combination evaluated, in enumeration order (the naive one first). */
  readonly candidates: readonly Candidate[];
}

/**
 * Every combination of the choices, the defaults first: restore x walk x
 * `batches` (the batch sizes worth trying: 1, and the submission calls the
 * scenario can make; beyond its queue depth a batch changes nothing).
 */
export function wpCombinations(batches: readonly number[] = [DEFAULT_WP.batch]): WpChoices[] {
  const bs = [...new Set([DEFAULT_WP.batch, ...batches])];
  const out: WpChoices[] = [];
  for (const restore of RESTORE_IDS) for (const batch of bs) for (const walk of WALK_IDS) out.push({ restore, batch, walk });
  // RESTORE_IDS, WALK_IDS and bs all start with the default: the naive implementation is out[0].
  return out;
}

/** "restore=lazy,batch=8" for a candidate, or "as today" for the naive one. */
export function describeWp(wp: WpChoices): string {
  return wpChanges(wp) || "as today";
}

/**
 * The cheapest of `runs` (each combination's counters, the reference first:
 * the naive implementation, or the one a caller ran as its own) that loses no
 * more than the first; ties go to the one listed first.
 */
export function cheapestSafe(
  runs: ReadonlyArray<{ readonly wp: WpChoices; readonly counters: Counters }>, costs: UnitCosts, opts: ProjectOptions,
): Best {
  const candidates: Candidate[] = [];
  let firstLosses: Candidate["losses"] | undefined;
  for (const { wp, counters: c } of runs) {
    const losses = Object.fromEntries(LOSSES.map((k) => [k, c[k] ?? 0])) as Candidate["losses"];
    firstLosses ??= losses;
    const safe = LOSSES.every((k) => losses[k] <= firstLosses![k]);
    candidates.push({ wp, label: wpChanges(wp), perIoNs: project(c, costs, opts).perIoNs, losses, safe });
  }
  let best = candidates[0];
  for (const c of candidates) if (c.safe && c.perIoNs < best.perIoNs) best = c;
  return { naive: candidates[0], best, candidates };
}

/**
 * Evaluates every combination and picks the cheapest that loses no more
 * than the naive implementation; ties go to the one enumerated first (fewer
 * changes from today's come first within each choice).
 */
export function bestImplementation(
  evaluate: Evaluate, costs: UnitCosts, opts: ProjectOptions & { readonly batches?: readonly number[] },
): Best {
  return cheapestSafe(wpCombinations(opts.batches).map((wp) => ({ wp, counters: evaluate(wp) })), costs, opts);
}
