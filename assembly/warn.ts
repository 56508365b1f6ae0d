// The once-per-process warning log (a dmesg the host reads).
//   entry (16 B): pid u32 | va u32 | io u32 | kind u32
import { Counter, ProcFlag, WARN_KEEP } from "./abi";
import { count } from "./counters";
import { WARN_BYTES, warnBase } from "./layout";
import { procFlags, setProcFlag } from "./proc";

export let warnKept: u32 = 0;

export function warnReset(): void {
  warnKept = 0;
}

/** Logs the warning unless the process already has one. */
export function warnOnce(pid: u32, va: u32, io: u32, kind: u32): void {
  if (procFlags(pid) & ProcFlag.WARNED) return;
  setProcFlag(pid, ProcFlag.WARNED);
  count(Counter.WARNINGS);
  if (warnKept == WARN_KEEP) return;
  let e = warnBase + <usize>warnKept * WARN_BYTES;
  store<u32>(e, pid);
  store<u32>(e, va, 4);
  store<u32>(e, io, 8);
  store<u32>(e, kind, 12);
  warnKept++;
}

export function warnField(i: u32, field: u32): u32 {
  return load<u32>(warnBase + <usize>i * WARN_BYTES + (<usize>field << 2));
}

/** Tags the process degraded (its later direct I/O is bounced). */
export function degrade(pid: u32): void {
  if (procFlags(pid) & ProcFlag.DEGRADED) return;
  setProcFlag(pid, ProcFlag.DEGRADED);
  count(Counter.DEGRADED);
}
