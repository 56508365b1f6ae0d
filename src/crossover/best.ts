// The best write-protect implementation for one crossover scenario: the
// cost layer's bestImplementation (src/cost/best.ts) with the scenario run on
// the core for each combination of the choices. Batches tried: 1 and the
// scenario's I/Os per run (all of them in one submission call).
import type { Core } from "../core/core.js";
import { bestImplementation, type Best } from "../cost/best.js";
import type { ProjectOptions } from "../cost/model.js";
import type { UnitCosts } from "../cost/profile.js";
import { runScenario, type Scenario } from "./scenario.js";

export function bestForScenario(core: Core, s: Scenario, costs: UnitCosts, opts: ProjectOptions): Best {
  const ios = s.ios ?? 2;
  return bestImplementation((wp) => runScenario(core, { ...s, wp }), costs, { ...opts, batches: [1, ios] });
}
