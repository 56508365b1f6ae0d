// The one-line crossover verdict under the main table: wp-cow against bounce
// for one submitting thread, hot buffers and no violations, on 4 KiB PTEs and
// on 2 MiB PMDs, projected from the chosen profile (which the line names, and
// why it was chosen), beside the range across the reference profiles; then
// the same for wp-cow at its best, each mapping with the combination of the
// write-protect's choices that made it (src/crossover/render-best.ts).
import type { ProfileChoice } from "../cost/choice.js";
import { type CostProfile, profileLabel } from "../cost/profile.js";
import { fmtBytes } from "../shared/units.js";
import { type Crossover, DEFAULT_SIZES, type GridResult, type GridSpec, WP_COW_BEST } from "./grid.js";
import { bestWpAt } from "./render-best.js";
import { fmtFrom, fmtSpan, headlineRow, rowAcross } from "./range.js";
import type { Mapping } from "./scenario.js";

export function fmtCrossover(c: Crossover | undefined, last: number): string {
  if (!c || c.size === null) return `never up to ${fmtBytes(last)}`;
  return `from ${fmtBytes(c.size)}`;
}

/** The grid behind the verdict (the report draws it as the cost-per-size chart). */
export const VERDICT_SPEC: GridSpec = { sizes: DEFAULT_SIZES, threads: [1], mappings: ["pte", "pmd"], caches: ["hot"], rates: [0], best: true };

const MAPPINGS: ReadonlyArray<readonly [Mapping, string]> = [["pte", "4 KiB PTEs"], ["pmd", "2 MiB PMDs"]];

/**
 * "wp-cow beats bounce on 4 KiB PTEs from 256K here, from 256K to never across
 * the 4 reference profiles; on 2 MiB PMDs ...". `challenger`: the policy set
 * against bounce (wp-cow; another way of write-protecting is another line).
 */
export function verdictLine(g: GridResult, choice: ProfileChoice, references: readonly CostProfile[], challenger = "wp-cow"): string {
  const last = g.spec.sizes[g.spec.sizes.length - 1];
  const where = choice.here ? "here" : `with the ${choice.profile.name} profile`;
  const parts = MAPPINGS.map(([m, panel], i) => {
    const row = headlineRow(g, m);
    const [mine] = rowAcross(g, [choice.profile], row, challenger);
    const span = fmtSpan(rowAcross(g, references, row, challenger), last);
    return `on ${panel} ${fmtFrom(mine, last)} ${where}, ${span} across ${i ? "them" : `the ${references.length} reference profiles`}`;
  });
  // wp-cow at its best (the grid ran every combination of the choices): each panel names the combination.
  const best = g.bestCrossovers && challenger === "wp-cow" ? MAPPINGS.map(([m, panel]) => {
    const row = headlineRow(g, m);
    const [mine] = rowAcross(g, [choice.profile], row, WP_COW_BEST);
    const span = fmtSpan(rowAcross(g, references, row, WP_COW_BEST), last);
    const combo = `${bestWpAt(g, row, mine) || "today's choices"} at ${fmtBytes(mine ?? last)}`;
    return `on ${panel} ${fmtFrom(mine, last)} ${where} (${combo}), ${span} across them`;
  }) : [];
  return `Crossover (projected; 1 thread, hot buffers, no violations): ${challenger} beats bounce ${parts.join("; ")}. ` +
    (best.length ? `At its best: ${best.join("; ")}. ` : "") +
    `${choice.here ? "Here" : "Profile"}: ${profileLabel(choice.profile)}, ${choice.why}. Details: stable-dio crossover.`;
}
