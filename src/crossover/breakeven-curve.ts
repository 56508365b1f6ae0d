// The report's break-even chart, from the verdict's grid (1 thread, hot
// buffers, no violations): by I/O size, the per-PTE cost below which wp-cow
// costs less than bounce, the other unit costs held at the chosen profile's,
// with each profile's own per-PTE cost to read it against. The runs are the
// grid's; the report only draws the curve it is given.
import type { ProfileChoice } from "../cost/choice.js";
import type { CostProfile } from "../cost/profile.js";
import type { BreakEvenCurve } from "../report/document.js";
import { breakEvens } from "./breakeven.js";
import { MAPPING_PANELS } from "./curves.js";
import type { GridResult } from "./grid.js";
import { headlineRow } from "./range.js";

export function breakEvenCurveOfGrid(g: GridResult, choice: ProfileChoice, references: readonly CostProfile[], challenger = "wp-cow"): BreakEvenCurve {
  const rows = g.spec.mappings.map((m) => headlineRow(g, m));
  const [head] = rows;
  const mine = breakEvens(g, choice.profile.costs, challenger)
    .filter((b) => b.unit === "pte" && rows.some((r) => r.mapping === b.mapping && r.threads === b.threads && r.cache === b.cache && r.rate === b.rate));
  const drawn = mine.filter((b) => b.relation === "below");
  return {
    description: `Projected: the per-PTE cost (changing one PTE, or one PMD entry) at which ${challenger} and bounce cost the same, ` +
      `each I/O size, ${head.threads} thread, ${head.cache} buffers, no violations; every other unit cost held at the ` +
      `${choice.profile.name} profile's. ${challenger} costs less below the curve. Counts from runs of the Wasm core; the rules ` +
      "mark each profile's own per-PTE cost (docs/profiles.md).",
    points: drawn.map((b) => ({ panel: MAPPING_PANELS[b.mapping], size: b.size, pteNs: b.ns as number })),
    never: mine.filter((b) => b.relation === "never").map((b) => ({ panel: MAPPING_PANELS[b.mapping], size: b.size })),
    marks: marksOf([
      { profile: choice.here ? `${choice.profile.name} (here)` : choice.profile.name, pteNs: choice.profile.costs.pte },
      ...references.filter((r) => r.name !== choice.profile.name).map((r) => ({ profile: r.name, pteNs: r.costs.pte })),
    ]),
  };
}

/** Profiles with the same per-PTE cost (the built-in and ref:epyc-vm) share one rule: "built-in = ref:epyc-vm". */
function marksOf(marks: ReadonlyArray<{ profile: string; pteNs: number }>): Array<{ profile: string; pteNs: number }> {
  const out: Array<{ profile: string; pteNs: number }> = [];
  for (const m of marks) {
    const same = out.find((o) => o.pteNs === m.pteNs);
    if (same) same.profile += ` = ${m.profile}`;
    else out.push({ ...m });
  }
  return out;
}
