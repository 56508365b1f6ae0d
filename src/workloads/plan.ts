// A workload file resolved for one run (its parameters, its device): every
// process, thread, CPU and mapping with its address, every I/O job with its
// buffer slots and disk region. The engine builds from a plan; the load-time
// checks are a plan with the defaults on the default device, so a file that
// loads is a file that runs. Addresses follow src/workloads/layout.ts: I/O
// buffers from BUF_VA, each thread's 2 MiB aligned; named mappings from HEAP_VA.
import { KeyMax, KeyMin, MapFlag, ProcFlag, Ring, ThreadState, type Device } from "../../assembly/abi.js";
import type { WpChoices } from "../shared/wp.js";
import { alignUp, fmtBytes, HUGE, MiB, PAGE } from "../shared/units.js";
import { BUF_VA, HEAP_VA, MAX_BUFFERS } from "./layout.js";
import { MAX_DISK } from "./params.js";
import { planJob, type JobPlan } from "./plan-job.js";
import type { MappingSpec, ProcessSpec, ThreadSpec, WorkloadSpec } from "./spec.js";
import type { Machine, ParamSpec, Params } from "./types.js";
import { PlanError, Values } from "./values.js";

export type { JobPlan } from "./plan-job.js";

export interface MapPlan {
  readonly name: string;
  readonly va: number;
  readonly len: number;
  /** MapFlag bits. */
  readonly flags: number;
  readonly prefault: boolean;
  /** sd_map_alias: the frames the mapping at `va` of process `proc` (an index) maps, instead of sd_map. */
  readonly alias?: { readonly proc: number; readonly va: number };
  /** The process's completion ring (Ring) lives at its start (sd_ring, after the mapping is populated). */
  readonly ring?: number;
}

export interface ProcPlan {
  readonly name: string;
  /** ProcFlag bits (a forked process inherits its parent's). */
  readonly flags: number;
  /** Index of the thread whose fork() creates this process, if it is forked. */
  readonly forkOf?: number;
  /** Its threads' indices, the forked one (if any) first. */
  readonly threads: readonly number[];
  /** Named mappings, mapped after the threads' own. */
  readonly mappings: readonly MapPlan[];
}

export interface ThreadPlan {
  readonly name: string;
  readonly proc: number;
  readonly cpu: number;
  /** ThreadState: RUNNING (default) or IDLE, asleep in the kernel most of the time. */
  readonly state: ThreadState;
  /** The private (or shared, huge) mapping holding this thread's buffers, when it has its own. */
  readonly own?: MapPlan;
  readonly job?: JobPlan;
  /** Threads whose in-flight buffers this one modifies. */
  readonly sources: number[];
  /** Threads that must have ended before this one starts (indices; empty: it starts at once). */
  after?: readonly number[];
}

export interface Plan {
  readonly machine: Machine;
  /** The file's "wp": the implementation choices it asks for (--wp overrides them key by key). */
  readonly wp: Partial<WpChoices>;
  readonly procs: readonly ProcPlan[];
  readonly threads: readonly ThreadPlan[];
}

/** One process's address space while it is laid out (a forked one starts from its parent's). */
export interface Space {
  bufCursor: number;
  dataCursor: number;
  readonly named: Map<string, MapPlan>;
  /** Bytes of each named mapping already given to buffers. */
  readonly used: Map<string, number>;
}

/** What planJob needs to know about the rest of the workload. */
export interface PlanContext {
  readonly spec: WorkloadSpec;
  readonly v: Values;
  readonly device: Device;
  /** Expanded thread indices of each named thread entry. */
  readonly byName: Map<string, { readonly at: string; readonly indices: number[]; readonly spec: ThreadSpec }>;
  readonly threads: ThreadPlan[];
  mappedBytes: number;
}

const COUNT = (min: number, max: number) => ({ kind: "count", min, max }) as const;

