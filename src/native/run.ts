// One native run: the plan on the program's stdin, its "name value" lines back.
// The child runs asynchronously so a SIGINT reaches the session (which kills
// it and releases the target) while it runs.
import { spawn } from "node:child_process";
import { UsageError } from "../shared/io.js";
import type { NativePlan } from "./plan.js";
import { NativeMissing, type Session } from "./session.js";
import { forgetRunning, recordRunning, type Target } from "./target.js";

export interface TwinResult {
  /** Every counter, named as `run --json` names them (and the native-only pin_waits, unverified_reads). */
  readonly counters: Readonly<Record<string, number>>;
  /** CPU time of the policy's threads: submitters (which also reap) and the fault handler, ns. */
  readonly cpuNs: { readonly submit: number; readonly handler: number; readonly modifier: number };
  /** Time the submitters spent in the policy's own steps (bounce copies, protect, un-protect, verify), timed around each. */
  readonly stepsNs: number;
  /** Time the submitters spent neither in the policy nor in the I/O path: the workload's fill, the oracle's checksums. */
  readonly otherNs: number;
  readonly wallNs: number;
}

export class TwinError extends Error {}

export function runTwin(bin: string, target: Target, plan: NativePlan, policy: string, seed: number, session: Session): Promise<TwinResult> {
  const head = `run policy ${policy} target ${target.path} offset ${target.offset} length ${plan.length} seed ${seed}\n`;
  return new Promise((resolve, reject) => {
    // --parent: it dies with us (PR_SET_PDEATHSIG), even if we are killed with SIGKILL.
    const child = spawn(bin, ["--parent", String(process.pid)], { stdio: ["pipe", "pipe", "pipe"] });
    session.running(child);
    recordRunning(target, child.pid);
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", (e) => reject(new TwinError(`cannot run ${bin}: ${e.message}`)));
    child.on("close", (code, signal) => {
      session.running(undefined);
      forgetRunning(target);
      // Killed by the session on a SIGINT or SIGTERM: its handler says so and exits; a "run failed" line before it would be wrong.
      if (session.signalled) return;
      const line = err.trim().split("\n")[0] ?? "";
      if (code === 0) return resolve(parse(out));
      if (code === 3) return reject(new NativeMissing(line));
      if (code === 4) return reject(new UsageError(`--target: ${line}`));
      reject(new TwinError(`the native ${policy} run failed (${signal ?? `exit ${code}`}): ${line}`));
    });
    child.stdin.on("error", () => {}); // a child that died early: its exit says why
    child.stdin.end(head + plan.body + "go\n");
  });
}

function parse(out: string): TwinResult {
  const counters: Record<string, number> = {};
  const v: Record<string, number> = {};
  for (const line of out.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[0] === "counter" && f.length === 3) counters[f[1]] = Number(f[2]);
    else if (f.length === 2) v[f[0]] = Number(f[1]);
  }
  if (counters.writes === undefined || v.wall_ns === undefined) throw new TwinError(`the native run printed no counters`);
  return {
    counters,
    cpuNs: { submit: v["cpu_ns.submit"] ?? 0, handler: v["cpu_ns.handler"] ?? 0, modifier: v["cpu_ns.modifier"] ?? 0 },
    stepsNs: v["policy_ns.steps"] ?? 0,
    otherNs: v["other_ns.fill_oracle"] ?? 0,
    wallNs: v.wall_ns,
  };
}
