// The main job's report's two curves, from small runs of the core in the
// crossover scenario (scenario.ts), for the policies the user selected:
// projected cost per I/O against I/O size on 4 KiB PTEs and 2 MiB PMDs (the
// grid the crossover verdict already ran, extended to those policies), and
// measured IPIs per I/O against the threads of the process. The runs happen
// here; the report (src/report/) only renders the curves it is given.
import type { Core } from "../core/core.js";
import type { CostProfile } from "../cost/profile.js";
import { gridCounts, gridPolicies, gridResult, type GridResult, type GridSpec, WP_COW_BEST } from "./grid.js";
import { bestWpAt } from "./render-best.js";
import type { Mapping } from "./scenario.js";
import { POLICIES } from "../shared/names.js";
import { fmtBytes, KiB } from "../shared/units.js";
import type { CostCurve, IpiCurve } from "../report/document.js";

export const MAPPING_PANELS: Readonly<Record<Mapping, string>> = { pte: "4 KiB PTEs", pmd: "2 MiB PMDs" };

const ORDER = POLICIES.map((p) => p.id);
const byOrder = <T extends { policy: string }>(xs: T[]): T[] => xs.sort((a, b) => ORDER.indexOf(a.policy) - ORDER.indexOf(b.policy));

/**
 * `spec`'s grid over `policies`, and bounce and wp-cow (the crossovers need
 * them), reusing `have` (the verdict's run of the same spec) and running only
 * the policies it lacks.
 */
export function curveGrid(core: Core, spec: GridSpec, policies: readonly string[], costs: CostProfile["costs"], have?: GridResult): GridResult {
  const want = [...new Set([...policies, "bounce", "wp-cow"])];
  const had = have ? gridPolicies(have.spec).map((p) => p.id) : [];
  const missing = want.filter((p) => !had.includes(p));
  if (have && !missing.length) return have;
  const full: GridSpec = { ...spec, policies: [...had, ...missing] };
  // wp-cow's other combinations (spec.best) are run once: with `have`'s runs, or now if there are none.
  const counts = [...(have?.counts ?? []), ...gridCounts(core, { ...spec, policies: missing, best: spec.best && !have })];
  return gridResult(full, counts, costs);
}

/** What the scenario makes of the policies whose curves lie on another's, for those drawn. */
function coincidences(policies: readonly string[], costs: CostProfile["costs"], rate: number): string {
  const has = (p: string) => policies.includes(p);
  const out: string[] = [];
  if (rate === 0 && has("wp-wait") && has("wp-cow")) out.push("With no write to an in-flight buffer wp-wait does what wp-cow does, so their curves coincide.");
  if (rate === 0 && has("wp-cow-degrade")) out.push("wp-cow-degrade differs from wp-cow only after a violation: here it is wp-cow.");
  if (has("opt-out") || has("opt-out-inverse"))
    out.push("The scenario's process carries no flag, so opt-out sends its I/O direct and opt-out-inverse bounces it: their curves are direct's and bounce's.");
  if (has("verify"))
    out.push("verify runs on fs-csum (with no device checksum it has nothing to re-check), less the submit-time checksum every policy pays " +
      `there: direct's cost plus the re-check's crc32c at ${costs.csum_byte} ns per byte (an assumed figure, docs/cost-model.md).`);
  return out.length ? ` ${out.join(" ")}` : "";
}

/** The cost curve of a grid run with one thread count, one cache state and one violation rate, for `policies`. */
export function costCurveOfGrid(g: GridResult, profile: CostProfile, policies: readonly string[]): CostCurve {
  const [threads] = g.spec.threads;
  const [cache] = g.spec.caches;
  const [rate] = g.spec.rates;
  // wp-cow at its best is drawn beside wp-cow, where the grid ran it.
  const drawn = policies.includes("wp-cow") && g.bestCrossovers ? [...policies, WP_COW_BEST] : policies;
  const points = g.cells.flatMap((c) => byOrder(Object.entries(c.ns).filter(([policy]) => drawn.includes(policy))
    .map(([policy, ns]) => ({ panel: MAPPING_PANELS[c.mapping], policy, size: c.size, usPerIo: ns / 1000 }))));
  // The crossover rule only beside the two curves it compares.
  const both = policies.includes("wp-cow") && policies.includes("bounce");
  const best = both && g.bestCrossovers
    ? g.bestCrossovers.map((x) => ({ panel: MAPPING_PANELS[x.mapping], size: x.size, wp: bestWpAt(g, x, x.size) }))
    : undefined;
  return {
    description: `Projected from the ${profile.name} profile: kernel CPU per direct write of each size, ${threads} thread, ` +
      `${cache} buffers, ${rate === 0 ? "no violations" : `violation rate ${rate}`}; counts from runs of the Wasm core.` +
      coincidences(policies, profile.costs, rate) + (drawn !== policies ? bestText(best) : ""),
    points,
    crossovers: both ? g.crossovers.map((x) => ({ panel: MAPPING_PANELS[x.mapping], size: x.size })) : [],
    ...(best ? { bestCrossovers: best } : {}),
  };
}

/** The caption's words for the best curve: what it is, and the combination at each panel's crossover. */
function bestText(best: ReadonlyArray<{ panel: string; size: number | null; wp: string }> | undefined): string {
  const at = best?.map((b) => `${b.panel} ${b.size === null ? "no crossover" : `from ${fmtBytes(b.size)}`}, ` +
    `${b.wp || "today's choices"} at ${b.size === null ? "the largest size" : fmtBytes(b.size)}`);
  return ` "${WP_COW_BEST}" is wp-cow at its best: at each size the cheapest combination of the write-protect's choices ` +
    `(--wp restore, batch, walk; each run on the core) that loses nothing wp-cow does not; the combination may differ ` +
    `from size to size` + (at?.length ? ` (${at.join("; ")}).` : ".");
}

export const IPI_SIZE = 64 * KiB;
export const IPI_THREADS: readonly number[] = [1, 2, 4, 8, 16];

/** IPIs per I/O of each policy as the process's threads grow, measured by the core. */
export function ipiCurveOfCore(core: Core, policies: readonly string[]): IpiCurve {
  const spec = { sizes: [IPI_SIZE], threads: IPI_THREADS, mappings: ["pte"] as const, caches: ["hot"] as const, rates: [0], ios: 2, policies };
  const has = (p: string) => policies.includes(p);
  const same = [
    has("wp-wait") && has("wp-cow") ? "wp-wait and wp-cow coincide: each write-protects and restores once per I/O." : "",
    has("wp-cow-degrade") ? "wp-cow-degrade is wp-cow until a violation." : "",
    ["direct", "bounce", "opt-out", "opt-out-inverse", "verify"].some(has) ? "Policies that never write-protect (direct, bounce, opt-out, opt-out-inverse, verify) send none." : "",
  ].filter((x) => x);
  return {
    description: `Measured by the Wasm core: IPIs per ${fmtBytes(IPI_SIZE)} direct write on 4 KiB PTEs, no violations, ` +
      `the process's threads each on its own CPU.${same.length ? ` ${same.join(" ")}` : ""}`,
    points: byOrder(gridCounts(core, spec).map((pc) => ({
      panel: `${fmtBytes(IPI_SIZE)} writes`,
      policy: pc.policy,
      threads: pc.threads,
      ipisPerIo: (pc.clean.ipis ?? 0) / Math.max(1, (pc.clean.writes ?? 0) + (pc.clean.reads ?? 0)),
    }))),
  };
}
