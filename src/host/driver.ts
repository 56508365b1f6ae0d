// The host driver: sizes and resets a core, builds a workload on it, and runs
// the workload's threads against a seeded device timeline, one scheduler step
// at a time. Each step first fires the device events that are due (DMA points,
// completions), then lets one runnable thread, picked by the seed, make one
// call. Each submitted I/O gets its DMA point 1..2L steps later and its
// completion 1..L steps after that. Then everything still in flight
// completes, the disk is scrubbed and the frames are audited. A workload that
// declares min_latency (fio jobs do) delays every DMA point by that much more.
import { Device, Err, IoFlag, IoState, Key, Policy, Stable } from "../../assembly/abi.js";
import { mergeWp, type WpChoices } from "../shared/wp.js";
import type { Core } from "../core/core.js";
import { applyOp, type OpRecord } from "../core/ops.js";
import { incompatibility, MAX_FRAMES, resolveParams } from "../workloads/params.js";
import { Rng } from "../workloads/rng.js";
import type { Params, Setup, Workload } from "../workloads/types.js";
import type { Action, CallAction, Task } from "../workloads/actions.js";
import { EventQueue } from "./events.js";
import { coreKeys } from "./machine.js";
import { fmtBytes, PAGE } from "../shared/units.js";
import { deviceId, policyId, STABLE_IDS } from "../shared/names.js";
import {
  errName, frameProblems, type Inflight, invariantName, keyName, readCounters, readFrames, readWarnings,
  RESULT_VERSION, type RunResult,
} from "./result.js";

export interface RunSpec {
  readonly workload: Workload;
  readonly policy: Policy;
  /** Default: the workload's device. */
  readonly device?: Device;
  readonly seed: number;
  /** Parameter overrides; names the workload does not have are ignored. */
  readonly params?: Readonly<Record<string, number>>;
  /** Default AUTO: Hellwig's levels decide (docs/model.md section 5). */
  readonly stable?: Stable;
  /** The write-protect's implementation choices, over the workload's own ("wp") and the defaults, key by key. */
  readonly wp?: Partial<WpChoices>;
  /** Keep every executed call in result.trace. */
  readonly record?: boolean;
  /** After the audit, exit every process and check that all user memory was freed (default true). */
  readonly exitAll?: boolean;
}

/** A core call that a built-in workload should never see fail: a bug in the workload, driver or core. */
export class CoreCallError extends Error {
  constructor(readonly op: OpRecord, readonly rc: number, detail: number) {
    super(`${op.op} ${JSON.stringify(op)} returned -${errName(rc)} (detail ${detail})`);
    this.name = "CoreCallError";
  }
}

/**
 * A run that needs more frames than the core has: the call that ran out
 * (NOMEM, with the frames it needed), the frames in use then, and the pool
 * the run was given (Key.MAX_FRAMES). The message says it in words.
 */
export class OutOfFrames extends CoreCallError {
  constructor(op: OpRecord, rc: number, readonly needed: number, readonly inUse: number, readonly pool: number) {
    super(op, rc, needed);
    this.name = "OutOfFrames";
    const mib = (frames: number) => fmtBytes(frames * PAGE);
    const call = `a ${op.op}${"tid" in op ? ` by thread ${op.tid}` : ""} needed ${needed} more frame${needed === 1 ? "" : "s"}`;
    this.message = inUse + needed > pool
      ? `the run needs more than the ${pool} frames (${mib(pool)}) it was given: ${call} with ${inUse} in use` +
        (pool < MAX_FRAMES ? " (the pool is sized from the workload's mappings and in-flight I/O;" : " (the most the core takes;") +
        " a smaller size, qd, ios, forks or mapping needs fewer)"
      : `out of memory: ${call} with ${inUse} of the run's ${pool} frames in use, and the Wasm memory could not grow to hold them`;
  }
}

/**
 * A run whose tables do not fit in the memory the Wasm runtime lets the core
 * have (sd_reset NOMEM: an embedder's limit, or a host out of memory).
 */
export class OutOfMemory extends Error {
  constructor(frames: number, diskBlocks: number, procs: number) {
    super(`out of memory: the Wasm runtime would not let the core grow its memory to lay out this run ` +
      `(a pool of ${frames} frames, ${fmtBytes(diskBlocks * PAGE)} of disk, ${procs} processes; ` +
      "a smaller size, qd, ios, forks or region needs less)");
    this.name = "OutOfMemory";
  }
}

