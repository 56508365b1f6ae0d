// Commands that shape the world: processes, threads, mappings, fork, exit.
// Arguments are indexes into what the model knows (taken modulo its size),
// so a command still means something after shrinking removed others.
import fc from "fast-check";
import { hex, rarely } from "./arbs.js";
import { Err, MapFlag, ProcFlag, ThreadState } from "../../../assembly/abi.js";
import { HUGE, PAGE, SLOTS, type Model } from "./model.js";
import type { Pair } from "./pair.js";

export type Cmd = fc.Command<Model, Pair>;


/** The thread a command acts as: a live one, or (dead) any thread, live or not. */
export function actor(m: Model, k: number, dead = false): { tid: number; pid: number } | undefined {
  const ts = dead ? m.threads : m.liveThreads();
  return ts.length ? ts[k % ts.length] : undefined;
}

export class ProcCmd implements Cmd {
  constructor(readonly flags: number) {}
  check = () => true;
  run(m: Model, r: Pair): void {
    const pid = r.call(`proc_create(${this.flags})`, "other", (c) => c.procCreate(this.flags));
    if (pid > 0) m.procs.push({ pid, alive: true, regions: [] });
  }
  toString = () => `proc(${this.flags})`;
}

export class ThreadCmd implements Cmd {
  constructor(readonly p: number, readonly cpu: number, readonly badCpu = false) {}
  check = (m: Model) => m.procs.length > 0;
  run(m: Model, r: Pair): void {
    const pid = m.procs[this.p % m.procs.length].pid;
    const cpu = this.badCpu ? m.cfg.cpus + this.cpu : this.cpu % m.cfg.cpus;
    const tid = r.call(`thread_create(${pid}, ${cpu})`, "other", (c) => c.threadCreate(pid, cpu));
    if (tid > 0) m.threads.push({ tid, pid });
  }
  toString = () => `thread(p${this.p}, cpu${this.badCpu ? "cpus+" : ""}${this.cpu})`;
}

/** sd_thread_state: a thread sleeps in the kernel (idle: its CPU is lazy) or runs; now and then a bad state. */
export class ThreadStateCmd implements Cmd {
  constructor(readonly t: number, readonly state: number, readonly dead: boolean) {}
  check = (m: Model) => m.threads.length > 0;
  run(m: Model, r: Pair): void {
    const t = actor(m, this.t, this.dead) ?? m.threads[this.t % m.threads.length];
    const alive = m.proc(t.pid)?.alive ?? false;
    const want = !alive ? -Err.DEAD : this.state > ThreadState.IDLE ? -Err.INVAL : 0;
    const rc = r.call(`thread_state(${t.tid}, ${this.state})`, "other", (c) => c.threadState(t.tid, this.state));
    if (rc !== want) r.fail(`thread_state of a ${alive ? "live" : "dead"} thread to ${this.state} returned ${rc}, expected ${want}`);
  }
  toString = () => `thread_state(t${this.t}, ${this.state}${this.dead ? ", any" : ""})`;
}

export class MapCmd implements Cmd {
  constructor(readonly p: number, readonly slot: number, readonly pages: number, readonly flags: number) {}
  check = (m: Model) => m.procs.length > 0;
  run(m: Model, r: Pair): void {
    const proc = m.procs[this.p % m.procs.length];
    const s = SLOTS[this.slot % SLOTS.length];
    const flags = s.huge ? this.flags : this.flags & ~MapFlag.HUGE; // HUGE only where 2 MiB-aligned
    const len = flags & MapFlag.HUGE ? HUGE : Math.min(this.pages * PAGE, s.maxLen);
    const rc = r.call(`map(${proc.pid}, ${hex(s.va)}, ${hex(len)}, ${flags})`, "other", (c) => c.map(proc.pid, s.va, len, flags));
    if (rc === 0) proc.regions.push({ slot: this.slot % SLOTS.length, va: s.va, len, flags });
  }
  toString = () => `map(p${this.p}, slot${this.slot}, ${this.pages}p, ${this.flags})`;
}

