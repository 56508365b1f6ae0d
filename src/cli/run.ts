// `stable-dio run`: one workload from a file (the workload format of
// docs/workloads.md, or a fio job file, docs/fio.md) or one built-in, under
// every policy (or --policy), with the root command's other options. A
// problem in the file is one line naming file and line, exit code 2.
import type { Command } from "commander";
import type { CliIo } from "../shared/io.js";
import type { CommandContext } from "./context.js";
import { balanceExit, runOptions } from "./runs.js";
import { chooseWorkload, fioOption, WORKLOAD_FLAGS, WORKLOAD_HELP, type SourceOptions } from "./source.js";
import { subcommand } from "./subcommand.js";
import { runAndPrint, tableOptions, type TableOptions } from "./table.js";

interface RunCommandOptions extends TableOptions, SourceOptions {}

export function registerRun(program: Command, ctx: CommandContext): void {
  const cmd = subcommand(program, "run")
    .description("run one workload file, fio job file or built-in workload under every policy (or --policy)");
  fioOption(tableOptions(runOptions(cmd, WORKLOAD_FLAGS, WORKLOAD_HELP)))
    .addHelpText("after", "\nBuilt-in workload files (copy one to start your own): workloads/*.json in the package.\n")
    .action(async (opts: RunCommandOptions) => ctx.exit(await run(opts, ctx.io)));
}

/** The table (or --json, with the file it came from as `source`) of every selected policy on the one workload. */
async function run(o: RunCommandOptions, io: CliIo): Promise<number> {
  const { workload, source } = chooseWorkload("run", o);
  return balanceExit((await runAndPrint([workload], o, true, io, source)).results, io);
}