export function planWorkload(spec: WorkloadSpec, params: Params, specs: readonly ParamSpec[], device: Device): Plan {
  const v = new Values(params, specs);
  const ctx: PlanContext = { spec, v, device, byName: new Map(), threads: [], mappedBytes: 0 };
  // First every thread, so that jobs can name modifiers in later processes.
  const entries: Array<{ readonly at: string; readonly spec: ThreadSpec }> = [];
  const forks = spec.processes.map((p, pi) => {
    const at = `/processes/${pi}`;
    if (spec.processes.findIndex((q) => q.name === p.name) < pi)
      throw new PlanError(`${at}/name`, `process name "${p.name}" is used twice`);
    const forkOf = p.fork === undefined ? undefined : forkOrigin(ctx, p, at);
    return { forkOf, threads: expandThreads(ctx, p, pi, at, forkOf, entries) };
  });
  // Then memory, in setup order: a forked process starts from its parent's address space.
  const procs: ProcPlan[] = [];
  const spaces: Space[] = [];
  spec.processes.forEach((p, pi) => {
    const at = `/processes/${pi}`;
    const { forkOf, threads } = forks[pi];
    const parent = forkOf === undefined ? undefined : ctx.threads[forkOf].proc;
    const space: Space = parent === undefined
      ? { bufCursor: BUF_VA, dataCursor: HEAP_VA, named: new Map(), used: new Map() }
      : { ...spaces[parent], named: new Map(spaces[parent].named), used: new Map(spaces[parent].used) };
    // An alias names a mapping of this process (above it) or of an earlier one.
    const find = (process: string, mapping: string): { proc: number; plan?: MapPlan } | undefined => {
      const pj = spec.processes.findIndex((q) => q.name === process);
      if (pj < 0 || pj > pi) return undefined;
      return { proc: pj, plan: (pj === pi ? space : spaces[pj]).named.get(mapping) };
    };
    const mappings = (p.mappings ?? []).map((m, mi) => planMapping(ctx, space, m, `${at}/mappings/${mi}`, find));
    if (mappings.filter((m) => m.ring !== undefined).length > 1)
      throw new PlanError(`${at}/mappings`, "a process has one completion ring: one mapping with \"ring\"");
    for (const t of threads) {
      const e = entries[t];
      if (e.spec.io) ctx.threads[t] = { ...ctx.threads[t], ...planJob(ctx, t, space, e.spec.io, `${e.at}/io`) };
    }
    procs.push({ name: p.name, flags: parent === undefined ? procFlags(v, p, at) : procs[parent].flags, forkOf, threads, mappings });
    spaces.push(space);
  });
  if (!ctx.threads.some((t) => t.job)) throw new PlanError("/processes", "no thread does I/O (give a thread an \"io\" job)");
  planVia(ctx, entries, spaces, procs);
  planAfter(ctx, entries);
  if (ctx.mappedBytes > MAX_BUFFERS)
    throw new PlanError("/processes", `the mappings need ${fmtBytes(ctx.mappedBytes)}; stable-dio maps at most ${MAX_BUFFERS / MiB} MiB`);
  return { machine: machineOf(ctx, procs), wp: planWp(ctx), procs, threads: ctx.threads };
}

/** The file's "wp", its batch resolved (it may be a "$param"). */
function planWp(ctx: PlanContext): Partial<WpChoices> {
  const w = ctx.spec.wp;
  if (!w) return {};
  const batch = w.batch === undefined ? undefined : ctx.v.get(w.batch, "/wp/batch", COUNT(KeyMin.WP_BATCH, KeyMax.WP_BATCH), 1);
  return {
    ...(w.restore === undefined ? {} : { restore: w.restore }),
    ...(batch === undefined ? {} : { batch }),
    ...(w.walk === undefined ? {} : { walk: w.walk }),
  };
}

