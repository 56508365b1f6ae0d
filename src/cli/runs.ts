// The flags that pick runs (shared by the main job, `run`, `report`, `record`
// and `sweep`), and running what they pick: every selected policy on every
// workload that can run with them, each run checked for frames that do not
// balance.
import type { Command } from "commander";
import type { Core } from "../core/core.js";
import { loadCore, pickCore } from "../host/cores.js";
import { isTooBig, runWorkload, type RunSpec } from "../host/driver.js";
import type { RunResult } from "../host/result.js";
import { EXIT_FAIL, EXIT_OK, UsageError, type CliIo } from "../shared/io.js";
import { deviceId, policyId } from "../shared/names.js";
import { pickDevice, pickPolicies, pickSeed, pickStable } from "../shared/select.js";
import type { Workload } from "../workloads/index.js";
import { incompatibility, MAX_LATENCY, resolveParams } from "../workloads/params.js";
import { pickParams } from "../workloads/select.js";
import { WORKLOAD_FLAGS, WORKLOAD_HELP } from "./source.js";
import { parseWp, type WpChoices } from "../shared/wp.js";

/** The flags that pick runs. */
export interface RunOptions {
  policy?: string;
  workload?: string;
  seed?: string;
  device?: string;
  param?: string[];
  stable?: string;
  core?: string;
  wp?: string;
}

/** The --wp option's help: its keys and values (src/shared/wp.ts). */
export const WP_OPTION_HELP =
  "the write-protect's implementation choices for wp-cow, wp-cow-degrade and wp-wait, key=value comma list: " +
  "restore=eager|lazy, batch=1..256, walk=separate|fused (default: restore=eager,batch=1,walk=separate; a workload file's \"wp\" gives its own)";

/** --wp, checked: the choices it sets (the rest come from each workload, then the defaults). */
export function pickWp(text: string | undefined): Partial<WpChoices> | undefined {
  return text === undefined ? undefined : parseWp(text);
}

/** The flags that pick runs, on the main job, `report`, `run`, `record` and `sweep`. */
export function runOptions(cmd: Command, workloadFlags = WORKLOAD_FLAGS, workloadHelp = WORKLOAD_HELP): Command {
  return cmd
    .option("-p, --policy <ids>", "comma list of policies (default: all)")
    .option(workloadFlags, workloadHelp)
    .option("-s, --seed <n>", "seed of every random choice; same seed, same counts (default: 1)")
    .option("-d, --device <id>", "run every workload on this device instead of its default")
    .option("-P, --param <name=value>", "workload parameter, repeatable or comma list (e.g. size=64k,qd=4)", collect)
    .option("--stable <mode>", "auto: Hellwig's levels decide; always/never: force stability on/off (default: auto)")
    .option("--core <id>", "wasm (default) or model: the TypeScript reference model, slower")
    .option("--wp <key=value,...>", WP_OPTION_HELP);
}

function collect(value: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), value];
}

/**
 * Checks every run-picking flag, then runs every selected policy on every
 * workload that can run with them. `named`: the user chose these workloads,
 * so one that cannot run is an error, not a note. `origins`: the file each
 * workload came from, named first when a run fails.
 */
export async function runSelected(
  workloads: readonly Workload[], o: RunOptions, named: boolean, io: CliIo, origins: ReadonlyMap<Workload, string> = new Map(),
): Promise<RunResult[]> {
  const policies = pickPolicies(o.policy);
  const seed = pickSeed(o.seed);
  const device = pickDevice(o.device);
  const stable = pickStable(o.stable);
  const coreId = pickCore(o.core);
  const wp = pickWp(o.wp);
  const params = pickParams(o.param ?? [], workloads);
  const runnable = runnableWorkloads(workloads, device?.value, params, named, io, origins);

  const core = await loadCore(coreId);
  const results: RunResult[] = [];
  const total = runnable.length * policies.length;
  for (const w of runnable) {
    for (const p of policies) {
      if (io.interactive) io.err(`\r\x1b[K[${results.length + 1}/${total}] ${w.id} ${p.id}`);
      results.push(runOrExplain(core, { workload: w, policy: p.value, device: device?.value, seed, params, stable, wp }, origins.get(w)));
    }
  }
  if (io.interactive) io.err("\r\x1b[K");
  // Said when the depth is the user's: --param qd or latency, or a file's jobs (a built-in's own default is documented).
  if (origins.size || "qd" in params || "latency" in params) warnShallow(results, io);
  return results;
}

