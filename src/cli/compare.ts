// The main job: every selected policy on every selected workload, one table
// (or --json). It is the root command, so `stable-dio` with no arguments runs it.
import type { Command } from "commander";
import { Stable } from "../../assembly/abi.js";
import type { Core } from "../core/core.js";
import { runWorkload } from "../host/driver.js";
import { deviceId } from "../host/names.js";
import type { RunResult } from "../host/result.js";
import { loadWasmCoreSync } from "../core/wasm.js";
import { crossoverVerdict } from "../crossover/verdict.js";
import { renderJson, type JsonSource } from "../report/json.js";
import { projectResults } from "../report/projection.js";
import { renderTable } from "../report/table.js";
import type { Workload } from "../workloads/index.js";
import { incompatibility, resolveParams } from "../workloads/params.js";
import { loadCore } from "./cores.js";
import { referenceHelp } from "./help.js";
import { EXIT_FAIL, EXIT_OK, UsageError, type CliIo } from "./io.js";
import { pickProfile } from "./profile.js";
import { pickCore, pickDevice, pickParams, pickPolicies, pickSeed, pickStable, pickWorkloads } from "./select.js";

/** The flags that pick runs, shared with `record`. */
export interface RunOptions {
  policy?: string;
  workload?: string;
  seed?: string;
  device?: string;
  param?: string[];
  stable?: string;
  core?: string;
}

export interface CompareOptions extends RunOptions {
  json?: boolean;
  profile?: string;
}

export interface CommandContext {
  readonly io: CliIo;
  /** The exit code the command wants. */
  exit(code: number): void;
  /** Names of the subcommands registered so far (for "unknown command" errors). */
  subcommands(): string[];
}

export function registerCompare(program: Command, ctx: CommandContext): void {
  program
    .allowExcessArguments(true); // reported below, naming the argument
  matrixOptions(program, "-w, --workload <ids>", "comma list of workloads (default: all)")
    .addHelpText("after", referenceHelp())
    .action(async (opts: CompareOptions, cmd: Command) => {
      const command = cmd.args[0];
      if (command !== undefined) {
        const subs = ctx.subcommands();
        throw new UsageError(subs.length
          ? `unknown command '${command}' (allowed: ${subs.join(", ")}; none runs the comparison)`
          : `unexpected argument '${command}' (allowed: options only; see --help)`);
      }
      ctx.exit(await compare(opts, ctx.io));
    });
}

/** The options of a run of policies x workloads, shared by the commands that run one. */
export function matrixOptions(cmd: Command, workloadFlags: string, workloadHelp: string): Command {
  return cmd
    .option("-p, --policy <ids>", "comma list of policies (default: all)")
    .option(workloadFlags, workloadHelp)
    .option("-s, --seed <n>", "seed of every random choice; same seed, same counts (default: 1)")
    .option("-d, --device <id>", "run every workload on this device instead of its default")
    .option("-P, --param <name=value>", "workload parameter, repeatable or comma list (e.g. size=64k,qd=4)", collect)
    .option("--stable <mode>", "auto: Hellwig's levels decide; always/never: force stability on/off (default: auto)")
    .option("--core <id>", "wasm (default) or model: the TypeScript reference model, slower")
    .option("--profile <file>", "cost profile for the projected column (from stable-dio calibrate; default: built-in)")
    .option("--json", "print every run's full result as JSON instead of the table");
}

function collect(value: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), value];
}

async function compare(o: CompareOptions, io: CliIo): Promise<number> {
  return runMatrix(pickWorkloads(o.workload), o, o.workload !== undefined, io);
}

/**
 * Every selected policy on every workload that can run with the options: one
 * table (or --json, with `source` added to the document). `named`: the user
 * chose these workloads, so one that cannot run is an error, not a note.
 */
export async function runMatrix(
  workloads: readonly Workload[], o: CompareOptions, named: boolean, io: CliIo, source?: JsonSource,
): Promise<number> {
  const policies = pickPolicies(o.policy);
  const seed = pickSeed(o.seed);
  const device = pickDevice(o.device);
  const stable = pickStable(o.stable);
  const coreId = pickCore(o.core);
  const params = pickParams(o.param ?? [], workloads);
  const profile = pickProfile(o.profile);
  const runnable = runnableWorkloads(workloads, device?.value, params, named, io);

  const core = await loadCore(coreId);
  const results: RunResult[] = [];
  const total = runnable.length * policies.length;
  for (const w of runnable) {
    for (const p of policies) {
      if (io.interactive) io.err(`\r\x1b[K[${results.length + 1}/${total}] ${w.id} ${p.id}`);
      results.push(runOne(core, w, p.value, device?.value, seed, params, stable));
    }
  }
  if (io.interactive) io.err("\r\x1b[K");

  const projection = projectResults(results, profile, crossoverVerdict(loadWasmCoreSync(), profile));
  io.out(o.json ? renderJson(results, projection, source) : renderTable(results, projection));
  const bad = results.filter((r) => !r.balance.ok);
  for (const r of bad) io.err(`stable-dio: ${r.workload}/${r.policy}: frames do not balance: ${r.balance.problems.join("; ")}\n`);
  return bad.length ? EXIT_FAIL : EXIT_OK;
}

function runOne(
  core: Core, w: Workload, policy: number, device: number | undefined, seed: number,
  params: Record<string, number>, stable: Stable,
): RunResult {
  return runWorkload(core, { workload: w, policy, device, seed, params, stable });
}

/**
 * Workloads that can run with these params on the device. One the user named
 * that cannot is a usage error; one picked by default is skipped with a note.
 */
export function runnableWorkloads(
  ws: readonly Workload[], device: number | undefined, params: Record<string, number>, named: boolean, io: CliIo,
): Workload[] {
  const out: Workload[] = [];
  for (const w of ws) {
    const d = device ?? w.device;
    let why: string | undefined;
    try {
      why = incompatibility(w, resolveParams(w, d, params), d);
    } catch (e) {
      why = e instanceof RangeError ? e.message.replace(`${w.id}: `, "") : String(e);
    }
    if (!why) out.push(w);
    else if (named) throw new UsageError(`workload '${w.id}' cannot run on ${deviceId(d)}: ${why}`);
    else io.err(`stable-dio: skipping ${w.id} on ${deviceId(d)}: ${why}\n`);
  }
  if (!out.length) throw new UsageError("no workload can run with these settings");
  return out;
}