/**
 * Resolves each thread's `after` to thread indices (a name with clones means
 * all of them), and refuses a thread that would wait for itself: one that
 * waits for a thread which cannot end before it starts (it waits, directly or
 * through others, for this one; or it modifies the buffers of one that does,
 * and a modifier runs until its jobs end).
 */
function planAfter(ctx: PlanContext, entries: ReadonlyArray<{ readonly at: string; readonly spec: ThreadSpec }>): void {
  entries.forEach((e, t) => {
    const names = e.spec.after ?? [];
    const after: number[] = [];
    names.forEach((name, i) => {
      const by = ctx.byName.get(name);
      if (!by) throw new PlanError(`${e.at}/after/${i}`, `no thread "${name}" (threads: ${[...ctx.byName.keys()].join(", ")})`);
      after.push(...by.indices);
    });
    if (after.length) ctx.threads[t].after = [...new Set(after)];
  });
  // What a thread's end waits for: the threads it starts after, and (a modifier) the jobs it serves.
  const waitsFor = (t: number): readonly number[] => [...(ctx.threads[t].after ?? []), ...ctx.threads[t].sources];
  entries.forEach((e, t) => {
    const seen = new Set<number>();
    const stack = [...(ctx.threads[t].after ?? [])];
    while (stack.length) {
      const x = stack.pop()!;
      if (x === t)
        throw new PlanError(`${e.at}/after`, `thread "${ctx.threads[t].name}" would wait for itself: a thread it starts after cannot end before it starts`);
      if (seen.has(x)) continue;
      seen.add(x);
      stack.push(...waitsFor(x));
    }
  });
}

function forkOrigin(ctx: PlanContext, p: ProcessSpec, at: string): number {
  if (p.flags !== undefined) throw new PlanError(`${at}/flags`, "a forked process inherits its flags: remove \"flags\"");
  if (p.mappings !== undefined) throw new PlanError(`${at}/mappings`, "a forked process inherits its memory: remove \"mappings\"");
  const from = ctx.byName.get(p.fork!);
  if (!from) throw new PlanError(`${at}/fork`, `no thread "${p.fork}" in an earlier process to fork from`);
  if (from.indices.length !== 1) throw new PlanError(`${at}/fork`, `thread "${p.fork}" has clones (count); fork names one thread`);
  return from.indices[0];
}

/** Adds the process's threads (clones expanded) to ctx.threads; returns their indices. */
function expandThreads(
  ctx: PlanContext, p: ProcessSpec, pi: number, at: string, forkOf: number | undefined,
  entries: Array<{ readonly at: string; readonly spec: ThreadSpec }>,
): number[] {
  const out: number[] = [];
  p.threads.forEach((t, ti) => {
    const tat = `${at}/threads/${ti}`;
    if (ctx.byName.has(t.name)) throw new PlanError(`${tat}/name`, `thread name "${t.name}" is used twice`);
    const count = ctx.v.get(t.count, `${tat}/count`, COUNT(1, 4096), 1);
    const spread = ctx.v.get(t.spread, `${tat}/spread`, COUNT(1, 64), Math.min(count, 64));
    const cpu = ctx.v.get(t.cpu, `${tat}/cpu`, COUNT(0, 63), 0);
    const state = t.state === undefined || t.state === "running" ? ThreadState.RUNNING
      : t.state === "idle" ? ThreadState.IDLE
      : ctx.v.get(t.state, `${tat}/state`, { kind: "flag", min: 0, max: 1 }, 0) ? ThreadState.IDLE : ThreadState.RUNNING;
    if (forkOf !== undefined && ti === 0 && count !== 1)
      throw new PlanError(`${tat}/count`, "the first thread of a forked process is the fork's: it has no clones");
    const indices: number[] = [];
    for (let c = 0; c < count; c++) {
      const onCpu = cpu + (c % spread);
      if (onCpu > 63) throw new PlanError(`${tat}/spread`, `clones of "${t.name}" reach CPU ${onCpu}; CPUs are 0..63`);
      indices.push(ctx.threads.length);
      ctx.threads.push({ name: count > 1 ? `${t.name}${c}` : t.name, proc: pi, cpu: onCpu, state, sources: [] });
      entries.push({ at: tat, spec: t });
    }
    ctx.byName.set(t.name, { at: tat, indices, spec: t });
    out.push(...indices);
  });
  return out;
}

