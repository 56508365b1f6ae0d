// A sweep from start to report: expand the grid (and take this shard's share
// of it), check the directory may hold it, lock it, record the grid in
// sweep.json, skip the points the journal already holds, run the rest on
// worker threads (journaling each as it finishes), then write the report of
// every point beside the journal. A grid of more than BIG_GRID points is said
// first, with its time estimated from a few of its points.
import { join } from "node:path";
import { loadCore } from "../host/cores.js";
import { UsageError, type CliIo } from "../shared/io.js";
import { makeDir } from "../shared/make-dir.js";
import type { CostProfile } from "../cost/profile.js";
import { fmtBytes } from "../shared/units.js";
import type { SizeSpec, Value, WorkloadSpec } from "../workloads/spec.js";
import type { Workload } from "../workloads/types.js";
import { resultsDoc, type ResultsDoc, type RunRecord } from "../report/document.js";
import { placeReport } from "../report/place.js";
import { writeReport } from "../report/write.js";
import { sweepCostCurve, sweepIpiCurve } from "./curves.js";
import { expandGrid, gridRecord, type SweepGrid, type SweepPoint } from "./grid.js";
import { Journal, JOURNAL_FILE, JOURNAL_VERSION, readJournal, type JournalLine } from "./journal.js";
import { takeLock } from "./lock.js";
import { runPool } from "./pool.js";
import { count, fmtSeconds, startProgress } from "./progress.js";
import { runPoint, workloadsOf } from "./run-point.js";
import { fileSpecs, writeSweepFile, type Shard } from "./record.js";

/** Beyond this many points a grid is said before it starts, with its estimated time and journal size. */
export const BIG_GRID = 5000;
/** Points run first, spread over the grid, to estimate a big one's time. */
const SAMPLES = 5;

export interface SweepRequest {
  readonly grid: SweepGrid;
  readonly dir: string;
  /** Most worker threads to use. */
  readonly workers: number;
  readonly profile: CostProfile;
  readonly report: boolean;
  readonly argv: readonly string[];
  /** Run only this share of the grid (--shard K/N). */
  readonly shard?: Shard;
}

export interface SweepOutcome {
  readonly points: number;
  /** Points of the whole grid (points: this shard's). */
  readonly gridPoints: number;
  readonly computed: number;
  readonly resumed: number;
  readonly workers: number;
  /** Every point's run, in grid order. */
  readonly runs: readonly RunRecord[];
  /** The report's document (also with --no-report: --json prints it). */
  readonly doc: ResultsDoc;
  /** The report went there (placeReport's note, if it replaced one). */
  readonly wrote: boolean;
}

/**
 * A point as its progress line names it: "racer wp-cow size=4K seed=1". The
 * size is the point's size parameter; a workload without one (a fio job)
 * shows the block sizes its file gives (bs=4K, or bs=4K..64K), else none.
 */
export function label(p: SweepPoint, workloads: readonly Workload[]): string {
  const t = p.params.threads;
  const size = p.params.size !== undefined ? ` size=${fmtBytes(p.params.size)}` : blockSizes(workloads.find((w) => w.id === p.workload)?.spec);
  return `${p.workload} ${p.policy}${size}${t === undefined ? "" : ` threads=${t}`} seed=${p.seed}`;
}

/** " bs=4K" or " bs=4K..64K": every I/O size a spec's threads name as numbers; "" if there is none, or one depends on a parameter. */
function blockSizes(spec: WorkloadSpec | undefined): string {
  const sizes: Value[] = [];
  const add = (s: SizeSpec | undefined) => {
    if (s === undefined) return;
    if (typeof s !== "object") sizes.push(s);
    else if ("split" in s) sizes.push(...s.split.map((x) => x.size));
    else sizes.push(s.min, s.max);
  };
  for (const proc of spec?.processes ?? []) for (const th of proc.threads) (add(th.io?.size), add(th.io?.readSize));
  if (!sizes.length || sizes.some((v) => typeof v !== "number")) return "";
  const [lo, hi] = [Math.min(...(sizes as number[])), Math.max(...(sizes as number[]))];
  return ` bs=${fmtBytes(lo)}${hi === lo ? "" : `..${fmtBytes(hi)}`}`;
}

