// The page fault handler (docs/model.md 6.6), in the kernel's shape, as
// assembly/fault.ts:
//
//   handleMmFault ─┬─ not present ───────────── doAnonymousPage, doHugePmdAnonymousPage  (step 1)
//                  └─ write, read-only entry ─── doHugePmdWpPage, doWpPage              (steps 2-7)
//                        ├─ protected for direct I/O: wpDioPage asks the policy: wait or copy (4)
//                        ├─ copy (COW, or unshare before a pin): wpPageCopy                 (5, 6)
//                        └─ exclusive page, or write-notify: wpPageReuse                    (7)
import { Counter, Err, FrameKind, WarnKind } from "../../assembly/abi.js";
import { completeDio } from "./dio.js";
import { FOLIO, folioProtected, folioShared, type Frame, mapGet, mapPut, PAGE, zeroFrame } from "./frames.js";
import { wpIoPinning } from "./io.js";
import { DWP, entry, frameOf, MAY, P, setSlot, SHR, slotOf, splitHugePmd, V, W } from "./pagetable.js";
import { caughtChange, wpFaultAction } from "./policy.js";
import type { Proc, State } from "./state.js";
import { flushTlbMmRange } from "./tlb.js";

/**
 * handle_mm_fault: an access of bytes [off, off+n) of page `vpn` by `p` on
 * `cpu` missed the TLB and the page table could not serve it (not present, or
 * a write to a read-only entry). 0: retry the access; or -Err.
 */
export function handleMmFault(st: State, p: Proc, cpu: number, vpn: number, off: number, n: number, write: boolean): number {
  const s = slotOf(st, p, vpn);
  if (!(s.e & V)) return st.fail(Err.NOT_MAPPED);
  if (!(s.e & P)) return s.huge ? doHugePmdAnonymousPage(st, p, vpn) : doAnonymousPage(st, p, vpn); // 6.6 step 1
  if (!write) return 0;
  return s.huge ? doHugePmdWpPage(st, p, cpu, vpn, off, n) : doWpPage(st, p, cpu, vpn, off, n, false);
}

/** 6.6 step 1, do_anonymous_page: the mapped, not present PTE for `vpn` gets a zeroed frame, W if MAY. */
export function doAnonymousPage(st: State, p: Proc, vpn: number): number {
  const s = slotOf(st, p, vpn);
  const f = st.pool.alloc4k(FrameKind.USER, 0);
  if (f < 0) return st.fail(Err.NOMEM, 1);
  zeroFrame(st, f);
  mapGet(st, f);
  setSlot(st, p, vpn, entry(f, (s.e & 0xfff) | P | (s.e & MAY ? W : 0)));
  st.c[Counter.DEMAND_FAULTS]++;
  return 0;
}

/** 6.6 step 1, do_huge_pmd_anonymous_page: the mapped, not present huge PMD for `vpn` gets a zeroed folio. */
export function doHugePmdAnonymousPage(st: State, p: Proc, vpn: number): number {
  const e = p.pmd[vpn >>> 9];
  const head = st.pool.allocHuge();
  if (head < 0) return st.fail(Err.NOMEM, FOLIO);
  for (let i = 0; i < FOLIO; i++) {
    zeroFrame(st, head + i);
    mapGet(st, head + i);
  }
  p.pmd[vpn >>> 9] = entry(head, (e & 0xfff) | P | (e & MAY ? W : 0));
  st.c[Counter.DEMAND_FAULTS]++;
  return 0;
}

/** do_huge_pmd_wp_page: a write to the present huge PMD mapping `vpn`. */
function doHugePmdWpPage(st: State, p: Proc, cpu: number, vpn: number, off: number, n: number): number {
  const pmd = p.pmd[vpn >>> 9];
  if (!(pmd & MAY)) return st.fail(Err.RO); // 6.6 step 2
  if (pmd & W) return 0;
  st.c[Counter.FAULTS]++; // 6.6 step 3
  const head = frameOf(pmd);
  const f = head + (vpn & 511);
  if (folioProtected(st, head)) {
    // 6.6 step 4, for the whole folio
    if (wpDioPage(st, p, vpn, off, n, f, pmd, head, FOLIO) !== "copy") return 0;
    const r = splitHugePmd(st, p, vpn >>> 9, cpu);
    if (r < 0) return r;
    // The split left this page read-only (the PMD was): if it is not
    // protected itself, it is handled as a PTE fault (reuse), without
    // counting another fault.
    if (st.pool.frames[f].wp === 0) return doWpPage(st, p, cpu, vpn, off, n, true);
    return wpPageCopy(st, p, vpn, cpu, false, true); // 6.6 step 5
  }
  // 6.6 step 6: a huge PMD is exclusive only if every frame of its folio is.
  if (!(pmd & SHR) && folioShared(st, head)) {
    const r = splitHugePmd(st, p, vpn >>> 9, cpu);
    if (r < 0) return r;
    return doWpPage(st, p, cpu, vpn, off, n, true);
  }
  wpPageReuse(st, p, vpn); // 6.6 step 7
  return 0;
}

/**
 * do_wp_page: a write to the present PTE mapping `vpn`. `counted`: the fault
 * was counted already (the PTE of a PMD just split for this write).
 */
