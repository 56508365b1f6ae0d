// The commands that print the table (the main job and `run`): their flags,
// and running the selection then printing the table (or --json) with the
// projected column and the crossover verdict under it.
import type { Command } from "commander";
import { loadWasmCoreSync } from "../core/wasm.js";
import type { CostProfile } from "../cost/profile.js";
import { type GridResult, runGrid } from "../crossover/grid.js";
import { VERDICT_SPEC, verdictLine } from "../crossover/verdict.js";
import type { RunResult } from "../host/result.js";
import { renderJson, type JsonSource } from "../report/json.js";
import { projectResults } from "../report/projection.js";
import { renderTable } from "../report/table.js";
import type { CliIo } from "../shared/io.js";
import type { Workload } from "../workloads/index.js";
import { pickProfile } from "./profile.js";
import { runSelected, type RunOptions } from "./runs.js";
import { printSourceNotes } from "./source.js";

export interface TableOptions extends RunOptions {
  json?: boolean;
  profile?: string;
}

/** The flags of the commands that print the table: the main job and `run`. */
export function tableOptions(cmd: Command): Command {
  return cmd
    .option("--profile <file>", "cost profile for the projected column (from stable-dio calibrate; default: built-in)")
    .option("--json", "print every run's full result as JSON instead of the table");
}

/**
 * Runs the selection, then prints the table (or --json, with the file the
 * workload came from as `source`) with the projected column and the verdict.
 * `named`: the user chose these workloads (runSelected).
 */
export async function runAndPrint(
  workloads: readonly Workload[], o: TableOptions, named: boolean, io: CliIo, source?: JsonSource,
): Promise<{ results: RunResult[]; profile: CostProfile; grid: GridResult }> {
  const profile = pickProfile(o.profile);
  const results = await runSelected(workloads, o, named, io, source?.file);
  printSourceNotes(source, io); // after the runs
  const grid = runGrid(loadWasmCoreSync(), VERDICT_SPEC, profile.costs);
  const projection = projectResults(results, profile, verdictLine(grid, profile));
  io.out(o.json ? renderJson(results, projection, source) : renderTable(results, projection));
  return { results, profile, grid };
}
