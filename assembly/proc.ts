// Processes and threads. A process's cpumask is the set of CPUs its live
// threads are on; its runmask, those of them that run it (a RUNNING thread):
// the CPUs a shootdown interrupts. A CPU of the cpumask outside the runmask
// is lazy (x86's should_flush_tlb skips it): a shootdown marks it stale, and it
// flushes when one of the process's threads next runs there (tlb.ts).
//
//   proc record (64 B): flags u32 +0 | (pad) +4 | cpumask u64 +8 | runmask u64 +16 | stale u64 +24
//                       | held u64 +32: the change a submission call or reap holds back (batch.ts)
//                       | held cpu u32 +40 | (pad) +44
//                       | ring va u32 +48 | ring len u32 +52 | ring tail u32 +56 | ring kind u8 +60 (Ring.COUNT: none)
//                       | (pad) +61
//   thread record (16 B): pid u32 +0 | cpu u32 +4 | state u32 +8 (ThreadState) | (pad) +12
import { ProcFlag, Ring, ThreadState } from "./abi";
import { PGD_BYTES, PROC_BYTES, THREAD_BYTES, pgdBase, procBase, threadBase } from "./layout";

const P_FLAGS: usize = 0;
const P_CPUMASK: usize = 8;
const P_RUNMASK: usize = 16;
const P_STALE: usize = 24;
const P_HELD: usize = 32;
const P_HELD_CPU: usize = 40;
const P_RING: usize = 48;
const P_RING_LEN: usize = 52;
const P_RING_TAIL: usize = 56;
const P_RING_KIND: usize = 60;

const T_PID: usize = 0;
const T_CPU: usize = 4;
const T_STATE: usize = 8;

export let procCount: u32 = 0;
export let threadCount: u32 = 0;

export function procsReset(): void {
  procCount = 0;
  threadCount = 0;
}

@inline function procRec(pid: u32): usize {
  return procBase + <usize>pid * PROC_BYTES;
}

@inline function threadRec(tid: u32): usize {
  return threadBase + <usize>tid * THREAD_BYTES;
}

@inline export function procExists(pid: u32): bool {
  return pid >= 1 && pid <= procCount;
}

@inline export function procFlags(pid: u32): u32 {
  return load<u32>(procRec(pid), P_FLAGS);
}

@inline export function procAlive(pid: u32): bool {
  return (procFlags(pid) & ProcFlag.DEAD) == 0;
}

@inline export function setProcFlag(pid: u32, bit: u32): void {
  store<u32>(procRec(pid), procFlags(pid) | bit, P_FLAGS);
}

@inline export function cpumask(pid: u32): u64 {
  return load<u64>(procRec(pid), P_CPUMASK);
}

@inline export function runmask(pid: u32): u64 {
  return load<u64>(procRec(pid), P_RUNMASK);
}

/** CPUs a shootdown skipped (lazy) that have not flushed since. */
@inline export function staleMask(pid: u32): u64 {
  return load<u64>(procRec(pid), P_STALE);
}

@inline export function setStaleMask(pid: u32, m: u64): void {
  store<u64>(procRec(pid), m, P_STALE);
}

/** The change a submission call or reap holds back for one shootdown (NO_CHANGE: none), and its CPU. */
@inline export function procHeld(pid: u32): u64 {
  return load<u64>(procRec(pid), P_HELD);
}

@inline export function procHeldCpu(pid: u32): u32 {
  return load<u32>(procRec(pid), P_HELD_CPU);
}

@inline export function setProcHeld(pid: u32, c: u64, cpu: u32): void {
  store<u64>(procRec(pid), c, P_HELD);
  store<u32>(procRec(pid), cpu, P_HELD_CPU);
}

export function newProc(flags: u32): u32 {
  let pid = ++procCount;
  let r = procRec(pid);
  memory.fill(r, 0, PROC_BYTES);
  store<u32>(r, flags, P_FLAGS);
  store<u8>(r, <u8>Ring.COUNT, P_RING_KIND); // no completion ring (a fork's child has none either)
  memory.fill(pgdBase + <usize>pid * PGD_BYTES, 0, PGD_BYTES); // an empty page table
  return pid;
}

/** A new RUNNING thread of `pid` on `cpu`. Returns its tid; the caller flushes a stale CPU (tlb.ts switchMm). */
export function newThread(pid: u32, cpu: u32): u32 {
  let tid = ++threadCount;
  store<u32>(threadRec(tid), pid, T_PID);
  store<u32>(threadRec(tid), cpu, T_CPU);
  store<u32>(threadRec(tid), ThreadState.RUNNING, T_STATE);
  let r = procRec(pid);
  store<u64>(r, load<u64>(r, P_CPUMASK) | (<u64>1 << cpu), P_CPUMASK);
  store<u64>(r, load<u64>(r, P_RUNMASK) | (<u64>1 << cpu), P_RUNMASK);
  return tid;
}

/** sd_thread_state: the thread's state, and its process's runmask recomputed from its threads. */
export function setThreadState(tid: u32, state: u32): void {
  store<u32>(threadRec(tid), state, T_STATE);
  let pid = threadPid(tid);
  let run: u64 = 0;
  for (let t: u32 = 1; t <= threadCount; t++) {
    if (threadPid(t) == pid && threadState(t) == ThreadState.RUNNING) run |= <u64>1 << threadCpu(t);
  }
  store<u64>(procRec(pid), run, P_RUNMASK);
}

/** The process dies: its threads with it (their cpus leave the masks). */
export function killProc(pid: u32): void {
  let r = procRec(pid);
  store<u32>(r, load<u32>(r, P_FLAGS) | ProcFlag.DEAD, P_FLAGS);
  store<u64>(r, 0, P_CPUMASK);
  store<u64>(r, 0, P_RUNMASK);
  store<u64>(r, 0, P_STALE);
}

/** The process's completion ring (ring.ts): its va, bytes, tail, and kind (Ring.COUNT: none). */
@inline export function procRing(pid: u32): u32 { return load<u32>(procRec(pid), P_RING); }
@inline export function procRingLen(pid: u32): u32 { return load<u32>(procRec(pid), P_RING_LEN); }
@inline export function procRingTail(pid: u32): u32 { return load<u32>(procRec(pid), P_RING_TAIL); }
@inline export function procRingKind(pid: u32): u32 { return load<u8>(procRec(pid), P_RING_KIND); }
@inline export function setProcRingTail(pid: u32, tail: u32): void { store<u32>(procRec(pid), tail, P_RING_TAIL); }

export function setProcRing(pid: u32, va: u32, len: u32, kind: u32): void {
  let r = procRec(pid);
  store<u32>(r, va, P_RING);
  store<u32>(r, len, P_RING_LEN);
  store<u32>(r, 0, P_RING_TAIL);
  store<u8>(r, <u8>kind, P_RING_KIND);
}

@inline export function threadExists(tid: u32): bool {
  return tid >= 1 && tid <= threadCount;
}

@inline export function threadPid(tid: u32): u32 {
  return load<u32>(threadRec(tid), T_PID);
}

@inline export function threadCpu(tid: u32): u32 {
  return load<u32>(threadRec(tid), T_CPU);
}

@inline export function threadState(tid: u32): u32 {
  return load<u32>(threadRec(tid), T_STATE);
}
