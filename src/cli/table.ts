// The commands that run a selection in process (the main job, `run` and
// `report`): their flags, and running the selection then printing the table
// (or --json) with the projected column and the crossover verdict under it.
import type { Command } from "commander";
import { loadWasmCoreSync } from "../core/wasm.js";
import type { ProfileChoice } from "../cost/choice.js";
import { type GridResult, runGrid } from "../crossover/grid.js";
import { VERDICT_SPEC, verdictLine } from "../crossover/verdict.js";
import type { RunResult } from "../host/result.js";
import { renderJson } from "../report/json.js";
import { projectResults } from "../report/projection.js";
import { renderTable } from "../report/table.js";
import type { CliIo } from "../shared/io.js";
import { PROFILE_HELP, profileOption, referenceProfiles } from "./profile.js";
import { runSelected, type RunOptions } from "./runs.js";
import { printSourceNotes, type ChosenWorkload } from "./source.js";

export interface TableOptions extends RunOptions {
  json?: boolean;
  profile?: string;
}

/** The flags of the commands that print the table: the main job and `run`. */
export function tableOptions(cmd: Command, json = "print every run's full result as JSON instead of the table"): Command {
  return cmd
    .option("--profile <name|file>", PROFILE_HELP)
    .option("--json", json);
}

/**
 * Runs the selection, then prints the table (`table`; or --json, with the
 * files the workloads came from as `source`) with the projected column and the
 * verdict. `named`: the user chose these workloads (runSelected).
 */
export async function runAndPrint(
  chosen: readonly ChosenWorkload[], o: TableOptions, named: boolean, io: CliIo, table = true,
): Promise<{ results: RunResult[]; choice: ProfileChoice; grid: GridResult }> {
  const pending = profileOption(o.profile);
  const origins = new Map(chosen.flatMap((c) => (c.source ? [[c.workload, c.source.file] as const] : [])));
  const results = await runSelected(chosen.map((c) => c.workload), o, named, io, origins);
  const sources = chosen.flatMap((c) => (c.source ? [c.source] : []));
  for (const s of sources) printSourceNotes(s, io); // after the runs
  const choice = await pending.choose(io); // after the runs: every flag checked before a first run measures this machine
  const grid = runGrid(loadWasmCoreSync(), VERDICT_SPEC, choice.profile.costs);
  const projection = projectResults(results, choice.profile, verdictLine(grid, choice, referenceProfiles()));
  if (o.json) io.out(renderJson(results, projection, sources));
  else if (table) io.out(renderTable(results, projection));
  return { results, choice, grid };
}
