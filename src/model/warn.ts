// The once-per-process warning (a dmesg the host reads) and degrading a
// process (its later direct I/O is bounced), as assembly/warn.ts.
import { Counter, ProcFlag, WARN_KEEP } from "../../assembly/abi.js";
import type { Proc, State } from "./state.js";

/** Logs the warning unless the process already has one; WARNINGS counts all, WARN_KEEP are kept. */
export function warnOnce(st: State, p: Proc, va: number, io: number, kind: number): void {
  if (p.flags & ProcFlag.WARNED) return;
  p.flags |= ProcFlag.WARNED;
  st.c[Counter.WARNINGS]++;
  if (st.warns.length < WARN_KEEP) st.warns.push({ pid: p.pid, va: va >>> 0, io, kind });
}

export function degrade(st: State, p: Proc): void {
  if (p.flags & ProcFlag.DEGRADED) return;
  p.flags |= ProcFlag.DEGRADED;
  st.c[Counter.DEGRADED]++;
}
