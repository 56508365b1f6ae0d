// A sweep from start to report: expand the grid, lock the directory, skip the
// points the journal already holds, run the rest on worker threads (journaling each as it
// finishes), then write the report of every point of the grid beside the
// journal.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { UsageError, type CliIo } from "../shared/io.js";
import type { CostProfile } from "../cost/profile.js";
import { fmtBytes } from "../shared/units.js";
import { resultsDoc, type RunRecord } from "../report/document.js";
import { writeReport } from "../report/write.js";
import { sweepCostCurve, sweepIpiCurve } from "./curves.js";
import { expandGrid, gridRecord, type SweepGrid, type SweepPoint } from "./grid.js";
import { Journal, JOURNAL_FILE, JOURNAL_VERSION, readJournal } from "./journal.js";
import { takeLock } from "./lock.js";
import { runPool } from "./pool.js";
import { count, startProgress } from "./progress.js";

export interface SweepRequest {
  readonly grid: SweepGrid;
  readonly dir: string;
  /** Most worker threads to use. */
  readonly workers: number;
  readonly profile: CostProfile;
  readonly report: boolean;
  readonly argv: readonly string[];
}

export interface SweepOutcome {
  readonly points: number;
  readonly computed: number;
  readonly resumed: number;
  readonly workers: number;
  /** Every point's run, in grid order. */
  readonly runs: readonly RunRecord[];
}

function label(p: SweepPoint): string {
  const t = p.params.threads;
  return `${p.workload} ${p.policy} size=${fmtBytes(p.params.size ?? 0)}${t === undefined ? "" : ` threads=${t}`} seed=${p.seed}`;
}

export async function runSweep(req: SweepRequest, io: CliIo): Promise<SweepOutcome> {
  const { points, skipped } = expandGrid(req.grid);
  if (!points.length) throw new UsageError(`no point of the grid can run (${skipped.map((s) => s.replace(/^skipping /, "")).join("; ")})`);

  cannotWrite(req.dir, () => mkdirSync(req.dir, { recursive: true }));
  // One sweep per directory, from before the journal is read (a torn tail is cut there) to the report.
  const lock = cannotWrite(req.dir, () => takeLock(req.dir, io));
  try {
    return await locked(req, io, points, skipped);
  } finally {
    lock.release();
  }
}

async function locked(req: SweepRequest, io: CliIo, points: readonly SweepPoint[], skipped: readonly string[]): Promise<SweepOutcome> {
  const file = join(req.dir, JOURNAL_FILE);
  const read = cannotWrite(req.dir, () => readJournal(file));
  // The notes once the directory is known to work: a sweep that cannot start says one thing.
  for (const s of skipped) io.err(`stable-dio: ${s}\n`);
  if (read.tornBytes) io.err(`stable-dio: dropped a torn last line (${read.tornBytes} bytes) from ${file}\n`);
  const done = new Map<string, RunRecord>();
  for (const l of read.lines) if (!done.has(l.key)) done.set(l.key, l.run);
  const inGrid = new Set(points.map((p) => p.key));
  const outside = [...done.keys()].filter((k) => !inGrid.has(k)).length;
  if (outside) io.err(`stable-dio: ${count(outside, "point")} in ${file} ${outside === 1 ? "is" : "are"} not in this grid: kept there, left out of the report\n`);

  const pending = points.filter((p) => !done.has(p.key));
  const resumed = points.length - pending.length;
  const workers = Math.min(req.workers, pending.length);
  io.err(`sweep: ${count(points.length, "point")}: ${resumed} already in ${file}, ${pending.length} to run on ${count(workers, "worker thread")}\n`);

  if (pending.length) {
    const journal = cannotWrite(req.dir, () => new Journal(file));
    const progress = startProgress(io, points.length, resumed);
    const byKey = new Map(pending.map((p) => [p.key, p]));
    let finished = resumed;
    try {
      await cannotWrite(req.dir, () => runPool(pending, workers, req.grid.core, (d) => {
        journal.append({ v: JOURNAL_VERSION, key: d.key, worker: d.worker, wallMs: Math.round(d.wallMs * 10) / 10, finished: new Date().toISOString(), run: d.run });
        done.set(d.key, d.run);
        const p = byKey.get(d.key);
        progress.tick(++finished, p ? label(p) : d.key);
      }));
    } finally {
      progress.stop();
      journal.close();
    }
  }

  const runs = points.map((p) => done.get(p.key) as RunRecord);
  if (req.report) {
    const doc = resultsDoc({
      command: "sweep",
      argv: req.argv,
      profile: req.profile,
      runs,
      costCurve: sweepCostCurve(runs, (req.grid.threads?.length ?? 0) > 1, req.profile),
      ipiCurve: sweepIpiCurve(runs),
      sweep: { grid: gridRecord(req.grid), workers, points: points.length, computed: pending.length, resumed },
    });
    await cannotWrite(req.dir, () => writeReport(req.dir, doc));
  }
  return { points: points.length, computed: pending.length, resumed, workers, runs };
}

/** A file-system error writing the sweep's directory is the user's to fix: one line naming it. */
function cannotWrite<T>(dir: string, write: () => T): T {
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
