// The main job: every selected policy on every selected workload, one table
// (or --json), and the report directory (HTML, JSON, CSV) unless --no-report.
// It is the root command, so `stable-dio` with no arguments runs it; what
// other commands share with it lives in runs.ts, table.ts and report.ts.
import type { Command } from "commander";
import { UsageError, type CliIo } from "../shared/io.js";
import { pickWorkloads } from "../workloads/select.js";
import type { CommandContext } from "./context.js";
import { referenceHelp } from "./help.js";
import { reportDir, reportOptions, writeMainReport, type ReportOptions } from "./report.js";
import { balanceExit, runOptions } from "./runs.js";
import { runAndPrint, tableOptions, type TableOptions } from "./table.js";

interface CompareOptions extends TableOptions, ReportOptions {}

export function registerCompare(program: Command, ctx: CommandContext): void {
  tableOptions(runOptions(program.allowExcessArguments(true))); // excess arguments are reported below, naming the argument
  reportOptions(program)
    .addHelpText("after", referenceHelp())
    .action(async (opts: CompareOptions, cmd: Command) => {
      const command = cmd.args[0];
      if (command !== undefined) {
        const subs = ctx.subcommands();
        throw new UsageError(subs.length
          ? `unknown command '${command}' (allowed: ${subs.join(", ")}; none runs the comparison)`
          : `unexpected argument '${command}' (allowed: options only; see --help)`);
      }
      ctx.exit(await compare(opts, ctx.io, ctx.argv));
    });
}

async function compare(o: CompareOptions, io: CliIo, argv: readonly string[]): Promise<number> {
  const shown = await runAndPrint(pickWorkloads(o.workload), o, o.workload !== undefined, io);
  if (o.report !== false) await writeMainReport(reportDir(o.out, io), { command: "compare", argv, ...shown }, io, false);
  return balanceExit(shown.results, io);
}
