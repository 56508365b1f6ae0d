// User access through the TLB and the page table (docs/model.md 6.5) and the
// write fault (6.6: do_wp_page and friends).
import { Counter, Err, Policy, ProcFlag, STAGING_BYTES, WarnKind } from "../../assembly/abi.js";
import { completeIo, wpIosPinning } from "./dio.js";
import { FOLIO, PAGE, type Frame } from "./frames.js";
import { SECTOR } from "./disk.js";
import {
  copyPage,
  demandFault,
  DWP,
  entry,
  folioAny,
  frameOf,
  MAY,
  P,
  pageFrame,
  setSlot,
  SHR,
  slotOf,
  split,
  V,
  W,
} from "./pagetable.js";
import { SPACE, type Proc, type State, type Thread } from "./state.js";

export type Access =
  | { kind: "store"; byte: number }
  | { kind: "write"; src: Uint8Array }
  | { kind: "load"; dst: Uint8Array };

export function uaccess(st: State, tid: number, va: number, len: number, a: Access): number {
  const t = st.thread(tid);
  if (!t) return st.fail(Err.NO_THREAD);
  const p = st.procs[t.pid - 1];
  if (p.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
  if (len === 0 || (a.kind === "store" && a.byte > 255) || (a.kind !== "store" && len > STAGING_BYTES)) {
    return st.fail(Err.INVAL);
  }
  if (va + len > SPACE) return st.fail(Err.RANGE);
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
        f = pageFrame(s, vpn);
        st.tlb.fill(t.cpu, p.pid, vpn, f, (s.e & W) !== 0);
        break;
      }
      const r = write ? writeFault(st, t, p, vpn, off, n) : loadFault(st, p, vpn);
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

/** A load needs no W: only a missing frame faults (6.6 step 1). */
function loadFault(st: State, p: Proc, vpn: number): number {
  const s = slotOf(st, p, vpn);
  if (!(s.e & V)) return st.fail(Err.NOT_MAPPED);
  return demandFault(st, p, vpn);
}

/** 6.6 for a write of [off, off+n) in page vpn. Returns 0 to retry the access, or -Err. */
function writeFault(st: State, t: Thread, p: Proc, vpn: number, off: number, n: number): number {
  const s = slotOf(st, p, vpn);
  if (!(s.e & V)) return st.fail(Err.NOT_MAPPED);
  if (!(s.e & P)) return demandFault(st, p, vpn);
  if (!(s.e & MAY)) return st.fail(Err.RO);
  if (s.e & W) return 0;
  st.c[Counter.FAULTS]++;
  for (;;) {
    const s = slotOf(st, p, vpn);
    if (s.e & W) return 0; // (a split keeps the faulting PMD's read-only bit: not reached after one)
    const f = pageFrame(s, vpn);
    const fr = st.pool.frames[f];
    const head = frameOf(s.e);
    // Step 4: a protected page: an in-flight WP I/O pins it (whatever this entry's bits were at submit).
    if (s.huge ? folioAny(st, head, (x) => x.wp > 0) : fr.wp > 0) {
      const violation = overlapsPinned(fr, off, n);
      st.c[violation ? Counter.VIOLATIONS : Counter.FALSE_POSITIVES]++;
      const pinners = wpIosPinning(st, s.huge ? folioFrames(head) : new Set([f]));
      const policy = pinners[0].policy; // the policy the protecting I/O was submitted under
      const cowPolicy = policy === Policy.WP_COW || policy === Policy.WP_COW_DEGRADE;
      const shared = (s.e & SHR) !== 0;
      const wait = policy === Policy.WP_WAIT || (cowPolicy && shared);
      if (cowPolicy && shared) st.c[Counter.SHARED_WAITS]++;
      if (cowPolicy && !(p.flags & ProcFlag.WARNED)) {
        p.flags |= ProcFlag.WARNED;
        st.warn(p.pid, vpn * PAGE + off, pinners[0].id, violation ? WarnKind.VIOLATION : WarnKind.FALSE_POSITIVE);
      }
      if (policy === Policy.WP_COW_DEGRADE && !(p.flags & ProcFlag.DEGRADED)) {
        p.flags |= ProcFlag.DEGRADED;
        st.c[Counter.DEGRADED]++;
      }
      if (wait) {
        st.c[Counter.STALLS]++;
        for (const io of pinners) completeIo(st, io);
        return 0;
      }
      if (s.huge) {
        const r = split(st, p, vpn >>> 9, t.cpu);
        if (r < 0) return r;
        if (fr.wp === 0) continue; // the read-only PTE, not protected: steps 6-7, no second fault counted
      }
      return copyPage(st, p, vpn, t.cpu, false, true); // step 5
    }
    // Step 6: shared copy-on-write after fork. A huge PMD is exclusive only if all its frames are.
    if (!(s.e & SHR) && (s.huge ? folioAny(st, head, (x) => x.map > 1) : fr.map > 1)) {
      if (!s.huge) return copyPage(st, p, vpn, t.cpu, false, true);
      const r = split(st, p, vpn >>> 9, t.cpu);
      if (r < 0) return r;
      continue; // back to step 4 for the PTE, no second fault counted
    }
    // Step 7: write-notify on a shared entry, or reuse of an exclusive anonymous page.
    setSlot(st, p, vpn, entry(head, ((s.e & 0xfff) | W) & ~DWP));
    st.c[s.huge ? Counter.PMD_FLIPS : Counter.PTE_FLIPS]++;
    st.c[Counter.WP_REUSE]++;
    return 0;
  }
}

function folioFrames(head: number): Set<number> {
  return new Set(Array.from({ length: FOLIO }, (_, i) => head + i));
}

/** Does [off, off+n) overlap a sector of the frame that an in-flight I/O pins? */
function overlapsPinned(f: Frame, off: number, n: number): boolean {
  for (let k = Math.floor(off / SECTOR); k < Math.ceil((off + n) / SECTOR); k++) if (f.secpins[k] > 0) return true;
  return false;
}
