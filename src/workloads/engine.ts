// The one engine behind every workload file (built-in or the user's, JSON or
// fio): a Workload whose machine, checks and build come from the plan of the
// file for the run's parameters and device. Setup runs in file order: each
// process (created, or forked from an earlier one's thread), its threads with
// their own buffer mappings, then its named mappings; then every thread gets
// its own random stream, in file order, and its task.
import { Device, MapFlag, ThreadState } from "../../assembly/abi.js";
import { DEVICES, deviceId } from "../shared/names.js";
import { HUGE, PAGE } from "../shared/units.js";
import { declaredParams } from "./declare.js";
import { childTask, jobTask } from "./job-task.js";
import { SourceError, type Located } from "./json-source.js";
import { continuousModifier, ModifierState, queuedModifier } from "./modifier-task.js";
import { incompatibility, resolveParams, specsOf } from "./params.js";
import { planWorkload, type MapPlan, type Plan } from "./plan.js";
import type { WorkloadSpec } from "./spec.js";
import type { Task } from "./actions.js";
import type { Params, ParamSpec, Setup, Workload } from "./types.js";
import { PlanError } from "./values.js";

/**
 * The workload a spec describes. Throws a SourceError (file, line, problem)
 * if it cannot run with its defaults on its own device.
 */
export function workloadFromSpec(spec: WorkloadSpec, src: Located): Workload {
  const fail = (e: unknown): never => {
    if (!(e instanceof PlanError)) throw e;
    const message = e.field !== undefined && src.fieldName ? src.fieldName(e.at) + e.message.slice(e.field.length) : e.message;
    throw new SourceError(src.file, src.lineOf(e.at), message);
  };
  let params: ParamSpec[] = [];
  try {
    params = declaredParams(spec);
  } catch (e) {
    return fail(e);
  }
  const device = DEVICES.find((d) => d.id === spec.device)!.value;
  const plan = (p: Params, d: Device): Plan => planWorkload(spec, p, specsOf(w), d);
  const w: Workload = {
    id: spec.id,
    spec,
    summary: spec.summary,
    device,
    params,
    machine: (p, d) => plan(p, d).machine,
    incompatible(p, d) {
      try {
        plan(p, d);
        return undefined;
      } catch (e) {
        if (e instanceof PlanError) return e.message;
        throw e;
      }
    },
    build: (s) => build(s, plan(s.params, s.device)),
    wp: (p, d) => plan(p, d).wp,
    plan,
  };
  try {
    const defaults = resolveParams(w, device);
    plan(defaults, device);
    const why = incompatibility(w, defaults, device);
    if (why) throw new PlanError("/processes", `cannot run on ${deviceId(device)}: ${why}`);
  } catch (e) {
    fail(e);
  }
  return w;
}

function build(s: Setup, plan: Plan): void {
  // Files never written: their blocks have no checksum (fs-csum; the other devices keep a check for every block).
  if (s.device === Device.FS_CSUM) {
    for (const t of plan.threads) {
      const j = t.job;
      if (!j || j.written) continue;
      const first = Math.floor(j.base / PAGE);
      s.unwritten(first, Math.ceil(j.diskEnd / PAGE) - first);
    }
  }
  const tids: number[] = [];
  const pids: number[] = [];
  for (const p of plan.procs) {
    let pid = 0;
    for (const t of p.threads) {
      const tp = plan.threads[t];
      if (p.forkOf !== undefined && t === p.threads[0]) {
        tids[t] = s.fork(tids[p.forkOf], tp.cpu);
        pid = s.pidOf(tids[t]);
      } else {
        if (t === p.threads[0]) pid = s.proc(p.flags);
        tids[t] = s.thread(pid, tp.cpu);
      }
      if (tp.state !== ThreadState.RUNNING) s.threadState(tids[t], tp.state);
      if (tp.own) mapIn(s, pid, tids[t], tp.own);
    }
    pids.push(pid);
    for (const m of p.mappings) {
      if (m.alias) s.alias(pid, m.va, m.len, pids[m.alias.proc], m.alias.va);
      else mapIn(s, pid, tids[p.threads[0]], m);
      if (m.ring !== undefined) s.ring(pid, m.va, m.len, m.ring);
    }
  }

  const modifiers = new Map<number, ModifierState>();
  plan.threads.forEach((t, i) => t.sources.length && modifiers.set(i, new ModifierState(t.sources.length)));
  // A thread with `after` starts when the last of those threads ends: its task is held until then.
  // live[i]: 0 while thread i has a task to run or running, -1 once it ended (or never had one).
  const live = plan.threads.map((t) => (t.job || t.sources.length ? 0 : -1));
  const held: Array<{ readonly thread: number; readonly start: () => void }> = [];
  const waiting = (i: number) => (plan.threads[i].after ?? []).some((x) => live[x] >= 0);
  const ended = (i: number) => {
    live[i] = -1;
    for (let h = 0; h < held.length; h++) {
      if (waiting(held[h].thread)) continue;
      held.splice(h--, 1)[0].start();
    }
  };
  const watched = (i: number, task: Task): Task => (function* (): Task {
    try {
      yield* task;
    } finally {
      ended(i);
    }
  })();
  plan.threads.forEach((t, i) => {
    const rng = s.rng.fork();
    const tid = tids[i];
    const j = t.job;
    let start: (() => void) | undefined;
    if (j) {
      const mod = j.modify && modifiers.get(j.modify.by);
      const task = jobTask(tid, j, rng, {
        forked: (child, n) => s.spawn(`${t.name}.child${n}`, childTask(child, s.pidOf(child), j, s.rng.fork())),
        queue: (q) => mod?.items.push(q),
      }, s.batch);
      start = () => s.spawn(t.name, watched(i, mod ? mod.counted(task) : task), j.qd);
    } else if (t.sources.length) {
      const jobs = t.sources.map((x) => plan.threads[x].job!);
      const st = modifiers.get(i)!;
      const task = jobs[0].modify!.when === "continuous"
        ? continuousModifier(tid, jobs, st, rng)
        : queuedModifier(tid, st, rng, s.ioState);
      start = () => s.spawn(t.name, watched(i, task));
    }
    if (start && waiting(i)) held.push({ thread: i, start });
    else start?.();
  });
}

/** Maps, and prefaults by storing zeros (a huge mapping: one byte per 2 MiB folio faults it in whole). */
function mapIn(s: Setup, pid: number, tid: number, m: MapPlan): void {
  s.map(pid, m.va, m.len, m.flags);
  if (!m.prefault) return;
  if (m.flags & MapFlag.HUGE) for (let va = m.va; va < m.va + m.len; va += HUGE) s.store(tid, va, 1, 0);
  else s.store(tid, m.va, m.len, 0);
}
