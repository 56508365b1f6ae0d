// The main job's two curves, from small runs of the core in the crossover
// scenario (src/crossover/scenario.ts): projected cost per I/O against I/O
// size on 4 KiB PTEs and 2 MiB PMDs (the grid the crossover verdict already
// ran), and measured IPIs per I/O against the threads of the process.
import type { Core } from "../core/core.js";
import type { CostProfile } from "../cost/profile.js";
import type { GridResult } from "../crossover/grid.js";
import { gridCounts } from "../crossover/grid.js";
import type { Mapping } from "../crossover/scenario.js";
import { fmtBytes, KiB } from "../host/units.js";
import type { CostCurve, IpiCurve } from "./document.js";

export const MAPPING_PANELS: Readonly<Record<Mapping, string>> = { pte: "4 KiB PTEs", pmd: "2 MiB PMDs" };

/** The cost curve of a grid run with one thread count, one cache state and one violation rate. */
export function costCurveOfGrid(g: GridResult, profile: CostProfile): CostCurve {
  const [threads] = g.spec.threads;
  const [cache] = g.spec.caches;
  const [rate] = g.spec.rates;
  const points = g.cells.flatMap((c) =>
    Object.entries(c.ns).map(([policy, ns]) => ({ panel: MAPPING_PANELS[c.mapping], policy, size: c.size, usPerIo: ns / 1000 })));
  return {
    description: `Projected from the ${profile.name} profile: kernel CPU per direct write of each size, ${threads} thread, ` +
      `${cache} buffers, ${rate === 0 ? "no violations" : `violation rate ${rate}`}; counts from runs of the Wasm core.` +
      (rate === 0 ? " With no write to an in-flight buffer wp-wait does what wp-cow does, so their curves coincide." : ""),
    points,
    crossovers: g.crossovers.map((x) => ({ panel: MAPPING_PANELS[x.mapping], size: x.size })),
  };
}

export const IPI_SIZE = 64 * KiB;
export const IPI_THREADS: readonly number[] = [1, 2, 4, 8, 16];

/** IPIs per I/O of each grid policy as the process's threads grow, measured by the core. */
export function ipiCurveOfCore(core: Core): IpiCurve {
  const spec = { sizes: [IPI_SIZE], threads: IPI_THREADS, mappings: ["pte"] as const, caches: ["hot"] as const, rates: [0], ios: 2 };
  return {
    description: `Measured by the Wasm core: IPIs per ${fmtBytes(IPI_SIZE)} direct write on 4 KiB PTEs, no violations, ` +
      "the process's threads each on its own CPU. wp-wait and wp-cow coincide: each write-protects and restores once per I/O.",
    points: gridCounts(core, spec).map((pc) => ({
      panel: `${fmtBytes(IPI_SIZE)} writes`,
      policy: pc.policy,
      threads: pc.threads,
      ipisPerIo: (pc.clean.ipis ?? 0) / Math.max(1, (pc.clean.writes ?? 0) + (pc.clean.reads ?? 0)),
    })),
  };
}
