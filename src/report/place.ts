// Where a report may go. A report directory is written by one kind of
// command: the runs' reports (the main job, `report`, `run`, a merge of
// sweeps) or a sweep (its journal, points.jsonl, beside the report). Before
// any work is done, the directory is read:
// - empty, missing, or a report of the same command: written (replaced);
// - a report of another runs' command: replaced, and the caller says so
//   (`replacing`: which command wrote it, and when);
// - a sweep's directory, for a runs' report, or a runs' report, for a sweep:
//   refused, since one would replace the other's files (a sweep's journal is
//   hours of work);
// - files of a report's names that are not a stable-dio report: refused.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../shared/io.js";
import { dirProblem } from "../shared/make-dir.js";
import { REPORT_FILES } from "./write.js";

export const JOURNAL_NAME = "points.jsonl";

export interface Previous {
  /** results.json's command: compare, report, run, sweep or merge. */
  readonly command: string;
  readonly generated: string;
}

/** What a report of `command` may do to `dir`: the report it replaces, if another command's. Refusals throw. */
export function placeReport(dir: string, command: string): { readonly replacing?: Previous } {
  let st;
  try {
    st = statSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    throw new UsageError(`cannot write the ${command === "sweep" ? "sweep" : "report"} to '${dir}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (!st) {
    // Missing: its nearest existing ancestor must be a directory we may write, asked before any work is done.
    const problem = dirProblem(dir);
    if (problem) throw new UsageError(`cannot write the ${command === "sweep" ? "sweep" : "report"} to '${dir}': ${problem}`);
    return {};
  }
  if (!st.isDirectory()) throw new UsageError(`cannot write the ${command === "sweep" ? "sweep" : "report"} to '${dir}': ENOTDIR (not a directory)`);
  const sweep = command === "sweep";
  const journal = existsSync(join(dir, JOURNAL_NAME));
  const prev = previous(dir);
  if (prev === "foreign")
    throw new UsageError(`'${dir}' holds ${REPORT_FILES.filter((f) => existsSync(join(dir, f))).join(", ")} that ` +
      "stable-dio did not write: give another --out, or move them away");
  if (!sweep && journal)
    throw new UsageError(`'${dir}' is a sweep's directory (${JOURNAL_NAME}): a report of \`${commandName(command)}\` ` +
      "would replace the sweep's; give another --out (stable-dio report --from DIR merges sweeps' journals)");
  if (sweep && prev && prev.command !== "sweep")
    throw new UsageError(`'${dir}' holds the report of \`${commandName(prev.command)}\` (${prev.generated}), not a sweep's: ` +
      "give another --out, or move it away");
  if (prev && prev.command !== command) return { replacing: prev };
  return {};
}

/** How a command is named to users: the main job is `stable-dio` with no command. */
export const commandName = (command: string): string => (command === "compare" ? "stable-dio" : `stable-dio ${command}`);

/** The note that says a report of another command is replaced: "replacing the report of `stable-dio` (2026-...) in DIR". */
export function replacingNote(shown: string, p: Previous): string {
  return `replacing the report of \`${commandName(p.command)}\` (${p.generated}) in ${shown}`;
}

/**
 * results.json's command and time, read from its head (the fields come first:
 * a sweep's file may be large); "foreign" if a report file is there but is not
 * one of ours; undefined if there is none.
 */
function previous(dir: string): Previous | "foreign" | undefined {
  const file = join(dir, "results.json");
  if (!existsSync(file)) return REPORT_FILES.some((f) => existsSync(join(dir, f))) ? "foreign" : undefined;
  const buf = Buffer.alloc(4096);
  const fd = openSync(file, "r");
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  const head = buf.subarray(0, n).toString("utf8");
  const field = (k: string) => new RegExp(`"${k}":\\s*"([^"]*)"`).exec(head)?.[1];
  if (field("tool") !== "stable-dio" || field("kind") !== "results") return "foreign";
  return { command: field("command") ?? "?", generated: field("generated") ?? "?" };
}
