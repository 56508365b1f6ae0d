// `stable-dio report`, and the report every command that runs a selection
// writes unless --no-report (the main job, `run`): the selected runs, the
// crossover grid's cost curve and an IPI curve, as index.html, results.json
// and results.csv in one directory (docs/report.md). `report --from DIR...`
// merges sweeps' journals into one report instead.
import { isAbsolute, relative, resolve } from "node:path";
import type { Command } from "commander";
import { loadWasmCoreSync } from "../core/wasm.js";
import { nativeSectionOf } from "../native/html.js";
import type { ProfileChoice } from "../cost/choice.js";
import type { GridResult } from "../crossover/grid.js";
import { VERDICT_SPEC, verdictLine } from "../crossover/verdict.js";
import type { RunResult } from "../host/result.js";
import { resultsDoc, runRecord } from "../report/document.js";
import { placeReport, replacingNote, type Previous } from "../report/place.js";
import { POLICIES } from "../shared/names.js";
import { costCurveOfGrid, curveGrid, ipiCurveOfCore } from "../crossover/curves.js";
import { breakEvenCurveOfGrid } from "../crossover/breakeven-curve.js";
import { DEFAULT_REPORT_DIR, REPORT_FILES, writeReport } from "../report/write.js";
import type { CommandContext } from "./context.js";
import { balanceExit, runOptions } from "./runs.js";
import { type CliIo, UsageError } from "../shared/io.js";
import { chooseWorkloads, fioOption, type SourceOptions } from "./source.js";
import { referenceProfiles } from "./profile.js";
import { subcommand } from "./subcommand.js";
import { runAndPrint, tableOptions, type TableOptions } from "./table.js";
import { mergeReport } from "./merge.js";

export interface ReportOptions {
  /** false with --no-report. */
  report?: boolean;
  out?: string;
}

/** --out DIR and --no-report, on every command that writes a report (`run`: only when given --out). */
export function reportOptions(cmd: Command, onlyWithOut = false): Command {
  return cmd
    .option("-o, --out <dir>", `report directory: ${REPORT_FILES.join(", ")} (default: ${onlyWithOut ? "none" : `./${DEFAULT_REPORT_DIR}`})`)
    .option("--no-report", `write no report directory${onlyWithOut ? " (the default without --out)" : ""}`);
}

/** Where the report goes, checked before any run (placeReport); undefined with --no-report. */
export interface ReportTarget {
  readonly dir: string;
  readonly replacing?: Previous;
}

export function reportTarget(o: ReportOptions, command: string, io: CliIo, onlyWithOut = false): ReportTarget | undefined {
  if (o.out !== undefined && o.out.trim() === "") throw new UsageError("empty --out directory");
  if (o.report === false && o.out !== undefined) throw new UsageError("give --out DIR or --no-report, not both");
  if (o.report === false || (onlyWithOut && o.out === undefined)) return undefined;
  const dir = resolve(io.cwd ?? process.cwd(), o.out ?? DEFAULT_REPORT_DIR);
  return { dir, ...placeReport(dir, command) };
}

export interface MainRuns {
  readonly command: string;
  readonly argv: readonly string[];
  readonly results: readonly RunResult[];
  /** The profile the projections come from, and why. */
  readonly choice: ProfileChoice;
  /** The verdict's grid (VERDICT_SPEC), if already run. */
  readonly grid?: GridResult;
}

/** Writes the report of a set of runs, and says where (reportLine). */
export async function writeMainReport(t: ReportTarget, m: MainRuns, io: CliIo): Promise<void> {
  const core = loadWasmCoreSync();
  // The curves follow the selection: every policy that ran, in the usual order.
  const policies = POLICIES.map((p) => p.id).filter((id) => m.results.some((r) => r.policy === id));
  const profile = m.choice.profile;
  const references = referenceProfiles();
  const grid = curveGrid(core, VERDICT_SPEC, policies, profile.costs, m.grid);
  const doc = resultsDoc({
    command: m.command,
    argv: m.argv,
    profile,
    runs: m.results.map(runRecord),
    costCurve: costCurveOfGrid(grid, profile, policies),
    ipiCurve: ipiCurveOfCore(core, policies),
    breakEven: breakEvenCurveOfGrid(grid, m.choice, references),
    verdict: verdictLine(grid, m.choice, references),
  });
  const native = nativeSectionOf(t.dir); // a stable-dio native run's results in the same directory
  await writeReportTo(t, () => writeReport(t.dir, doc, native ? [native] : []), io);
}

/** Writes a report (`write`), with the note on what it replaces first, then the line that says where it is. */
export async function writeReportTo(t: ReportTarget, write: () => Promise<void>, io: CliIo): Promise<void> {
  try {
    await write();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new UsageError(`cannot write the report to '${t.dir}': ${code}`);
    throw e;
  }
  if (t.replacing) io.err(`stable-dio: ${replacingNote(shownPath(t.dir, io), t.replacing)}\n`);
  io.err(reportLine(t.dir, io));
}

/** How every command says where its report is: one line on stderr. */
export function reportLine(dir: string, io: CliIo): string {
  return `stable-dio: report: ${shownPath(dir, io)}/index.html (results.json and results.csv beside it)\n`;
}

/** The directory relative to the working directory when it is inside it. */
export function shownPath(dir: string, io: CliIo): string {
  const rel = relative(io.cwd ?? process.cwd(), dir);
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? dir : rel;
}

interface ReportCommandOptions extends TableOptions, ReportOptions, SourceOptions {
  from?: string[];
}

export function registerReport(program: Command, ctx: CommandContext): void {
  const cmd = subcommand(program, "report")
    .description("run the selected policies and workloads (the main job's flags, workload files and fio jobs too) and write the " +
      "HTML report, results.json and results.csv; or, --from DIR..., merge sweeps' journals into one report");
  reportOptions(fioOption(tableOptions(runOptions(cmd), "print every run's full result as JSON (as the main job's --json)")))
    .option("--from <dirs...>", "sweep directories (shards of one sweep) to merge into one report, instead of running")
    .action(async (opts: ReportCommandOptions, cmd: Command) => ctx.exit(await report(opts, cmd, ctx)));
}

/** What `report --from` takes: the journals hold the runs, so the flags that choose or shape runs have nothing to act on. */
const FROM_FLAGS = ["--from", "--out", "--no-report", "--profile", "--json"];

async function report(o: ReportCommandOptions, cmd: Command, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  if (o.from !== undefined) {
    const given = cmd.options.filter((opt) => opt.long && !FROM_FLAGS.includes(opt.long) && cmd.getOptionValueSource(opt.attributeName()) === "cli");
    if (given.length)
      throw new UsageError(`report --from merges sweeps' journals and takes only ${FROM_FLAGS.slice(1).join(", ")}; ` +
        `not ${given.map((opt) => opt.long).join(", ")} (the sweeps chose the runs)`);
    return mergeReport(o.from, o, ctx);
  }
  const chosen = chooseWorkloads(o);
  const target = reportTarget(o, "report", io);
  const shown = await runAndPrint(chosen, o, o.workload !== undefined || o.fio !== undefined, io, false);
  if (target) await writeMainReport(target, { command: "report", argv: ctx.argv, ...shown }, io);
  return balanceExit(shown.results, io);
}
