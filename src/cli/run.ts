// `stable-dio run`: one workload from a file (the workload format of
// docs/workloads.md, or a fio job file, docs/fio.md) or one built-in, under
// every policy (or --policy), with the root command's other options. A
// problem in the file is one line naming file and line, exit code 2.
import type { Command } from "commander";
import { loadFioFile } from "../fio/translate.js";
import type { JsonSource } from "../report/json.js";
import { findWorkload, WORKLOADS } from "../workloads/index.js";
import { SourceError } from "../workloads/json-source.js";
import { loadWorkloadFile } from "../workloads/load.js";
import type { Workload } from "../workloads/types.js";
import { runMatrix, runOptions, tableOptions, type CommandContext, type CompareOptions } from "./compare.js";
import { UsageError, type CliIo } from "./io.js";
import { subcommand } from "./subcommand.js";

interface RunOptions extends CompareOptions {
  fio?: string;
}

export function registerRun(program: Command, ctx: CommandContext): void {
  const cmd = subcommand(program, "run")
    .description("run one workload file, fio job file or built-in workload under every policy (or --policy)");
  tableOptions(runOptions(cmd, "-w, --workload <file|id>", "a workload file (docs/workloads.md) or a built-in workload's id"))
    .option("--fio <job.fio>", "a fio job file (the subset in docs/fio.md)")
    .addHelpText("after", "\nBuilt-in workload files (copy one to start your own): workloads/*.json in the package.\n")
    .action(async (opts: RunOptions) => ctx.exit(await run(opts, ctx.io)));
}

async function run(o: RunOptions, io: CliIo): Promise<number> {
  if ((o.workload === undefined) === (o.fio === undefined))
    throw new UsageError("run takes one of --workload FILE|ID or --fio JOB.fio");
  try {
    const { workload, source } = o.fio !== undefined ? fromFio(o.fio) : fromWorkload(o.workload!);
    return await runMatrix([workload], o, io, source);
  } catch (e) {
    if (e instanceof SourceError) throw new UsageError(e.message);
    throw e;
  }
}

function fromWorkload(text: string): { workload: Workload; source?: JsonSource } {
  const builtin = findWorkload(text);
  if (builtin) return { workload: builtin };
  if (!/[/\\]|\.json$/i.test(text))
    throw new UsageError(`unknown workload '${text}' (allowed: ${WORKLOADS.map((w) => w.id).join(", ")}, or a .json workload file)`);
  return { workload: loadWorkloadFile(text), source: { file: text, kind: "workload", ignored: [], notes: [] } };
}

/** The job file's notes (ignored options, buffered jobs) are printed by runMatrix once the runs went through. */
function fromFio(file: string): { workload: Workload; source: JsonSource } {
  const f = loadFioFile(file);
  return { workload: f.workload, source: { file, kind: "fio", ignored: f.ignored, notes: f.notes } };
}
