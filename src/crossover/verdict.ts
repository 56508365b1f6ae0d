// The one-line crossover verdict under the main table: wp-cow against bounce
// for one submitting thread, hot buffers and no violations, on 4 KiB PTEs and
// on 2 MiB PMDs, projected from a profile.
import { type CostProfile } from "../cost/profile.js";
import { fmtBytes } from "../shared/units.js";
import { type Crossover, DEFAULT_SIZES, type GridResult, type GridSpec } from "./grid.js";

export function fmtCrossover(c: Crossover | undefined, last: number): string {
  if (!c || c.size === null) return `never up to ${fmtBytes(last)}`;
  return `from ${fmtBytes(c.size)}`;
}

/** The grid behind the verdict (the report draws it as the cost-per-size chart). */
export const VERDICT_SPEC: GridSpec = { sizes: DEFAULT_SIZES, threads: [1], mappings: ["pte", "pmd"], caches: ["hot"], rates: [0] };

export function verdictLine(g: GridResult, profile: CostProfile): string {
  const last = DEFAULT_SIZES[DEFAULT_SIZES.length - 1];
  const at = (m: string): string => {
    const c = g.crossovers.find((x) => x.mapping === m);
    return c?.size ? `from ${fmtBytes(c.size)} per I/O` : `never (up to ${fmtBytes(last)})`;
  };
  return `Crossover (projected from the ${profile.name} profile; 1 thread, hot buffers, no violations): wp-cow beats bounce ` +
    `on 4 KiB PTEs ${at("pte")}, on 2 MiB PMDs ${at("pmd")}. Details: stable-dio crossover.`;
}
