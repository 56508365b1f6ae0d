// The main job: every selected policy on every selected workload, one table
// (or --json), and the report directory (HTML, JSON, CSV) unless --no-report.
// It is the root command, so `stable-dio` with no arguments runs it; what
// other commands share with it lives in runs.ts, table.ts and report.ts.
import type { Command } from "commander";
import { UsageError, type CliIo } from "../shared/io.js";
import type { CommandContext } from "./context.js";
import { referenceHelp } from "./help.js";
import { reportOptions, reportTarget, writeMainReport, type ReportOptions } from "./report.js";
import { balanceExit, runOptions } from "./runs.js";
import { chooseWorkloads, fioOption, type SourceOptions } from "./source.js";
import { runAndPrint, tableOptions, type TableOptions } from "./table.js";
import { didYouMeanCommand } from "./subcommand.js";

interface CompareOptions extends TableOptions, ReportOptions, SourceOptions {}

export function registerCompare(program: Command, ctx: CommandContext): void {
  fioOption(tableOptions(runOptions(program.allowExcessArguments(true)))); // excess arguments are reported below, naming the argument
  reportOptions(program)
    .addHelpText("after", referenceHelp())
    .action(async (opts: CompareOptions, cmd: Command) => {
      const command = cmd.args[0];
      if (command !== undefined) {
        const subs = ctx.subcommands();
        throw new UsageError(subs.length
          ? `unknown command '${command}'${didYouMeanCommand(command, subs)} (allowed: ${subs.join(", ")}; none runs the comparison)`
          : `unexpected argument '${command}' (allowed: options only; see --help)`);
      }
      ctx.exit(await compare(opts, ctx.io, ctx.argv));
    });
}

async function compare(o: CompareOptions, io: CliIo, argv: readonly string[]): Promise<number> {
  const chosen = chooseWorkloads(o);
  const target = reportTarget(o, "compare", io);
  const shown = await runAndPrint(chosen, o, o.workload !== undefined || o.fio !== undefined, io);
  if (target) await writeMainReport(target, { command: "compare", argv, ...shown }, io);
  return balanceExit(shown.results, io);
}
