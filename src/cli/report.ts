// `stable-dio report`, and the report the main job writes unless --no-report:
// the selected runs, the crossover grid's cost curve and an IPI curve, as
// index.html, results.json and results.csv in one directory (docs/report.md).
import { isAbsolute, relative, resolve } from "node:path";
import type { Command } from "commander";
import { loadWasmCoreSync } from "../core/wasm.js";
import { nativeSectionOf } from "../native/html.js";
import type { ProfileChoice } from "../cost/choice.js";
import type { GridResult } from "../crossover/grid.js";
import { VERDICT_SPEC, verdictLine } from "../crossover/verdict.js";
import type { RunResult } from "../host/result.js";
import { resultsDoc, runRecord } from "../report/document.js";
import { POLICIES } from "../shared/names.js";
import { costCurveOfGrid, curveGrid, ipiCurveOfCore } from "../crossover/curves.js";
import { breakEvenCurveOfGrid } from "../crossover/breakeven-curve.js";
import { DEFAULT_REPORT_DIR, REPORT_FILES, writeReport } from "../report/write.js";
import type { CommandContext } from "./context.js";
import { balanceExit, runOptions, runSelected, type RunOptions } from "./runs.js";
import { type CliIo, UsageError } from "../shared/io.js";
import { PROFILE_HELP, profileOption, referenceProfiles } from "./profile.js";
import { pickWorkloads } from "../workloads/select.js";
import { subcommand } from "./subcommand.js";

export interface ReportOptions {
  /** false with --no-report. */
  report?: boolean;
  out?: string;
}

export function reportOptions(cmd: Command, skip = true): Command {
  if (skip) cmd.option("--no-report", `do not write the report directory (${DEFAULT_REPORT_DIR}/)`);
  return cmd.option("-o, --out <dir>", `report directory: ${REPORT_FILES.join(", ")} (default: ./${DEFAULT_REPORT_DIR})`);
}

export function reportDir(out: string | undefined, io: CliIo): string {
  if (out !== undefined && out.trim() === "") throw new UsageError("empty --out directory");
  return resolve(io.cwd ?? process.cwd(), out ?? DEFAULT_REPORT_DIR);
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

/** Writes the report of a set of runs; says where on stdout (`report`) or stderr (the main job, whose stdout is the table). */
export async function writeMainReport(dir: string, m: MainRuns, io: CliIo, toStdout: boolean): Promise<void> {
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
  try {
    const native = nativeSectionOf(dir); // a stable-dio native run's results in the same directory
    await writeReport(dir, doc, native ? [native] : []);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new UsageError(`cannot write the report to '${dir}': ${code}`);
    throw e;
  }
  const line = `report: ${shownPath(dir, io)}/index.html (results.json and results.csv beside it)\n`;
  if (toStdout) io.out(line);
  else io.err(`stable-dio: ${line}`);
}

/** The directory relative to the working directory when it is inside it. */
export function shownPath(dir: string, io: CliIo): string {
  const rel = relative(io.cwd ?? process.cwd(), dir);
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? dir : rel;
}

interface ReportCommandOptions extends RunOptions, ReportOptions {
  profile?: string;
}

export function registerReport(program: Command, ctx: CommandContext): void {
  const cmd = subcommand(program, "report")
    .description("run the selected policies and workloads (the main job's flags) and write the HTML report, results.json and results.csv");
  runOptions(cmd).option("--profile <name|file>", PROFILE_HELP);
  reportOptions(cmd, false).action(async (opts: ReportCommandOptions) => {
    const pending = profileOption(opts.profile);
    const dir = reportDir(opts.out, ctx.io);
    const results = await runSelected(pickWorkloads(opts.workload), opts, opts.workload !== undefined, ctx.io);
    const choice = await pending.choose(ctx.io);
    await writeMainReport(dir, { command: "report", argv: ctx.argv, results, choice }, ctx.io, true);
    ctx.exit(balanceExit(results, ctx.io));
  });
}