/** Every N-th point of the grid from the K-th: shard K of N. */
export const shardOf = <T>(points: readonly T[], s: Shard | undefined): T[] =>
  s ? points.filter((_, i) => i % s.n === s.k - 1) : [...points];

export async function runSweep(req: SweepRequest, io: CliIo): Promise<SweepOutcome> {
  const { points: all, skipped } = expandGrid(req.grid);
  if (!all.length) throw new UsageError(`no point of the grid can run (${skipped.map((s) => s.replace(/^skipping /, "")).join("; ")})`);
  const points = shardOf(all, req.shard);
  if (!points.length) throw new UsageError(`shard ${req.shard!.k}/${req.shard!.n} of a grid of ${count(all.length, "point")} has none`);

  // A sweep's directory holds its journal and its report, and nothing of another command's.
  placeReport(req.dir, "sweep");
  cannotWrite(req.dir, () => makeDir(req.dir));
  // One sweep per directory, from before the journal is read (a torn tail is cut there) to the report.
  const lock = cannotWrite(req.dir, () => takeLock(req.dir, io));
  try {
    cannotWrite(req.dir, () => writeSweepFile(req.dir, req.grid, req.shard, all.length));
    return await locked(req, io, points, all.length, skipped);
  } finally {
    lock.release();
  }
}

async function locked(req: SweepRequest, io: CliIo, points: readonly SweepPoint[], gridPoints: number, skipped: readonly string[]): Promise<SweepOutcome> {
  const file = join(req.dir, JOURNAL_FILE);
  const read = cannotWrite(req.dir, () => readJournal(file));
  // The notes once the directory is known to work: a sweep that cannot start says one thing.
  for (const s of skipped) io.err(`stable-dio: ${s}\n`);
  for (const s of req.grid.sources) {
    if (s.ignored.length) io.err(`stable-dio: ${s.file}: ignored (no effect on the model): ${s.ignored.join(", ")}\n`);
    if (s.notModelled.length) io.err(`stable-dio: ${s.file}: not modelled (fio options stable-dio runs the job without): ${s.notModelled.join(", ")}\n`);
    for (const n of s.notes) io.err(`stable-dio: ${n}\n`);
  }
  if (read.tornBytes) io.err(`stable-dio: dropped a torn last line (${read.tornBytes} bytes) from ${file}\n`);
  const done = new Map<string, RunRecord>();
  for (const l of read.lines) if (!done.has(l.key)) done.set(l.key, l.run);
  const inGrid = new Set(points.map((p) => p.key));
  const outside = [...done.keys()].filter((k) => !inGrid.has(k)).length;
  if (outside) io.err(`stable-dio: ${count(outside, "point")} in ${file} ${outside === 1 ? "is" : "are"} not in this grid: kept there, left out of the report\n`);

  let pending = points.filter((p) => !done.has(p.key));
  const resumed = points.length - pending.length;
  const workers = Math.min(req.workers, pending.length);
  const share = req.shard ? ` (shard ${req.shard.k}/${req.shard.n} of a grid of ${count(gridPoints, "point")})` : "";
  io.err(`sweep: ${count(points.length, "point")}${share}: ${resumed} already in ${file}, ${pending.length} to run on ${count(workers, "worker thread")}\n`);

  const specs = fileSpecs(req.grid);
  if (pending.length) {
    const journal = cannotWrite(req.dir, () => new Journal(file));
    const record = (key: string, worker: number, wallMs: number, run: RunRecord): JournalLine =>
      ({ v: JOURNAL_VERSION, key, worker, wallMs: Math.round(wallMs * 10) / 10, finished: new Date().toISOString(), run });
    try {
      if (gridPoints > BIG_GRID) pending = await estimate(req, io, pending, gridPoints, workers, specs, (line) => {
        journal.append(line);
        done.set(line.key, line.run);
      }, record);
      if (pending.length) {
        const progress = startProgress(io, points.length, points.length - pending.length);
        const byKey = new Map(pending.map((p) => [p.key, p]));
        let finished = points.length - pending.length;
        try {
          await cannotWrite(req.dir, () => runPool(pending, workers, req.grid.core, specs, (d) => {
            journal.append(record(d.key, d.worker, d.wallMs, d.run));
            done.set(d.key, d.run);
            const p = byKey.get(d.key);
            progress.tick(++finished, p ? label(p, req.grid.workloads) : d.key);
          }));
        } finally {
          progress.stop();
        }
      }
    } finally {
      journal.close();
    }
  }

  const runs = points.map((p) => done.get(p.key) as RunRecord);
  const doc = sweepDoc(req.grid, runs, req.profile, req.argv, {
    workers, points: points.length, computed: points.length - resumed, resumed, shard: req.shard ?? null,
  });
  if (req.report) await cannotWrite(req.dir, () => writeReport(req.dir, doc));
  return { points: points.length, gridPoints, computed: points.length - resumed, resumed, workers, runs, doc, wrote: req.report };
}