/** A run too big for the core or its memory: the user's to resize, not a bug. */
export const isTooBig = (e: unknown): e is OutOfFrames | OutOfMemory => e instanceof OutOfFrames || e instanceof OutOfMemory;

const MAX_STEPS = 1e9;

interface Thread {
  readonly name: string;
  readonly gen: Task;
  readonly qd: number;
  inflight: number[];
  resume: number;
  /** A submit waiting for a queue slot. */
  pending: CallAction | null;
  waitIo: number;
  draining: boolean;
  wakeAt: number;
  done: boolean;
  /** I/Os it submitted, and the most it had in flight at once (counted at each submit). */
  submitted: number;
  deepest: number;
  /** The submission call in progress (its submits had IoFlag.MORE): its I/Os, and when the last of them completes. */
  call: { ios: number[]; doneAt: number } | null;
}

export function runWorkload(core: Core, spec: RunSpec): RunResult {
  const w = spec.workload;
  const device = spec.device ?? w.device;
  const stable = spec.stable ?? Stable.AUTO;
  const params = resolveParams(w, device, spec.params);
  const why = incompatibility(w, params, device);
  if (why) throw new RangeError(`${w.id} on ${deviceId(device)}: ${why}`);
  const machine = w.machine(params, device);
  const wp = mergeWp(w.wp?.(params, device), spec.wp);

  const keys = coreKeys(machine, params, { policy: spec.policy, device, stable, wp });
  const config: Record<string, number> = {};
  for (const [k, v] of keys) {
    const rc = core.set(k, v);
    if (rc < 0) throw new RangeError(`sd_set(${keyName(k)}, ${v}) returned -${errName(rc)}`);
    config[keyName(k)] = v;
  }
  const rc = core.reset();
  if (rc === -Err.NOMEM) throw new OutOfMemory(config.max_frames, config.disk_blocks, config.max_procs);
  if (rc < 0) throw new RangeError(`sd_reset returned -${errName(rc)} (detail ${core.errDetail()})`);

  const root = new Rng(spec.seed);
  const sim = new Sim(core, params, root.fork(), root.fork(), spec.record ?? false, wp.batch);
  w.build(sim.setup(root.fork(), device));
  sim.run();

  const scrubbed = core.scrub();
  if (scrubbed < 0) throw new Error(`sd_scrub returned -${errName(scrubbed)}`);
  const check = core.check();
  const counters = readCounters(core);
  const warnings = readWarnings(core);
  const frames = readFrames(core);
  const problems = frameProblems(frames);
  if (check !== 0) problems.unshift(`sd_check: ${invariantName(check)}`);
  const freedOnExit = spec.exitAll === false ? null : sim.exitAll(problems);

  return {
    version: RESULT_VERSION,
    core: core.kind,
    workload: w.id,
    policy: policyId(spec.policy),
    device: deviceId(device),
    stable: STABLE_IDS[stable],
    seed: spec.seed,
    params,
    config,
    counters,
    warnings,
    frames,
    balance: { ok: problems.length === 0, invariant: invariantName(check), problems, freedOnExit },
    steps: sim.now,
    ops: sim.ops,
    inflight: sim.inflight(),
    ...(sim.trace ? { trace: sim.trace } : {}),
  };
}

/** One run's world: the threads, the device timeline, the clock. */
class Sim {
  now = 0;
  ops = 0;
  readonly trace: OpRecord[] | undefined;
  private readonly threads: Thread[] = [];
  private readonly events = new EventQueue();
  private readonly pids = new Set<number>();

  constructor(
    private readonly core: Core,
    private readonly params: Params,
    /** Picks which runnable thread moves next. */
    private readonly sched: Rng,
    /** Draws each I/O's DMA and completion delays. */
    private readonly timing: Rng,
    record: boolean,
    /** The most I/Os of one submission call (--wp batch). */
    private readonly batch: number,
  ) {
    this.trace = record ? [] : undefined;
  }