function planMapping(
  ctx: PlanContext, space: Space, m: MappingSpec, at: string,
  find: (process: string, mapping: string) => { proc: number; plan?: MapPlan } | undefined,
): MapPlan {
  if (space.named.has(m.name)) throw new PlanError(`${at}/name`, `mapping name "${m.name}" is used twice in this process`);
  const unit = m.huge ? HUGE : PAGE;
  const len = ctx.v.get(m.size, `${at}/size`, { kind: "bytes", min: unit, max: MAX_BUFFERS, multiple: unit }, 0);
  if (m.readonly && m.prefault) throw new PlanError(`${at}/prefault`, "a read-only mapping cannot be prefaulted by a store");
  let alias: MapPlan["alias"];
  let flags = mapFlags(m);
  if (m.alias) {
    for (const k of ["shared", "huge", "readonly", "prefault", "ring"] as const)
      if (m[k] !== undefined) throw new PlanError(`${at}/${k}`, `an alias maps the frames of "${m.alias.mapping}": ${k} comes from there`);
    const src = find(m.alias.process, m.alias.mapping);
    if (!src) throw new PlanError(`${at}/alias/process`, `no process "${m.alias.process}" here or above (an alias names one set up before it)`);
    const sm = src.plan;
    if (!sm) throw new PlanError(`${at}/alias/mapping`, `no mapping "${m.alias.mapping}" in process "${m.alias.process}" above this one`);
    if (!(sm.flags & MapFlag.SHARED) || sm.flags & MapFlag.HUGE || !sm.prefault)
      throw new PlanError(`${at}/alias/mapping`, `mapping "${sm.name}" must be shared, not huge, and prefault: only a MAP_SHARED segment's present pages can be mapped twice`);
    if (len > sm.len) throw new PlanError(`${at}/size`, `an alias of ${fmtBytes(sm.len)} ("${sm.name}") cannot be ${fmtBytes(len)}`);
    alias = { proc: src.proc, va: sm.va };
    flags = sm.flags;
  }
  let ring: number | undefined;
  if (m.ring !== undefined) {
    if (!m.shared || m.huge) throw new PlanError(`${at}/ring`, "a completion ring is a MAP_SHARED mapping of 4 KiB pages (shared: true, not huge)");
    ring = m.ring === "aio" ? Ring.AIO : Ring.IO_URING;
  }
  const va = alignUp(space.dataCursor, HUGE);
  space.dataCursor = va + len;
  ctx.mappedBytes += len;
  // A ring is populated at setup, as io_setup and io_uring_setup populate theirs.
  const plan: MapPlan = {
    name: m.name, va, len, flags, prefault: m.prefault === true || ring !== undefined,
    ...(alias ? { alias } : {}), ...(ring !== undefined ? { ring } : {}),
  };
  space.named.set(m.name, plan);
  return plan;
}

/**
 * modify.via: a modifier stores through a mapping of its own process that
 * aliases the mapping holding the job's buffers, at the same offset in it.
 */
