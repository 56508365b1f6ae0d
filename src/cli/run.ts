// `stable-dio run`: one workload from a file (the workload format of
// docs/workloads.md, or a fio job file, docs/fio.md) or one built-in, under
// every policy (or --policy), with the root command's other options: the
// table (or --json), and with --out DIR the report there. A problem
// in the file is one line naming file and line, exit code 2.
import type { Command } from "commander";
import type { CliIo } from "../shared/io.js";
import type { CommandContext } from "./context.js";
import { reportOptions, reportTarget, writeMainReport, type ReportOptions } from "./report.js";
import { balanceExit, runOptions } from "./runs.js";
import { chooseWorkload, fioOption, type SourceOptions } from "./source.js";
import { subcommand } from "./subcommand.js";
import { runAndPrint, tableOptions, type TableOptions } from "./table.js";

interface RunCommandOptions extends TableOptions, SourceOptions, ReportOptions {}

export function registerRun(program: Command, ctx: CommandContext): void {
  const cmd = subcommand(program, "run")
    .description("run one workload file, fio job file or built-in workload under every policy (or --policy); --out DIR: its report too");
  reportOptions(fioOption(tableOptions(runOptions(cmd, "-w, --workload <file|id>", "a workload file (docs/workloads.md) or a built-in workload's id"))), true)
    .addHelpText("after", "\nBuilt-in workload files (copy one to start your own): workloads/*.json in the package.\n")
    .action(async (opts: RunCommandOptions) => ctx.exit(await run(opts, ctx.io, ctx.argv)));
}

async function run(o: RunCommandOptions, io: CliIo, argv: readonly string[]): Promise<number> {
  const chosen = chooseWorkload("run", o);
  const target = reportTarget(o, "run", io, true);
  const shown = await runAndPrint([chosen], o, true, io);
  if (target) await writeMainReport(target, { command: "run", argv, ...shown }, io);
  return balanceExit(shown.results, io);
}
