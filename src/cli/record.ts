// `stable-dio record`: one run (one workload x one policy, with the root
// command's seed, device, params, stability and core) written as an operation
// trace (docs/trace.md), to stdout or atomically to a file. The workload is
// chosen as `run` chooses it: a built-in id, a workload file or a fio job file.
import type { Command } from "commander";
import { POLICIES } from "../shared/names.js";
import { formatTrace } from "../trace/write.js";
import { loadCore, pickCore } from "../host/cores.js";
import type { CommandContext } from "./context.js";
import { pickWp, runnableWorkloads, runOrExplain, warnShallow, WP_OPTION_HELP, type RunOptions } from "./runs.js";
import { EXIT_FAIL, EXIT_OK, UsageError, type CliIo } from "../shared/io.js";
import { outputFile, writeOutput } from "./output.js";
import { pickDevice, pickPolicies, pickSeed, pickStable } from "../shared/select.js";
import { pickParams } from "../workloads/select.js";
import { chooseWorkload, fioOption, printSourceNotes, type SourceOptions } from "./source.js";
import { requiredChoice, subcommand } from "./subcommand.js";

interface RecordOptions extends RunOptions, SourceOptions {
  output?: string;
}

/** Why record takes one of each. */
const ONE_RUN = " (a trace is one run: one workload under one policy)";

export function registerRecord(program: Command, ctx: CommandContext): void {
  const cmd = subcommand(program, "record")
    .description("run one workload (built-in, workload file or fio job file) under one policy and write its exact operation sequence as a trace (docs/trace.md)")
    .option("-w, --workload <file|id>", "a workload file (docs/workloads.md) or a built-in workload's id");
  requiredChoice(fioOption(cmd), "-p, --policy <id>", "the policy to record it under", POLICIES.map((p) => p.id))
    .option("-s, --seed <n>", "seed of every random choice (default: 1)")
    .option("-d, --device <id>", "run on this device instead of the workload's default")
    .option("-P, --param <name=value>", "workload parameter, repeatable or comma list", (v: string, prev?: string[]) => [...(prev ?? []), v])
    .option("--stable <mode>", "auto, always or never (default: auto)")
    .option("--core <id>", "wasm (default) or model")
    .option("--wp <key=value,...>", WP_OPTION_HELP)
    .option("-o, --output <file>", "write the trace to this file (atomically) instead of stdout")
    .addHelpText("after", "\nGive one of --workload and --fio, as to `stable-dio run`; replay the trace with `stable-dio replay FILE`.\n")
    .action(async (opts: RecordOptions) => ctx.exit(await record(opts, ctx.io)));
}

async function record(o: RecordOptions, io: CliIo): Promise<number> {
  const { workload, source } = chooseWorkload("record", o, ONE_RUN);
  const policies = pickPolicies(o.policy);
  if (policies.length !== 1) throw new UsageError(`record takes one policy${ONE_RUN}, got ${policies.length} (${policies.map((p) => p.id).join(", ")})`);
  const seed = pickSeed(o.seed);
  const device = pickDevice(o.device);
  const stable = pickStable(o.stable);
  const coreId = pickCore(o.core);
  const wp = pickWp(o.wp);
  const params = pickParams(o.param ?? [], [workload]);
  runnableWorkloads([workload], device?.value, params, true, io, new Map(source ? [[workload, source.file]] : []));
  const output = o.output === undefined ? undefined : outputFile("--output", o.output, io);

  const core = await loadCore(coreId);
  const spec = { workload, policy: policies[0].value, device: device?.value, seed, params, stable, wp, record: true };
  const r = runOrExplain(core, spec, source?.file);
  const text = formatTrace(r);
  if (output === undefined) io.out(text);
  else writeOutput(output, text); // a reader never sees half a trace
  if (source) warnShallow([r], io); // as run says it
  printSourceNotes(source, io);
  if (r.balance.ok) return EXIT_OK;
  io.err(`stable-dio: ${r.workload}/${r.policy}: frames do not balance: ${r.balance.problems.join("; ")}\n`);
  return EXIT_FAIL;
}
