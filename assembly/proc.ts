// Processes and threads. A process's cpumask is the set of CPUs its live
// threads run on: the CPUs a shootdown must reach.
//
//   proc record (32 B): flags u32 +0 | (pad) +4 | cpumask u64 +8
//                       ring va u32 +16 | ring len u32 +20 | ring tail u32 +24 | ring kind u8 +28 (Ring.COUNT: none)
//   thread record (8 B): pid u32 +0 | cpu u32 +4
import { ProcFlag, Ring } from "./abi";
import { PGD_BYTES, PROC_BYTES, THREAD_BYTES, pgdBase, procBase, threadBase } from "./layout";

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
  return load<u32>(procRec(pid));
}

@inline export function procAlive(pid: u32): bool {
  return (procFlags(pid) & ProcFlag.DEAD) == 0;
}

@inline export function setProcFlag(pid: u32, bit: u32): void {
  store<u32>(procRec(pid), procFlags(pid) | bit);
}

@inline export function cpumask(pid: u32): u64 {
  return load<u64>(procRec(pid), 8);
}

export function newProc(flags: u32): u32 {
  let pid = ++procCount;
  let r = procRec(pid);
  store<u32>(r, flags);
  store<u32>(r, 0, 4);
  store<u64>(r, 0, 8);
  memory.fill(r + 16, 0, 12);
  store<u8>(r, <u8>Ring.COUNT, 28); // no completion ring (a fork's child has none either)
  memory.fill(pgdBase + <usize>pid * PGD_BYTES, 0, PGD_BYTES); // an empty page table
  return pid;
}

export function newThread(pid: u32, cpu: u32): u32 {
  let tid = ++threadCount;
  store<u32>(threadRec(tid), pid);
  store<u32>(threadRec(tid), cpu, 4);
  let r = procRec(pid);
  store<u64>(r, load<u64>(r, 8) | (<u64>1 << cpu), 8);
  return tid;
}

/** The process dies: its threads with it (their cpus leave the mask). */
export function killProc(pid: u32): void {
  let r = procRec(pid);
  store<u32>(r, load<u32>(r) | ProcFlag.DEAD);
  store<u64>(r, 0, 8);
}

/** The process's completion ring (ring.ts): its va, bytes, tail, and kind (Ring.COUNT: none). */
@inline export function procRing(pid: u32): u32 { return load<u32>(procRec(pid), 16); }
@inline export function procRingLen(pid: u32): u32 { return load<u32>(procRec(pid), 20); }
@inline export function procRingTail(pid: u32): u32 { return load<u32>(procRec(pid), 24); }
@inline export function procRingKind(pid: u32): u32 { return load<u8>(procRec(pid), 28); }
@inline export function setProcRingTail(pid: u32, tail: u32): void { store<u32>(procRec(pid), tail, 24); }

export function setProcRing(pid: u32, va: u32, len: u32, kind: u32): void {
  let r = procRec(pid);
  store<u32>(r, va, 16);
  store<u32>(r, len, 20);
  store<u32>(r, 0, 24);
  store<u8>(r, <u8>kind, 28);
}

@inline export function threadExists(tid: u32): bool {
  return tid >= 1 && tid <= threadCount;
}

@inline export function threadPid(tid: u32): u32 {
  return load<u32>(threadRec(tid));
}

@inline export function threadCpu(tid: u32): u32 {
  return load<u32>(threadRec(tid), 4);
}
