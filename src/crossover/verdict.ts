// The one-line crossover verdict under the main table: wp-cow against bounce
// for one submitting thread, hot buffers and no violations, on 4 KiB PTEs and
// on 2 MiB PMDs, projected from the chosen profile (which the line names, and
// why it was chosen), beside the range across the reference profiles.
import type { ProfileChoice } from "../cost/choice.js";
import { type CostProfile, profileLabel } from "../cost/profile.js";
import { fmtBytes } from "../shared/units.js";
import { type Crossover, DEFAULT_SIZES, type GridResult, type GridSpec } from "./grid.js";
import { fmtFrom, fmtSpan, headlineRow, rowAcross } from "./range.js";
import type { Mapping } from "./scenario.js";

export function fmtCrossover(c: Crossover | undefined, last: number): string {
  if (!c || c.size === null) return `never up to ${fmtBytes(last)}`;
  return `from ${fmtBytes(c.size)}`;
}

/** The grid behind the verdict (the report draws it as the cost-per-size chart). */
export const VERDICT_SPEC: GridSpec = { sizes: DEFAULT_SIZES, threads: [1], mappings: ["pte", "pmd"], caches: ["hot"], rates: [0] };

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
  return `Crossover (projected; 1 thread, hot buffers, no violations): ${challenger} beats bounce ${parts.join("; ")}. ` +
    `${choice.here ? "Here" : "Profile"}: ${profileLabel(choice.profile)}, ${choice.why}. Details: stable-dio crossover.`;
}
