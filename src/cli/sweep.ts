// `stable-dio sweep`: a grid of sizes x threads x policies x workloads x seeds
// on worker threads over every core, journaled point by point to
// DIR/points.jsonl (a rerun resumes), then the report of the whole sweep in
// DIR (docs/report.md) and its summary over seeds on the terminal. --shard K/N
// runs every N-th point into its own directory; `report --from` merges them.
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import type { Command } from "commander";
import { mergeGridText, pickGrid, readGridFile, type GridText } from "../sweep/grid.js";
import { count } from "../sweep/progress.js";
import type { Shard } from "../sweep/record.js";
import { runSweep } from "../sweep/sweep.js";
import { renderSummary } from "../report/summary-table.js";
import type { CommandContext } from "./context.js";
import { runOptions, type RunOptions } from "./runs.js";
import { EXIT_FAIL, EXIT_OK, UsageError, type CliIo } from "../shared/io.js";
import { pickNumber } from "./numbers.js";
import { PROFILE_HELP, profileOption } from "./profile.js";
import { reportLine } from "./report.js";
import { fioOption } from "./source.js";
import { subcommand } from "./subcommand.js";

export const DEFAULT_SWEEP_DIR = "stable-dio-sweep";
const MAX_WORKERS = 256;

interface SweepOptions extends RunOptions {
  fio?: string;
  grid?: string;
  sizes?: string;
  threads?: string;
  seeds?: string;
  workers?: string;
  profile?: string;
  out?: string;
  report?: boolean;
  shard?: string;
  json?: boolean;
}

export function registerSweep(program: Command, ctx: CommandContext): void {
  const cmd = subcommand(program, "sweep")
    .description("run a grid of sizes x threads x policies x workloads x seeds on worker threads; resumable; report and summary at the end");
  fioOption(runOptions(cmd))
    .option("--grid <file>", "the grid as JSON (docs/report.md); flags override its fields")
    .option("--sizes <list>", "I/O sizes to sweep, e.g. 4k,64k,1m (default: each workload's own)")
    .option("--threads <list>", "thread counts for the workloads that have threads (default: their own)")
    .option("--seeds <list>", "seeds, e.g. 1,2,3 or 1..8 (default: 1; --seed n is one seed)")
    .option("--workers <n>", `worker threads (default: every core, ${availableParallelism()} here)`)
    .option("--shard <k/n>", "run only every n-th point of the grid from the k-th, e.g. 2/8 (merge the shards with stable-dio report --from)")
    .option("--profile <name|file>", PROFILE_HELP)
    .option("-o, --out <dir>", `journal and report directory (default: ./${DEFAULT_SWEEP_DIR}); an unfinished sweep there resumes`)
    .option("--no-report", "journal the points only, no report")
    .option("--json", "print the report's document (results.json, with the summary over seeds) instead of the summary table")
    .action(async (opts: SweepOptions) => ctx.exit(await sweep(opts, ctx.io, ctx.argv)));
}

/** "2/8" -> { k: 2, n: 8 }. */
export function pickShard(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const [k, n] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(n >= 1 && n <= 1_000_000 && k >= 1 && k <= n))
    throw new UsageError(`bad value '${text}' for --shard (allowed: K/N with 1 <= K <= N <= 1000000, e.g. 1/4)`);
  return { k, n };
}

async function sweep(o: SweepOptions, io: CliIo, argv: readonly string[]): Promise<number> {
  if (o.seed !== undefined && o.seeds !== undefined) throw new UsageError("give --seed or --seeds, not both");
  const flags: GridText = {
    sizes: o.sizes, threads: o.threads, policy: o.policy, workload: o.workload, fio: o.fio, seeds: o.seeds ?? o.seed,
    device: o.device, stable: o.stable, core: o.core, param: o.param, wp: o.wp,
  };
  const file = o.grid === undefined ? undefined : mergeGridText(readGridFile(o.grid), flags);
  const grid = pickGrid(file?.text ?? flags, file);
  const workers = pickNumber("--workers", o.workers, availableParallelism(), 1, MAX_WORKERS, true);
  const shard = pickShard(o.shard);
  const pending = profileOption(o.profile);
  if (o.out !== undefined && o.out.trim() === "") throw new UsageError("empty --out directory");
  const dir = resolve(io.cwd ?? process.cwd(), o.out ?? DEFAULT_SWEEP_DIR);
  // Measured here, once, if need be: the worker threads only count, and the projections are made here.
  const profile = (await pending.choose(io)).profile;

  const r = await runSweep({ grid, dir, workers, profile, report: o.report !== false, argv, shard }, io);
  if (o.json) io.out(JSON.stringify(r.doc, null, 2) + "\n");
  else {
    io.out(`sweep: ${count(r.points, "point")}: ${r.computed} computed on ${count(r.workers, "worker thread")}, ${r.resumed} from the journal\n\n`);
    io.out(renderSummary(r.doc.summary ?? [], r.doc.profile.label));
  }
  if (r.wrote) io.err(reportLine(dir, io));
  const bad = r.runs.filter((x) => !x.balanceOk);
  for (const x of bad) io.err(`stable-dio: ${x.key}: frames do not balance (run it alone for the details)\n`);
  return bad.length ? EXIT_FAIL : EXIT_OK;
}
