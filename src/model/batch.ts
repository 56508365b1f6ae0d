// One submission call or one reap of completions (docs/model.md section 12),
// as assembly/batch.ts: with WP_BATCH above 1, the write-protects (or the
// restores) of its I/Os share one shootdown per process. It opens at an I/O
// with MORE, ends at its last I/O, at its WP_BATCH-th, or at the first other
// call (before that call does anything); the held-back shootdowns happen
// then, ascending pid.
import { Key } from "../../assembly/abi.js";
import { changeJoin, NO_CHANGE, type Change } from "./mprotect.js";
import type { State } from "./state.js";
import { flushTlbMmRange } from "./tlb.js";

export const SUBMIT = 1;
export const REAP = 2;

/** A call that does not continue the open one (another kind or thread; tid 0 never does) ends it first. */
export function batchBefore(st: State, kind: number, tid: number): void {
  const b = st.batch;
  if (b && (b.kind !== kind || b.owner !== tid)) batchEnd(st);
}

/** An I/O of thread `tid`'s call of `kind` starts: `more` I/Os follow, so a call opens if none is and the choices batch. */
export function batchJoin(st: State, kind: number, tid: number, more: boolean): void {
  batchBefore(st, kind, tid);
  if (!st.batch && more && st.cfg[Key.WP_BATCH] > 1) st.batch = { kind, owner: tid, ios: 0 };
}

/** The I/O is done: `last` (or the WP_BATCH-th I/O) ends the call. */
export function batchNext(st: State, last: boolean): void {
  const b = st.batch;
  if (!b) return;
  if (last || ++b.ios >= st.cfg[Key.WP_BATCH]) batchEnd(st);
}

/** A shootdown of `c` in `pid`'s table from `cpu`: held back if a call is open (true). */
export function batchHold(st: State, pid: number, cpu: number, c: Change): boolean {
  if (!st.batch) return false;
  const p = st.procs[pid - 1];
  p.held = p.held ? { change: changeJoin(p.held.change, c), cpu: p.held.cpu } : { change: c, cpu };
  return true;
}

/** The call ends: one shootdown per process that holds a change, ascending pid. */
export function batchEnd(st: State): void {
  st.batch = null;
  for (const p of st.procs) {
    const h = p.held;
    if (!h) continue;
    p.held = undefined;
    if (h.change !== NO_CHANGE && h.change.end) flushTlbMmRange(st, p.pid, h.cpu, h.change.first, h.change.end - h.change.first);
  }
}
