// The sweep's journal, points.jsonl: one JSON line per finished point,
// appended and fsynced as each point finishes, so a killed sweep loses no
// finished point and a restarted one skips them. A kill can leave only the
// last line torn (a line is written whole before the next starts), so
// reading drops an unterminated tail and truncates the file to its last
// complete line before appending: safe because no other sweep writes to it
// (the directory's lock, lock.ts, is taken before the journal is read).
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync } from "node:fs";
import { dirname } from "node:path";
import { fsyncDir, writeAll } from "../shared/atomic.js";
import type { RunRecord } from "../report/document.js";
import { UsageError } from "../shared/io.js";

export const JOURNAL_VERSION = 1;
export const JOURNAL_FILE = "points.jsonl";

export interface JournalLine {
  readonly v: number;
  /** The point's key (= run.key). */
  readonly key: string;
  /** Which worker thread ran it (1..workers of that invocation). */
  readonly worker: number;
  /** Measured wall time of the run, ms (progress estimates only). */
  readonly wallMs: number;
  /** ISO time it finished. */
  readonly finished: string;
  readonly run: RunRecord;
}

export interface JournalRead {
  readonly lines: JournalLine[];
  /** Bytes of a torn last line that were dropped. */
  readonly tornBytes: number;
}

function problem(x: unknown): string | undefined {
  if (typeof x !== "object" || x === null) return "not a JSON object";
  const l = x as Record<string, unknown>;
  if (l.v !== JOURNAL_VERSION) return `version ${String(l.v)}, expected ${JOURNAL_VERSION}`;
  if (typeof l.key !== "string") return "no key";
  const run = l.run as Record<string, unknown> | undefined;
  if (typeof run !== "object" || run === null || run.key !== l.key) return "no run with that key";
  if (typeof run.counters !== "object" || run.counters === null) return "the run has no counters";
  return undefined;
}

/**
 * Reads a journal (none yet: empty). A complete line that is not a point is
 * an error naming it. `repair`: cut a torn last line from the file (the sweep
 * that owns the directory's lock); a reader that merges leaves the file alone.
 */
export function readJournal(file: string, repair = true): JournalRead {
  if (!existsSync(file)) return { lines: [], tornBytes: 0 };
  const text = readFileSync(file, "utf8");
  const end = text.lastIndexOf("\n") + 1;
  const tornBytes = Buffer.byteLength(text.slice(end));
  if (tornBytes > 0 && repair) truncateSync(file, Buffer.byteLength(text.slice(0, end)));
  const lines: JournalLine[] = [];
  const rows = text.slice(0, end).split("\n");
  rows.pop(); // after the last newline
  for (const [i, row] of rows.entries()) {
    if (row.trim() === "") continue;
    let x: unknown;
    try {
      x = JSON.parse(row);
    } catch {
      x = undefined;
    }
    const why = x === undefined ? "not JSON" : problem(x);
    if (why) throw new UsageError(`${file} line ${i + 1} is not a finished point (${why}); move the file away to start the sweep over`);
    lines.push(x as JournalLine);
  }
  return { lines, tornBytes };
}

/** Appends points, each durable before the next starts. */
export class Journal {
  private readonly fd: number;

  constructor(readonly file: string) {
    const created = !existsSync(file);
    this.fd = openSync(file, "a");
    if (created) fsyncDir(dirname(file));
  }

  append(line: JournalLine): void {
    writeAll(this.fd, Buffer.from(JSON.stringify(line) + "\n", "utf8"));
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