function planVia(
  ctx: PlanContext, entries: ReadonlyArray<{ readonly at: string; readonly spec: ThreadSpec }>, spaces: readonly Space[],
  procs: readonly ProcPlan[],
): void {
  ctx.threads.forEach((t, i) => {
    const m = t.job?.modify;
    const via = entries[i].spec.io?.modify?.via;
    if (!m || via === undefined) return;
    const at = `${entries[i].at}/io/modify/via`;
    const mod = ctx.threads[m.by];
    const through = spaces[mod.proc].named.get(via);
    if (!through) throw new PlanError(at, `no mapping "${via}" in the modifier's process "${procs[mod.proc].name}"`);
    const holder = [...spaces[t.proc].named.values()].find((x) => t.job!.slots[0] >= x.va && t.job!.slots[0] < x.va + x.len);
    if (!through.alias || !holder || through.alias.proc !== t.proc || through.alias.va !== holder.va)
      throw new PlanError(at, `mapping "${via}" is no alias of the mapping holding the buffers (their buffers.mapping)`);
    const end = t.job!.slots.reduce((e, s) => Math.max(e, s + t.job!.slotLen), 0);
    if (end - holder.va > through.len)
      throw new PlanError(at, `mapping "${via}" (${fmtBytes(through.len)}) does not reach the last buffer`);
    ctx.threads[i] = { ...t, job: { ...t.job!, modify: { ...m, shift: through.va - holder.va } } };
  });
}

export function mapFlags(m: { readonly?: boolean; shared?: boolean; huge?: boolean }): number {
  return (m.readonly ? 0 : MapFlag.WRITE) | (m.shared ? MapFlag.SHARED : 0) | (m.huge ? MapFlag.HUGE : 0);
}

function procFlags(v: Values, p: ProcessSpec, at: string): number {
  const flag = (x: unknown, name: string) => v.get(x as number | undefined, `${at}/flags/${name}`, { kind: "flag", min: 0, max: 1 }, 0);
  const f = p.flags ?? {};
  return (flag(f.unsafe, "unsafe") ? ProcFlag.UNSAFE : 0) | (flag(f.trusted, "trusted") ? ProcFlag.TRUSTED : 0) |
    (flag(f.kernel, "kernel") ? ProcFlag.KERNEL : 0);
}

function machineOf(ctx: PlanContext, procs: readonly ProcPlan[]): Machine {
  let maxCpu = 0;
  let disk = 0;
  let inflight = 0;
  let forks = 0;
  let forkPages = 0;
  let keptPages = 0;
  for (const t of ctx.threads) {
    maxCpu = Math.max(maxCpu, t.cpu);
    const j = t.job;
    if (!j) continue;
    disk = Math.max(disk, j.diskEnd);
    const slotPages = Math.ceil(j.slotLen / PAGE);
    inflight += j.qd * (slotPages + 1);
    const f = j.forks;
    if (f) {
      forks += f.count;
      maxCpu = Math.max(maxCpu, f.cpu);
      // A child gets a copy of each pinned page at fork, and copies what it
      // writes: its buffers (the pinned pages among them) and a page of hot
      // data per buffer. One that never exits keeps its buffers' copies.
      forkPages += f.count * j.qd * (slotPages + 1 + (f.touch ? 1 : 0));
      if (f.writeBuffers && !f.exit) keptPages += f.count * j.qd * slotPages;
    }
  }
  const cpus = ctx.v.get(ctx.spec.cpus, "/cpus", COUNT(1, 64), maxCpu + 1);
  if (maxCpu >= cpus) throw new PlanError("/cpus", `cpus ${cpus} but a thread or fork runs on CPU ${maxCpu}`);
  if (disk > MAX_DISK) throw new PlanError("/processes", `the jobs need ${fmtBytes(disk)} of disk; the core has ${fmtBytes(MAX_DISK)}`);
  const maps = [...procs.flatMap((p) => p.mappings), ...ctx.threads.flatMap((t) => (t.own ? [t.own] : []))];
  return {
    diskBlocks: Math.max(1, Math.ceil(disk / PAGE)),
    cpus,
    userPages: maps.reduce((n, m) => n + m.len / PAGE, 0),
    inflightPages: inflight,
    forkPages,
    keptPages,
    procs: procs.length + forks,
    threads: ctx.threads.length + forks,
  };
}