/** The report of a sweep's runs (a sweep's own, or a merge of shards'). */
export function sweepDoc(
  grid: SweepGrid, runs: readonly RunRecord[], profile: CostProfile, argv: readonly string[],
  info: { workers: number; points: number; computed: number; resumed: number; shard?: Shard | null; merged?: readonly string[] },
  command = "sweep",
): ResultsDoc {
  return resultsDoc({
    command,
    argv,
    profile,
    runs,
    costCurve: sweepCostCurve(runs, (grid.threads?.length ?? 0) > 1, profile),
    ipiCurve: sweepIpiCurve(runs),
    sweep: { grid: gridRecord(grid), ...info },
  });
}

/**
 * A big grid, said before it runs: how many points, about how long on these
 * workers, and about how large a journal, from SAMPLES points spread over
 * what is left to run (run here, and journaled: no work is lost). Returns the
 * points still to run.
 */
async function estimate(
  req: SweepRequest, io: CliIo, pending: readonly SweepPoint[], gridPoints: number, workers: number,
  specs: ReturnType<typeof fileSpecs>, append: (l: JournalLine) => void,
  record: (key: string, worker: number, wallMs: number, run: RunRecord) => JournalLine,
): Promise<SweepPoint[]> {
  const n = Math.min(SAMPLES, pending.length);
  const picks = new Set(Array.from({ length: n }, (_, i) => Math.floor((i * pending.length) / n)));
  const core = await loadCore(req.grid.core);
  const files = workloadsOf(specs);
  let ms = 0;
  let bytes = 0;
  for (const i of picks) {
    const t0 = performance.now();
    const run = runPoint(core, pending[i], files);
    const wall = performance.now() - t0;
    const line = record(pending[i].key, 0, wall, run);
    append(line);
    ms += wall;
    bytes += Buffer.byteLength(JSON.stringify(line)) + 1;
  }
  const rest = pending.filter((_, i) => !picks.has(i));
  const each = ms / picks.size / 1000;
  const threads = Math.max(1, workers);
  const mine = req.shard
    ? `; this shard (${req.shard.k}/${req.shard.n}) runs ${(rest.length + picks.size).toLocaleString("en-US")} of them, about ${fmtDuration((each * rest.length) / threads)} more`
    : "";
  io.err(`stable-dio: a grid of ${gridPoints.toLocaleString("en-US")} points: about ${fmtDuration((each * gridPoints) / threads)} ` +
    `on ${count(threads, "worker thread")} here (${each.toFixed(2)} s a point, estimated from ${count(picks.size, "point")} run first) ` +
    `and a journal of about ${fmtBytes(Math.round((bytes / picks.size) * gridPoints))}${mine}; ` +
    "to spread it over machines, run it as shards (--shard K/N) and merge them (stable-dio report --from DIR...; docs/report.md)\n");
  return rest;
}

/** 5 days 3h, 2h 05m, 1m15s. */
function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d} day${d > 1 ? "s" : ""} ${h}h`;
  if (h) return `${h}h ${String(m).padStart(2, "0")}m`;
  return fmtSeconds(s);
}

/** A file-system error writing the sweep's directory is the user's to fix: one line naming it. */
export function cannotWrite<T>(dir: string, write: () => T): T {
  const fail = (e: unknown): never => {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new UsageError(`cannot write the sweep to '${dir}': ${code}`);
    throw e;
  };
  try {
    const r = write();
    return (r instanceof Promise ? r.catch(fail) : r) as T;
  } catch (e) {
    return fail(e);
  }
}