  setup(rng: Rng, device: Device): Setup {
    return {
      rng,
      params: this.params,
      device,
      proc: (flags) => {
        const pid = this.call({ op: "proc", flags });
        this.pids.add(pid);
        return pid;
      },
      thread: (pid, cpu) => this.call({ op: "thread", pid, cpu }),
      threadState: (tid, state) => void this.call({ op: "thread_state", tid, state }),
      batch: this.batch,
      map: (pid, va, len, flags) => void this.call({ op: "map", pid, va, len, flags }),
      alias: (pid, va, len, srcpid, srcva) => void this.call({ op: "alias", pid, va, len, srcpid, srcva }),
      ring: (pid, va, len, kind) => void this.call({ op: "ring", pid, va, len, kind }),
      store: (tid, va, len, byte) => void this.call({ op: "store", tid, va, len, byte }),
      fork: (tid, cpu) => this.fork(tid, cpu),
      unwritten: (block, count) => void this.call({ op: "unwritten", block, count }),
      spawn: (name, gen, qd = 1) => {
        this.threads.push({
          name, gen, qd, inflight: [], resume: 0, pending: null, waitIo: 0, draining: false, wakeAt: 0, done: false,
          submitted: 0, deepest: 0, call: null,
        });
      },
      ioState: (io) => this.core.ioState(io),
      pidOf: (tid) => this.core.threadPid(tid),
    };
  }

  run(): void {
    const runnable: Thread[] = [];
    for (;;) {
      this.fireDue();
      runnable.length = 0;
      let live = 0;
      let wake = Infinity;
      for (const t of this.threads) {
        if (t.done) continue;
        live++;
        if (t.wakeAt > this.now) wake = Math.min(wake, t.wakeAt);
        else if (this.ready(t)) runnable.push(t);
      }
      if (runnable.length) {
        this.step(runnable[this.sched.below(runnable.length)]);
        this.now++;
        if (this.now > MAX_STEPS) throw new Error(`no end after ${MAX_STEPS} steps`);
        continue;
      }
      // Nobody can move: jump to the next device event or wake-up.
      const next = Math.min(this.events.peekTime(), wake);
      if (next === Infinity) {
        if (live) throw new Error(`deadlock: ${this.blocked()}`);
        break;
      }
      this.now = Math.max(this.now, next);
    }
    // Anything a stall or an exit left behind (nothing, normally).
    for (const t of this.threads) for (const io of t.inflight) {
      if (this.core.ioState(io) !== IoState.COMPLETED) this.call({ op: "complete", io });
    }
  }

  /**
   * The most I/Os one thread had in flight at once, against the queue depth
   * it was given: only threads that submitted more I/Os than their depth
   * could have filled it, so only they say whether something else held it
   * lower (the device completing I/Os faster than the thread submits them).
   */
  inflight(): Inflight {
    const submitting = this.threads.filter((t) => t.submitted > 0);
    const couldFill = submitting.filter((t) => t.submitted > t.qd);
    return {
      max: Math.max(0, ...submitting.map((t) => t.deepest)),
      qd: Math.max(0, ...submitting.map((t) => t.qd)),
      short: couldFill.filter((t) => t.deepest < t.qd).map((t) => ({ thread: t.name, qd: t.qd, max: t.deepest })),
    };
  }

  /** Exits every live process; returns whether all user memory came back. */
  exitAll(problems: string[]): boolean {
    for (const pid of this.pids) {
      const rc = this.core.exit(pid);
      if (rc < 0 && rc !== -Err.DEAD) throw new Error(`sd_exit(${pid}) returned -${errName(rc)}`);
    }
    const f = readFrames(this.core);
    const check = this.core.check();
    const ok = f.user === 0 && f.pgtable === 0 && f.free === f.total && check === 0;
    if (!ok) problems.push(`after exit: user ${f.user}, pgtable ${f.pgtable}, free ${f.free} of ${f.total}, check ${invariantName(check)}`);
    return ok;
  }

  private fork(tid: number, cpu: number): number {
    const child = this.call({ op: "fork", tid, cpu });
    this.pids.add(this.core.threadPid(child));
    return child;
  }

  private ready(t: Thread): boolean {
    if (t.pending) return this.prune(t) < t.qd;
    if (t.waitIo) return this.core.ioState(t.waitIo) === IoState.COMPLETED;
    if (t.draining) return this.prune(t) === 0;
    return true;
  }

