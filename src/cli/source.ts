// The one workload `run` and `record` are given: a built-in id or a workload
// file (--workload, docs/workloads.md), or a fio job file (--fio, docs/fio.md).
// A problem in the file is one line naming file and line (a UsageError); the
// file's notes (fio options ignored, buffered jobs) are printed after the runs.
import type { Command } from "commander";
import { loadFioFile } from "../fio/translate.js";
import type { JsonSource } from "../report/json.js";
import { findWorkload, WORKLOADS } from "../workloads/index.js";
import { SourceError } from "../workloads/json-source.js";
import { loadWorkloadFile } from "../workloads/load.js";
import type { Workload } from "../workloads/types.js";
import { UsageError, type CliIo } from "../shared/io.js";
import { splitList } from "../shared/select.js";

export interface SourceOptions {
  workload?: string;
  fio?: string;
}

export interface ChosenWorkload {
  readonly workload: Workload;
  /** The file it came from (undefined for a built-in). */
  readonly source?: JsonSource;
}

export const WORKLOAD_FLAGS = "-w, --workload <file|id>";
export const WORKLOAD_HELP = "a workload file (docs/workloads.md) or a built-in workload's id";

/** The --fio option, beside `WORKLOAD_FLAGS`. */
export function fioOption(cmd: Command): Command {
  return cmd.option("--fio <job.fio>", "a fio job file (the subset in docs/fio.md; all its jobs run at once, as one workload)");
}

const builtins = (): string => `${WORKLOADS.map((w) => w.id).join(", ")}, or a .json workload file`;

/**
 * Exactly one of --workload FILE|ID and --fio JOB.fio, loaded. `command`
 * names who asks in errors; `why` says why it takes one workload, if not obvious.
 */
export function chooseWorkload(command: string, o: SourceOptions, why = ""): ChosenWorkload {
  if ((o.workload === undefined) === (o.fio === undefined))
    throw new UsageError(`${command} takes one of --workload FILE|ID or --fio JOB.fio (workloads: ${builtins()})`);
  try {
    return o.fio !== undefined ? fromFio(o.fio) : fromWorkload(`${command} takes one workload${why}`, o.workload!);
  } catch (e) {
    if (e instanceof SourceError) throw new UsageError(e.message);
    throw e;
  }
}

function fromWorkload(takesOne: string, text: string): ChosenWorkload {
  const builtin = findWorkload(text);
  if (builtin) return { workload: builtin };
  if (!/[/\\]|\.json$/i.test(text)) {
    const ids = splitList(text, "--workload");
    if (ids.length > 1) throw new UsageError(`${takesOne}, got ${ids.length} (${ids.join(", ")})`);
    throw new UsageError(`unknown workload '${text}' (allowed: ${builtins()})`);
  }
  return { workload: loadWorkloadFile(text), source: { file: text, kind: "workload", ignored: [], notModelled: [], notes: [] } };
}

function fromFio(file: string): ChosenWorkload {
  const f = loadFioFile(file);
  return { workload: f.workload, source: { file, kind: "fio", ignored: f.ignored, notModelled: f.notModelled, notes: f.notes } };
}

/** The file's notes: printed once the runs went through, so that a run that cannot happen is one line, not the notes and then the error. */
export function printSourceNotes(source: JsonSource | undefined, io: CliIo): void {
  if (source?.ignored.length) io.err(`stable-dio: ${source.file}: ignored (no effect on the model): ${source.ignored.join(", ")}\n`);
  if (source?.notModelled.length)
    io.err(`stable-dio: ${source.file}: not modelled (fio options stable-dio runs the job without): ${source.notModelled.join(", ")}\n`);
  for (const n of source?.notes ?? []) io.err(`stable-dio: ${n}\n`);
}