export class UnmapCmd implements Cmd {
  constructor(readonly t: number, readonly r: number, readonly off: number, readonly pages: number) {}
  check = (m: Model) => m.liveThreads().length > 0;
  run(m: Model, r: Pair): void {
    const t = actor(m, this.t)!;
    const reg = m.region(t.pid, this.r);
    const off = (this.off % (reg.len / PAGE)) * PAGE;
    const len = this.pages * PAGE;
    const va = reg.va + off;
    const rc = r.call(`unmap(${t.tid}, ${hex(va)}, ${hex(len)})`, "other", (c) => c.unmap(t.tid, va, len));
    const proc = m.proc(t.pid)!;
    if (rc === 0 && off === 0 && len >= reg.len) proc.regions = proc.regions.filter((x) => x !== reg);
  }
  toString = () => `unmap(t${this.t}, r${this.r}, +${this.off}p, ${this.pages}p)`;
}

export class ForkCmd implements Cmd {
  constructor(readonly t: number, readonly cpu: number) {}
  check = (m: Model) => m.liveThreads().length > 0;
  run(m: Model, r: Pair): void {
    const t = actor(m, this.t)!;
    const cpu = this.cpu % m.cfg.cpus;
    const child = r.call(`fork(${t.tid}, ${cpu})`, "other", (c) => c.fork(t.tid, cpu));
    if (child <= 0) return;
    const pid = r.ref.threadPid(child);
    if (pid !== r.wasm.threadPid(child)) r.fail(`fork: the child's pid differs`);
    m.procs.push({ pid, alive: true, regions: m.proc(t.pid)!.regions.map((x) => ({ ...x })) });
    m.threads.push({ tid: child, pid });
  }
  toString = () => `fork(t${this.t}, cpu${this.cpu})`;
}

export class ExitCmd implements Cmd {
  constructor(readonly p: number) {}
  check = (m: Model) => m.procs.length > 0;
  run(m: Model, r: Pair): void {
    const proc = m.procs[this.p % m.procs.length];
    const rc = r.call(`exit(${proc.pid})`, "other", (c) => c.exit(proc.pid));
    if (rc !== (proc.alive ? 0 : -Err.DEAD)) r.fail(`exit of ${proc.alive ? "a live" : "a dead"} process returned ${rc}`);
    if ((r.ref.procFlags(proc.pid) & ProcFlag.DEAD) === 0) r.fail(`pid ${proc.pid} is not DEAD after exit`);
    proc.alive = false;
  }
  toString = () => `exit(p${this.p})`;
}

const procFlags = fc.constantFrom(0, ProcFlag.UNSAFE, ProcFlag.TRUSTED, ProcFlag.KERNEL, ProcFlag.UNSAFE | ProcFlag.TRUSTED, 8);
const mapFlags = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(MapFlag.WRITE, MapFlag.WRITE | MapFlag.SHARED, 0, MapFlag.SHARED) },
  { weight: 2, arbitrary: fc.constantFrom(MapFlag.WRITE | MapFlag.HUGE, MapFlag.WRITE | MapFlag.SHARED | MapFlag.HUGE, MapFlag.HUGE) },
  { weight: 1, arbitrary: fc.constantFrom(8, MapFlag.ALL) },
);

export const procCmds = {
  proc: procFlags.map((f) => new ProcCmd(f)),
  thread: fc.tuple(fc.nat(7), fc.nat(4), rarely(8)).map(([p, cpu, bad]) => new ThreadCmd(p, cpu, bad)),
  threadState: fc
    .tuple(fc.nat(15), fc.oneof({ weight: 8, arbitrary: fc.constantFrom(ThreadState.IDLE, ThreadState.RUNNING) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 9 }) }), rarely())
    .map(([t, st, dead]) => new ThreadStateCmd(t, st, dead)),
  map: fc.tuple(fc.nat(7), fc.nat(SLOTS.length - 1), fc.integer({ min: 1, max: 16 }), mapFlags).map(([p, s, n, f]) => new MapCmd(p, s, n, f)),
  unmap: fc
    .tuple(fc.nat(15), fc.nat(3), fc.nat(520), fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 600 })))
    .map(([t, r, o, n]) => new UnmapCmd(t, r, o, n)),
  fork: fc.tuple(fc.nat(15), fc.nat(3)).map(([t, cpu]) => new ForkCmd(t, cpu)),
  exit: fc.nat(7).map((p) => new ExitCmd(p)),
};