function doWpPage(st: State, p: Proc, cpu: number, vpn: number, off: number, n: number, counted: boolean): number {
  const e = slotOf(st, p, vpn).e;
  if (!(e & MAY)) return st.fail(Err.RO); // 6.6 step 2
  if (e & W) return 0;
  if (!counted) st.c[Counter.FAULTS]++; // 6.6 step 3
  const f = frameOf(e);
  const fr = st.pool.frames[f];
  // 6.6 step 4. Protection is the frame's, not the entry's: an entry that was
  // read-only (shared after fork) when the I/O pinned the frame has no DWP.
  if (fr.wp > 0) {
    if (wpDioPage(st, p, vpn, off, n, f, e, f, 1) !== "copy") return 0;
    return wpPageCopy(st, p, vpn, cpu, false, true); // 6.6 step 5
  }
  // 6.6 step 6: shared copy-on-write after fork.
  if (!(e & SHR) && fr.map > 1) return wpPageCopy(st, p, vpn, cpu, false, true);
  wpPageReuse(st, p, vpn); // 6.6 step 7
  return 0;
}

/**
 * 6.6 step 4: a write to page `vpn` (entry `e`, frame `f`) that an in-flight
 * WP I/O protects (a frame of [f0, f0 + nf)). Counts it, lets the policy of the
 * lowest-id such I/O warn and degrade, and returns what it says: "wait" and
 * "shared-wait" have already waited (the protecting I/Os completed: retry);
 * "copy": the caller copies.
 */
function wpDioPage(st: State, p: Proc, vpn: number, off: number, n: number, f: number, e: number, f0: number, nf: number) {
  const hit = overlapsPinned(st.pool.frames[f], off, n);
  st.c[hit ? Counter.VIOLATIONS : Counter.FALSE_POSITIVES]++;
  let io = wpIoPinning(st, 1, f0, nf)!;
  caughtChange(st, io.policy, p, vpn * PAGE + off, io.id, hit ? WarnKind.VIOLATION : WarnKind.FALSE_POSITIVE);
  const action = wpFaultAction(io.policy, (e & SHR) !== 0);
  if (action === "copy") return action;
  if (action === "shared-wait") st.c[Counter.SHARED_WAITS]++;
  // Wait: every in-flight WP I/O pinning the frames completes, ascending id.
  st.c[Counter.STALLS]++;
  for (let next: typeof io | undefined = io; next; next = wpIoPinning(st, io.id + 1, f0, nf)) {
    io = next;
    completeDio(st, io);
  }
  return action;
}

/** Does [off, off+n) overlap a sector of the frame that an in-flight I/O pins? */
function overlapsPinned(f: Frame, off: number, n: number): boolean {
  for (let k = Math.floor(off / 512); k < Math.ceil((off + n) / 512); k++) if (f.secpins[k] > 0) return true;
  return false;
}

/**
 * 6.6 steps 5 and 6, wp_page_copy: the present PTE for `vpn` moves to a copy
 * of its frame, present, W if MAY and `mkwrite`, without DWP. The old frame
 * loses the mapping (an in-flight I/O keeps its pin and the original bytes).
 * One shootdown of the page from `cpu`. Counted as a COW copy, or as an
 * unshare copy when a pin unshares the page (6.7 step 2: a WRITE's unshare
 * copy is read-only, FAULT_FLAG_UNSHARE).
 */
export function wpPageCopy(st: State, p: Proc, vpn: number, cpu: number, unshare: boolean, mkwrite: boolean): number {
  const s = slotOf(st, p, vpn);
  const old = frameOf(s.e);
  const nf = st.pool.alloc4k(FrameKind.USER, 0);
  if (nf < 0) return st.fail(Err.NOMEM, 1);
  st.pool.frames[nf].bytes.set(st.pool.frames[old].bytes);
  mapGet(st, nf);
  const bits = (s.e & (V | MAY | SHR)) | P | (mkwrite && s.e & MAY ? W : 0);
  setSlot(st, p, vpn, entry(nf, bits));
  mapPut(st, old);
  if (unshare) {
    st.c[Counter.UNSHARE_COPIES]++;
    st.c[Counter.BYTES_UNSHARE] += PAGE;
  } else {
    st.c[Counter.COW_COPIES]++;
    st.c[Counter.BYTES_COW] += PAGE;
  }
  st.c[Counter.BYTES_COPIED] += PAGE;
  st.c[Counter.PTE_FLIPS]++;
  flushTlbMmRange(st, p.pid, cpu, vpn, 1);
  return 0;
}

/**
 * 6.6 step 7, wp_page_reuse: an exclusive anonymous page (PageAnonExclusive),
 * or a shared entry left read-only (write-notify), becomes writable in place
 * (a huge PMD whole). No flush (ptep_set_access_flags on x86): the fault
 * dropped the faulting CPU's entry. An entry that still has DWP was
 * write-protected for an I/O that has completed and left so (a lazy restore).
 */
function wpPageReuse(st: State, p: Proc, vpn: number): void {
  const s = slotOf(st, p, vpn);
  setSlot(st, p, vpn, entry(frameOf(s.e), ((s.e & 0xfff) | W) & ~DWP));
  st.c[s.huge ? Counter.PMD_FLIPS : Counter.PTE_FLIPS]++;
  st.c[Counter.WP_REUSE]++;
  if (s.e & DWP) st.c[Counter.RESTORE_FAULTS]++;
}
