// The commands that print the table (the main job and `run`): their flags,
// and running the selection then printing the table (or --json) with the
// projected column and the crossover verdict under it.
import type { Command } from "commander";
import { loadWasmCoreSync } from "../core/wasm.js";
import type { ProfileChoice } from "../cost/choice.js";
import { type GridResult, runGrid } from "../crossover/grid.js";
import { VERDICT_SPEC, verdictLine } from "../crossover/verdict.js";
import type { RunResult } from "../host/result.js";
import { renderJson, type JsonSource } from "../report/json.js";
import { projectResults } from "../report/projection.js";
import { renderTable } from "../report/table.js";
import type { CliIo } from "../shared/io.js";
import type { Workload } from "../workloads/index.js";
import { PROFILE_HELP, profileOption, referenceProfiles } from "./profile.js";
import { runSelected, type RunOptions } from "./runs.js";
import { printSourceNotes } from "./source.js";

export interface TableOptions extends RunOptions {
  json?: boolean;
  profile?: string;
}

/** The flags of the commands that print the table: the main job and `run`. */
export function tableOptions(cmd: Command): Command {
  return cmd
    .option("--profile <name|file>", PROFILE_HELP)
    .option("--json", "print every run's full result as JSON instead of the table");
}

/**
 * Runs the selection, then prints the table (or --json, with the file the
 * workload came from as `source`) with the projected column and the verdict.
 * `named`: the user chose these workloads (runSelected).
 */
export async function runAndPrint(
  workloads: readonly Workload[], o: TableOptions, named: boolean, io: CliIo, source?: JsonSource,
): Promise<{ results: RunResult[]; choice: ProfileChoice; grid: GridResult }> {
  const pending = profileOption(o.profile);
  const results = await runSelected(workloads, o, named, io, source?.file);
  printSourceNotes(source, io); // after the runs
  const choice = await pending.choose(io); // after the runs: every flag checked before a first run measures this machine
  const grid = runGrid(loadWasmCoreSync(), VERDICT_SPEC, choice.profile.costs);
  const projection = projectResults(results, choice.profile, verdictLine(grid, choice, referenceProfiles()));
  io.out(o.json ? renderJson(results, projection, source) : renderTable(results, projection));
  return { results, choice, grid };
}