  /** Drops completed I/Os (a stall may complete them early); returns how many remain. */
  private prune(t: Thread): number {
    if (t.inflight.length) t.inflight = t.inflight.filter((io) => this.core.ioState(io) !== IoState.COMPLETED);
    return t.inflight.length;
  }

  /** One step of one thread: one call, or the end of a wait and then one call. */
  private step(t: Thread): void {
    if (t.pending) {
      const a = t.pending;
      t.pending = null;
      t.resume = this.submit(t, a);
      return;
    }
    t.waitIo = 0;
    t.draining = false;
    for (;;) {
      const r = t.gen.next(t.resume);
      t.resume = 0;
      if (r.done) {
        t.done = true;
        return;
      }
      const a: Action = r.value;
      switch (a.op) {
        case "wait":
          if (this.core.ioState(a.io) === IoState.COMPLETED) continue;
          t.waitIo = a.io;
          return;
        case "drain":
          if (this.prune(t) === 0) continue;
          t.draining = true;
          return;
        case "sleep":
          t.wakeAt = this.now + Math.max(1, a.steps);
          return;
        case "submit":
          if (this.prune(t) >= t.qd) t.pending = a;
          else {
            t.resume = this.submit(t, a);
            // One submission call of several I/Os is one step: nothing else runs between its submits.
            if (a.flags & IoFlag.MORE) continue;
          }
          return;
        case "fork":
          t.resume = this.fork(a.tid, a.cpu);
          return;
        case "proc": {
          const pid = this.call(a);
          this.pids.add(pid);
          t.resume = pid;
          return;
        }
        default:
          t.resume = this.call(a);
          return;
      }
    }
  }

  private submit(t: Thread, a: CallAction): number {
    const io = this.call(a);
    // t.inflight was pruned just before (step or ready): its length is the thread's depth now.
    t.inflight.push(io);
    t.submitted++;
    if (t.inflight.length > t.deepest) t.deepest = t.inflight.length;
    const L = this.params.latency;
    // min_latency (fio jobs declare it): no I/O reaches its DMA point sooner, so a queue fills before any completes.
    const dmaAt = this.now + (this.params.min_latency ?? 0) + 1 + this.timing.below(2 * L);
    this.events.push(dmaAt, "dma", io);
    const doneAt = dmaAt + 1 + this.timing.below(L);
    // The I/Os of one submission call are reaped together, when the last of them completes
    // (io_uring_submit_and_wait, io_getevents with min_nr): one completion event for the call.
    const call = t.call ?? { ios: [], doneAt: 0 };
    call.ios.push(io);
    call.doneAt = Math.max(call.doneAt, doneAt);
    if (a.op === "submit" && a.flags & IoFlag.MORE) t.call = call;
    else {
      t.call = null;
      this.events.push(call.doneAt, "complete", io, call.ios.length > 1 ? call.ios : undefined);
    }
    return io;
  }

  /** Fires due device events; one a stall already took care of is skipped, not recorded. */
  private fireDue(): void {
    while (this.events.peekTime() <= this.now) {
      const e = this.events.pop()!;
      if (e.reap) {
        // One reap: every I/O of the call not yet completed (a stall may have), the last without "more".
        const left = e.reap.filter((io) => this.core.ioState(io) !== IoState.COMPLETED);
        left.forEach((io, i) => this.call(i < left.length - 1 ? { op: "complete_more", io } : { op: "complete", io }));
        continue;
      }
      const state = this.core.ioState(e.io);
      if (e.kind === "dma" ? state !== IoState.SUBMITTED : state === IoState.COMPLETED) continue;
      this.call({ op: e.kind, io: e.io });
    }
  }

  private call(op: OpRecord): number {
    const rc = applyOp(this.core, op);
    this.ops++;
    if (rc === -Err.NOMEM) {
      const f = readFrames(this.core);
      throw new OutOfFrames(op, rc, this.core.errDetail(), f.total - f.free, this.core.get(Key.MAX_FRAMES));
    }
    if (rc < 0) throw new CoreCallError(op, rc, this.core.errDetail());
    this.trace?.push(op);
    return rc;
  }

  private blocked(): string {
    return this.threads
      .filter((t) => !t.done)
      .map((t) => `${t.name} ${t.waitIo ? `waits for io ${t.waitIo}` : t.pending ? "waits for a queue slot" : "drains"}`)
      .join(", ");
  }
}
