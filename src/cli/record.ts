// `stable-dio record`: one run (workload x policy x device x seed, the root
// command's flags) written as an operation trace (docs/trace.md), to stdout or
// atomically to a file.
import type { Command } from "commander";
import { formatTrace } from "../trace/write.js";
import { loadCore } from "./cores.js";
import { runnableWorkloads, runOrExplain, type CommandContext, type RunOptions } from "./compare.js";
import { EXIT_FAIL, EXIT_OK, UsageError, type CliIo } from "./io.js";
import { outputFile, writeOutput } from "./output.js";
import { pickCore, pickDevice, pickParams, pickPolicies, pickSeed, pickStable, pickWorkloads } from "./select.js";
import { subcommand } from "./subcommand.js";

interface RecordOptions extends RunOptions {
  output?: string;
}

export function registerRecord(program: Command, ctx: CommandContext): void {
  subcommand(program, "record")
    .description("run one workload under one policy and write its exact operation sequence as a trace (docs/trace.md)")
    .requiredOption("-w, --workload <id>", "the workload to record")
    .requiredOption("-p, --policy <id>", "the policy to record it under")
    .option("-s, --seed <n>", "seed of every random choice (default: 1)")
    .option("-d, --device <id>", "run on this device instead of the workload's default")
    .option("-P, --param <name=value>", "workload parameter, repeatable or comma list", (v: string, prev?: string[]) => [...(prev ?? []), v])
    .option("--stable <mode>", "auto, always or never (default: auto)")
    .option("--core <id>", "wasm (default) or model")
    .option("-o, --output <file>", "write the trace to this file (atomically) instead of stdout")
    .action(async (opts: RecordOptions) => ctx.exit(await record(opts, ctx.io)));
}

async function record(o: RecordOptions, io: CliIo): Promise<number> {
  const workload = one("workload", pickWorkloads(o.workload));
  const policy = one("policy", pickPolicies(o.policy));
  const seed = pickSeed(o.seed);
  const device = pickDevice(o.device);
  const stable = pickStable(o.stable);
  const coreId = pickCore(o.core);
  const params = pickParams(o.param ?? [], [workload]);
  runnableWorkloads([workload], device?.value, params, true, io);
  const output = o.output === undefined ? undefined : outputFile("--output", o.output, io);

  const core = await loadCore(coreId);
  const r = runOrExplain(core, { workload, policy: policy.value, device: device?.value, seed, params, stable, record: true });
  const text = formatTrace(r);
  if (output === undefined) io.out(text);
  else writeOutput(output, text); // a reader never sees half a trace
  if (r.balance.ok) return EXIT_OK;
  io.err(`stable-dio: ${r.workload}/${r.policy}: frames do not balance: ${r.balance.problems.join("; ")}\n`);
  return EXIT_FAIL;
}

function one<T extends { id: string }>(what: string, picked: readonly T[]): T {
  if (picked.length !== 1) throw new UsageError(`record takes one ${what}, got ${picked.length} (${picked.map((p) => p.id).join(", ")})`);
  return picked[0];
}
