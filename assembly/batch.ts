// One submission call (io_uring_enter with N SQEs, io_submit with N iocbs),
// or one reap of completions: with WP_BATCH above 1, the write-protects (or
// the restores) of its I/Os share one shootdown per process, gathered as one
// mmu_gather gathers the flushes of one operation (docs/model.md section 12).
//
//   sd_submit(MORE) ... sd_submit(MORE) sd_submit      one submission call
//   sd_complete_more ... sd_complete_more sd_complete  one reap
//
// A call is one thread's: it opens at its first I/O and ends at its last (a
// submit without IoFlag.MORE, an sd_complete), at its WP_BATCH-th I/O, or
// at the first other call (before that call does anything); the shootdowns
// it held back happen then, ascending pid. No other call runs in between, so
// nothing can use the stale TLB entries a held-back write-protect leaves.
import { cfgWpBatch } from "./config";
import { NO_CHANGE, changeEnd, changeFirst, changeJoin } from "./mprotect";
import { procHeld, procHeldCpu, setProcHeld } from "./proc";
import { flushTlbMmRange } from "./tlb";

export const SUBMIT: u32 = 1;
export const REAP: u32 = 2;

/** The open call's kind (0: none), its thread, its I/Os so far, and the pids holding a change. */
let kind: u32 = 0;
let owner: u32 = 0;
let ios: u32 = 0;
let lo: u32 = 0;
let hi: u32 = 0;

/** sd_reset: no call open (the process records it held changes in are gone). */
export function batchReset(): void {
  kind = 0;
  lo = hi = 0;
}

@inline export function batchOpen(): bool {
  return kind != 0;
}

/** A call that does not continue the open one (another kind, another thread: tid 0 never does) ends it first. */
@inline export function batchBefore(k: u32, tid: u32): void {
  if (kind != 0 && (kind != k || owner != tid)) batchEnd();
}

/** An I/O of thread `tid`'s call of `k` starts: `more` I/Os follow, so a call opens if none is and the choices batch. */
@inline export function batchJoin(k: u32, tid: u32, more: bool): void {
  batchBefore(k, tid);
  if (kind == 0 && more && cfgWpBatch > 1) {
    kind = k;
    owner = tid;
    ios = 0;
  }
}

/** The I/O is done: `last` (or the WP_BATCH-th I/O) ends the call. */
@inline export function batchNext(last: bool): void {
  if (kind == 0) return;
  if (last || ++ios >= cfgWpBatch) batchEnd();
}

/** A shootdown of change `c` in `pid`'s table from `cpu`, held back for the open call's end. */
export function batchHold(pid: u32, cpu: u32, c: u64): void {
  let held = procHeld(pid);
  setProcHeld(pid, changeJoin(held, c), held ? procHeldCpu(pid) : cpu);
  if (lo == 0 || pid < lo) lo = pid;
  if (pid > hi) hi = pid;
}

/** The call ends: one shootdown per process that holds a change, ascending pid. */
export function batchEnd(): void {
  kind = 0;
  for (let pid = lo; pid != 0 && pid <= hi; pid++) {
    let c = procHeld(pid);
    if (!c) continue;
    let cpu = procHeldCpu(pid);
    setProcHeld(pid, NO_CHANGE, 0);
    flushTlbMmRange(pid, cpu, changeFirst(c), changeEnd(c) - changeFirst(c));
  }
  lo = hi = 0;
}