/**
 * Says, once per workload, when a thread that submitted enough I/Os to fill
 * its queue never did: the device (latency steps: DMA 1..2L after submit,
 * completion 1..L after) completed them before the thread could submit more,
 * so a deeper qd changes nothing until the latency grows.
 */
export function warnShallow(results: readonly RunResult[], io: CliIo): void {
  const seen = new Set<string>();
  for (const r of results) {
    if (!r.inflight?.short.length || seen.has(r.workload)) continue;
    seen.add(r.workload);
    const qd = Math.max(...r.inflight.short.map((s) => s.qd));
    const most = Math.max(...r.inflight.short.map((s) => s.max));
    const L = r.params.latency;
    io.err(`stable-dio: ${r.workload}: qd ${qd}, but no thread had more than ${most} I/O${most === 1 ? "" : "s"} in flight: ` +
      `the device (latency=${L}: DMA 1..${2 * L} steps after submit, completion 1..${L} after) completes them before the thread ` +
      `submits more, so a deeper qd changes nothing here; a longer latency keeps more in flight (e.g. --param latency=${Math.min(MAX_LATENCY, 16 * qd)})\n`);
  }
}

/** Names every run whose frames do not balance; exit code 1 if any. */
export function balanceExit(results: readonly RunResult[], io: CliIo): number {
  const bad = results.filter((r) => !r.balance.ok);
  for (const r of bad) io.err(`stable-dio: ${r.workload}/${r.policy}: frames do not balance: ${r.balance.problems.join("; ")}\n`);
  return bad.length ? EXIT_FAIL : EXIT_OK;
}

/**
 * A run; one that needs more frames than the core has is a usage error
 * naming the run (and the file it came from) and the frames.
 */
export function runOrExplain(core: Core, spec: RunSpec, origin?: string): RunResult {
  try {
    return runWorkload(core, spec);
  } catch (e) {
    if (!isTooBig(e)) throw e;
    throw new UsageError(`${origin ? `${origin}: ` : ""}${spec.workload.id}/${policyId(spec.policy)}: ${e.message}`);
  }
}

/**
 * Workloads that can run with these params on the device. One the user named
 * that cannot is a usage error (naming `origin`, the file it came from, if
 * any); one picked by default is skipped with a note.
 */
export function runnableWorkloads(
  ws: readonly Workload[], device: number | undefined, params: Record<string, number>, named: boolean, io: CliIo,
  origins: ReadonlyMap<Workload, string> = new Map(),
): Workload[] {
  const out: Workload[] = [];
  const skipped: Array<{ readonly id: string; readonly why: string }> = [];
  for (const w of ws) {
    const d = device ?? w.device;
    let why: string | undefined;
    try {
      why = incompatibility(w, resolveParams(w, d, params), d);
    } catch (e) {
      why = e instanceof RangeError ? e.message.replace(`${w.id}: `, "") : String(e);
    }
    if (!why) out.push(w);
    else if (named) throw new UsageError(`${origins.has(w) ? `${origins.get(w)}: ` : ""}workload '${w.id}' cannot run on ${deviceId(d)}: ${why}`);
    else skipped.push({ id: w.id, why: `on ${deviceId(d)}: ${why}` });
  }
  if (!out.length) {
    // Nothing to run: one line with every reason (each once, with its workloads), not a note per workload and then the error.
    const reasons = [...new Set(skipped.map((s) => s.why))].map((why) => `${skipped.filter((s) => s.why === why).map((s) => s.id).join(", ")} ${why}`);
    throw new UsageError(`no workload can run with these settings (${reasons.join("; ")})`);
  }
  for (const s of skipped) io.err(`stable-dio: skipping ${s.id} ${s.why}\n`);
  return out;
}
