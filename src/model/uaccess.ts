// User memory access by a thread (docs/model.md 6.5), as assembly/uaccess.ts:
// stores, writes, loads. Each page goes through the thread's CPU TLB; a miss
// walks the page table; an access the table cannot serve faults.
import { Counter, Err, ProcFlag, STAGING_BYTES } from "../../assembly/abi.js";
import { handleMmFault } from "./fault.js";
import { PAGE } from "./frames.js";
import { P, pageFrame, slotOf, W } from "./pagetable.js";
import { SPACE, type State } from "./state.js";
import { switchMm } from "./tlb.js";

export type Access =
  | { kind: "store"; byte: number }
  | { kind: "write"; src: Uint8Array }
  | { kind: "load"; dst: Uint8Array };

/** 6.5, sd_store / sd_write / sd_load: 0, or -Err (the pages before a failing one keep their new bytes). */
export function userAccess(st: State, tid: number, va: number, len: number, a: Access): number {
  const t = st.thread(tid);
  if (!t) return st.fail(Err.NO_THREAD);
  const p = st.procs[t.pid - 1];
  if (p.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
  if (len === 0 || (a.kind === "store" && a.byte > 255) || (a.kind !== "store" && len > STAGING_BYTES)) {
    return st.fail(Err.INVAL);
  }
  if (va + len > SPACE) return st.fail(Err.RANGE);
  switchMm(st, p, t.cpu); // the thread runs: a lazy CPU catches up
  const write = a.kind !== "load";
  if (write) {
    st.c[Counter.STORES]++;
    st.c[Counter.BYTES_STORED] += len;
  }
  for (let pos = 0; pos < len; ) {
    const vpn = Math.floor((va + pos) / PAGE);
    const off = (va + pos) % PAGE;
    const n = Math.min(PAGE - off, len - pos);
    let f: number;
    for (;;) {
      f = st.tlb.lookup(t.cpu, p.pid, vpn, write);
      if (f >= 0) {
        st.c[Counter.TLB_HITS]++;
        break;
      }
      st.c[Counter.TLB_MISSES]++;
      const s = slotOf(st, p, vpn);
      if (s.e & P && (!write || s.e & W)) {
        // A write through a read-only entry of a now writable PTE: x86 faults and the handler finds nothing to do.
        if (write && st.tlb.heldReadOnly(t.cpu, p.pid, vpn)) st.c[Counter.SPURIOUS_FAULTS]++;
        f = pageFrame(s, vpn);
        st.tlb.fill(t.cpu, p.pid, vpn, f, (s.e & W) !== 0);
        break;
      }
      st.tlb.invalidate(t.cpu, p.pid, vpn); // a page fault invalidates the faulting address's entry
      const r = handleMmFault(st, p, t.cpu, vpn, off, n, write);
      if (r < 0) return r; // the pages before keep their new bytes
    }
    const b = st.pool.frames[f].bytes;
    if (a.kind === "store") b.fill(a.byte, off, off + n);
    else if (a.kind === "write") b.set(a.src.subarray(pos, pos + n), off);
    else a.dst.set(b.subarray(off, off + n), pos);
    pos += n;
  }
  return 0;
}
