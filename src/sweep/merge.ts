// Shards of one sweep merged into one report: each directory's sweep.json
// must record the same grid (and the same file workloads); the grid is
// expanded again, so the points come in the order the unsharded sweep runs
// them, each taken from whichever journal holds it. A point no journal holds
// is an error naming how many and, for shards, which shards lack them:
// a merge is the whole grid or nothing.
import { join } from "node:path";
import { UsageError, type CliIo } from "../shared/io.js";
import type { RunRecord } from "../report/document.js";
import { expandGrid, type SweepGrid } from "./grid.js";
import { JOURNAL_FILE, readJournal } from "./journal.js";
import { count } from "./progress.js";
import { gridOfRecord, readSweepFile, type Shard } from "./record.js";

export interface Merged {
  readonly grid: SweepGrid;
  /** Every point's run, in grid order. */
  readonly runs: readonly RunRecord[];
  readonly shards: ReadonlyArray<Shard | null>;
}

export function mergeSweeps(dirs: readonly string[], io: CliIo): Merged {
  if (!dirs.length) throw new UsageError("--from needs at least one sweep directory");
  const files = dirs.map((d) => readSweepFile(d));
  const same = (i: number) => JSON.stringify([files[i].grid, files[i].workloads]) === JSON.stringify([files[0].grid, files[0].workloads]);
  for (let i = 1; i < files.length; i++)
    if (!same(i)) throw new UsageError(`'${dirs[i]}' is not a shard of the same sweep as '${dirs[0]}': their grids (sweep.json) differ`);
  const grid = gridOfRecord(files[0]);
  const { points } = expandGrid(grid);
  if (points.length !== files[0].points)
    throw new UsageError(`'${dirs[0]}': its grid expands to ${points.length} points here, and to ${files[0].points} where it ran ` +
      "(another stable-dio version's workloads?): merge with the version that ran it");
  const runs = new Map<string, RunRecord>();
  dirs.forEach((d) => {
    const read = readJournal(join(d, JOURNAL_FILE), false);
    if (read.tornBytes) io.err(`stable-dio: ${join(d, JOURNAL_FILE)}: left out a torn last line (${read.tornBytes} bytes): a sweep still running there?\n`);
    for (const l of read.lines) if (!runs.has(l.key)) runs.set(l.key, l.run);
  });
  const missing = points.map((p, i) => ({ p, i })).filter((x) => !runs.has(x.p.key));
  if (missing.length) {
    const n = files.find((f) => f.shard)?.shard?.n;
    const have = new Set(files.map((f) => f.shard?.k));
    const lacking = n ? [...new Set(missing.map((x) => (x.i % n) + 1))].sort((a, b) => a - b) : [];
    const which = lacking.map((k) => `${k}/${n}${have.has(k) ? " (unfinished)" : " (not given)"}`);
    throw new UsageError(`${count(missing.length, "point")} of the grid's ${points.length} ${missing.length === 1 ? "is" : "are"} in none of the journals` +
      (which.length ? `: shard${which.length > 1 ? "s" : ""} ${which.slice(0, 8).join(", ")}${which.length > 8 ? ", ..." : ""}` : "") +
      "; finish them (the same sweep command resumes) and merge again");
  }
  return { grid, runs: points.map((p) => runs.get(p.key) as RunRecord), shards: files.map((f) => f.shard) };
}
