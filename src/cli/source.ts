// The workloads a command is given, alike on every command: --workload, a
// comma list of built-in ids (any case) and workload files
// (docs/workloads.md), and --fio, fio job files (docs/fio.md). A problem in a
// file is one line naming file and line (a UsageError); a file's notes (fio
// options ignored or not modelled, buffered jobs) are printed after the runs.
import type { Command } from "commander";
import { loadFioFile } from "../fio/translate.js";
import type { JsonSource } from "../report/json.js";
import { WORKLOADS } from "../workloads/index.js";
import { SourceError } from "../workloads/json-source.js";
import { pickWorkloadItems } from "../workloads/select.js";
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

export const WORKLOAD_FLAGS = "-w, --workload <ids|files>";
export const WORKLOAD_HELP = "comma list of built-in workloads and workload files (docs/workloads.md); default: every built-in";

/** The --fio option, beside --workload. */
export function fioOption(cmd: Command): Command {
  return cmd.option("--fio <job.fio>", "fio job files, comma list (docs/fio.md; all the jobs of a file run at once, as one workload)");
}

const builtins = (): string => `${WORKLOADS.map((w) => w.id).join(", ")}, or a .json workload file`;

/**
 * Every workload --workload and --fio name, in that order; neither: every
 * built-in. Two with one name (a file whose id is a built-in's) are an error:
 * tables, reports and sweep points tell workloads apart by name.
 */
export function chooseWorkloads(o: SourceOptions): ChosenWorkload[] {
  const out: ChosenWorkload[] = [];
  try {
    if (o.workload !== undefined || o.fio === undefined)
      for (const p of pickWorkloadItems(o.workload))
        out.push({ workload: p.workload, ...(p.file ? { source: { file: p.file, kind: "workload", ignored: [], notModelled: [], notes: [] } } : {}) });
    if (o.fio !== undefined) {
      const files = splitList(o.fio, "--fio");
      if (!files.length) throw new UsageError("empty --fio list (allowed: fio job files, comma separated)");
      for (const file of files) out.push(fromFio(file));
    }
  } catch (e) {
    if (e instanceof SourceError) throw new UsageError(e.message);
    throw e;
  }
  const seen = new Map<string, ChosenWorkload>();
  for (const c of out) {
    const twin = seen.get(c.workload.id);
    if (twin) throw new UsageError(`two workloads are named '${c.workload.id}' (${named(twin)} and ${named(c)}): give one of them another id`);
    seen.set(c.workload.id, c);
  }
  return out;
}

const named = (c: ChosenWorkload): string => c.source?.file ?? "the built-in";

/**
 * Exactly one workload, from --workload FILE|ID or --fio JOB.fio. `command`
 * names who asks in errors; `why` says why it takes one, if not obvious.
 */
export function chooseWorkload(command: string, o: SourceOptions, why = ""): ChosenWorkload {
  if ((o.workload === undefined) === (o.fio === undefined))
    throw new UsageError(`${command} takes one of --workload FILE|ID or --fio JOB.fio (workloads: ${builtins()})`);
  const items = splitList(o.workload ?? o.fio ?? "", o.workload !== undefined ? "--workload" : "--fio");
  if (items.length > 1) throw new UsageError(`${command} takes one workload${why}, got ${items.length} (${items.join(", ")})`);
  return chooseWorkloads(o)[0];
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
