// The page fault handler (docs/model.md 6.6), in the kernel's shape:
//
//   handleMmFault ─┬─ not present ───────────── doAnonymousPage, doHugePmdAnonymousPage  (step 1)
//                  └─ write, read-only entry ─── doHugePmdWpPage, doWpPage              (steps 2-7)
//                        ├─ protected for direct I/O: wpDioPage asks the policy: wait or copy (4)
//                        ├─ copy (COW, or unshare before a pin): wpPageCopy                 (5, 6)
//                        └─ exclusive page, or write-notify: wpPageReuse                    (7)
import { Counter, Err, FrameKind, WarnKind } from "./abi";
import { count, countN } from "./counters";
import { completeDio } from "./dio";
import { alloc4k, allocHuge } from "./alloc";
import {
  copyFrame, folioProtected, folioShared, frameAddr, mapGet, mapPut, mapcount, secpins, wpcount, zeroFrame,
} from "./frames";
import { ioPolicy, ioRec, wpIoPinning } from "./io";
import { NIL, PMD_PAGES, setDetail } from "./layout";
import { DWP, FLAGS, HUG, MAY, P, SHR, TBL, V, W, entry, frameOf, pmdAddr, pteAddr, splitHugePmd } from "./pagetable";
import { COPY_PAGE, SHARED_WAIT, WAIT, caughtChange, wpFaultAction } from "./policy";
import { flushTlbMmRange } from "./tlb";

function nomem(frames: u32): i32 {
  setDetail(<f64>frames);
  return -Err.NOMEM;
}

/**
 * handle_mm_fault: an access of bytes [off, off+n) of page `vpn` by `pid` on
 * `cpu` missed the TLB and the page table could not serve it (not present, or
 * a write to a read-only entry). 0: retry the access; or -Err.
 */
export function handleMmFault(pid: u32, cpu: u32, vpn: u32, off: u32, n: u32, write: bool): i32 {
  let pa = pmdAddr(pid, vpn);
  let pmd = load<u32>(pa);
  if (pmd & HUG) {
    // 6.6 step 1
    if (!(pmd & P)) return doHugePmdAnonymousPage(pa) ? 0 : nomem(PMD_PAGES);
    return write ? doHugePmdWpPage(pid, cpu, vpn, off, n) : 0;
  }
  if (!(pmd & TBL)) return -Err.NOT_MAPPED;
  let ea = pteAddr(pmd, vpn);
  let e = load<u32>(ea);
  if (!(e & V)) return -Err.NOT_MAPPED;
  if (!(e & P)) return doAnonymousPage(ea) ? 0 : nomem(1); // 6.6 step 1
  return write ? doWpPage(pid, cpu, vpn, off, n, false) : 0;
}

/** 6.6 step 1, do_anonymous_page: the mapped, not present PTE at `ea` gets a zeroed frame, W if MAY. */
export function doAnonymousPage(ea: usize): bool {
  let e = load<u32>(ea);
  assert((e & V) && !(e & P));
  let f = alloc4k(FrameKind.USER, 0);
  if (f == NIL) return false;
  zeroFrame(f);
  mapGet(f);
  store<u32>(ea, entry(f, (e & FLAGS) | P | ((e & MAY) ? W : 0)));
  count(Counter.DEMAND_FAULTS);
  return true;
}

/** 6.6 step 1, do_huge_pmd_anonymous_page: the mapped, not present huge PMD at `pa` gets a zeroed folio. */
export function doHugePmdAnonymousPage(pa: usize): bool {
  let e = load<u32>(pa);
  assert((e & HUG) && !(e & P));
  let h = allocHuge();
  if (h == NIL) return false;
  memory.fill(frameAddr(h), 0, <usize>PMD_PAGES << 12);
  for (let i: u32 = 0; i < PMD_PAGES; i++) mapGet(h + i);
  store<u32>(pa, entry(h, (e & FLAGS) | P | ((e & MAY) ? W : 0)));
  count(Counter.DEMAND_FAULTS);
  return true;
}

/** do_huge_pmd_wp_page: a write to the present huge PMD mapping `vpn`. */
function doHugePmdWpPage(pid: u32, cpu: u32, vpn: u32, off: u32, n: u32): i32 {
  let pa = pmdAddr(pid, vpn);
  let pmd = load<u32>(pa);
  if (!(pmd & MAY)) return -Err.RO; // 6.6 step 2
  if (pmd & W) return 0;
  count(Counter.FAULTS); // 6.6 step 3
  let head = frameOf(pmd);
  let f = head + (vpn & 511);
  if (folioProtected(head)) {
    // 6.6 step 4, for the whole folio
    if (wpDioPage(pid, vpn, off, n, f, pmd, head, PMD_PAGES) != COPY_PAGE) return 0;
    if (!splitHugePmd(pid, vpn >>> 9, cpu)) return nomem(1);
    // The split left this page read-only (the PMD was): if it is not
    // protected itself, it is handled as a PTE fault (reuse), without
    // counting another fault.
    if (wpcount(f) == 0) return doWpPage(pid, cpu, vpn, off, n, true);
    let ea = pteAddr(load<u32>(pa), vpn);
    return wpPageCopy(pid, cpu, vpn, ea, false, true) ? 0 : nomem(1); // 6.6 step 5
  }
  // 6.6 step 6: a huge PMD is exclusive only if every frame of its folio is.
  if (!(pmd & SHR) && folioShared(head)) {
    if (!splitHugePmd(pid, vpn >>> 9, cpu)) return nomem(1);
    return doWpPage(pid, cpu, vpn, off, n, true);
  }
  wpPageReuse(pa, true); // 6.6 step 7
  return 0;
}

/**
 * do_wp_page: a write to the present PTE mapping `vpn`. `counted`: the fault
 * was counted already (the PTE of a PMD just split for this write).
 */
function doWpPage(pid: u32, cpu: u32, vpn: u32, off: u32, n: u32, counted: bool): i32 {
  let ea = pteAddr(load<u32>(pmdAddr(pid, vpn)), vpn);
  let e = load<u32>(ea);
  if (!(e & MAY)) return -Err.RO; // 6.6 step 2
  if (e & W) return 0;
  if (!counted) count(Counter.FAULTS); // 6.6 step 3
  let f = frameOf(e);
  // 6.6 step 4. Protection is the frame's, not the entry's: an entry that was
  // read-only (shared after fork) when the I/O pinned the frame has no DWP.
  if (wpcount(f) > 0) {
    if (wpDioPage(pid, vpn, off, n, f, e, f, 1) != COPY_PAGE) return 0;
    return wpPageCopy(pid, cpu, vpn, ea, false, true) ? 0 : nomem(1); // 6.6 step 5
  }
  // 6.6 step 6: shared copy-on-write after fork.
  if (!(e & SHR) && mapcount(f) > 1) return wpPageCopy(pid, cpu, vpn, ea, false, true) ? 0 : nomem(1);
  wpPageReuse(ea, false); // 6.6 step 7
  return 0;
}

/**
 * 6.6 step 4: a write to page `vpn` (entry `e`, frame `f`) that an in-flight
 * WP I/O protects (a frame of [f0, f0 + nf)). Counts it, lets the policy of the
 * lowest-id such I/O warn and degrade, and returns what it says: WAIT and
 * SHARED_WAIT have already waited (the protecting I/Os completed: retry);
 * COPY_PAGE: the caller copies.
 */
function wpDioPage(pid: u32, vpn: u32, off: u32, n: u32, f: u32, e: u32, f0: u32, nf: u32): u32 {
  let hit = overlapsPinned(f, off, n);
  count(hit ? Counter.VIOLATIONS : Counter.FALSE_POSITIVES);
  let id = wpIoPinning(1, f0, nf);
  assert(id != 0);
  let policy = ioPolicy(ioRec(id));
  caughtChange(policy, pid, (vpn << 12) | off, id, hit ? WarnKind.VIOLATION : WarnKind.FALSE_POSITIVE);
  let action = wpFaultAction(policy, (e & SHR) != 0);
  if (action == COPY_PAGE) return action;
  if (action == SHARED_WAIT) count(Counter.SHARED_WAITS);
  assert(action == WAIT || action == SHARED_WAIT);
  // Wait: every in-flight WP I/O pinning the frames completes, ascending id.
  count(Counter.STALLS);
  for (; id != 0; id = wpIoPinning(id + 1, f0, nf)) completeDio(ioRec(id));
  return action;
}

/** Does the access [off, off+n) touch a sector of `f` that an in-flight buffer covers? */
function overlapsPinned(f: u32, off: u32, n: u32): bool {
  let pins = secpins(f);
  for (let s = off >>> 9; s <= (off + n - 1) >>> 9; s++) {
    if ((pins >> (<u64>s << 3)) & 0xFF) return true;
  }
  return false;
}

/**
 * 6.6 steps 5 and 6, wp_page_copy: the present PTE at `ea` for `vpn` moves to
 * a copy of its frame, without DWP, W if MAY and `mkwrite`; the old frame
 * loses the mapping (an in-flight I/O keeps its pin and the original bytes).
 * One shootdown of the page from `cpu`. Counted as a COW copy, or as an
 * unshare copy when a pin unshares the page (6.7 step 2: a WRITE pins without
 * FOLL_WRITE, and wp_page_copy maps an unshare copy read-only). False if no frame.
 */
export function wpPageCopy(pid: u32, cpu: u32, vpn: u32, ea: usize, unshare: bool, mkwrite: bool): bool {
  let e = load<u32>(ea);
  assert((e & P) && !(e & HUG));
  let f = frameOf(e);
  let c = alloc4k(FrameKind.USER, 0);
  if (c == NIL) return false;
  copyFrame(c, f);
  mapGet(c);
  store<u32>(ea, entry(c, (e & FLAGS & ~(DWP | W)) | (mkwrite && (e & MAY) ? W : 0)));
  mapPut(f);
  if (unshare) {
    count(Counter.UNSHARE_COPIES);
    countN(Counter.BYTES_UNSHARE, 4096);
  } else {
    count(Counter.COW_COPIES);
    countN(Counter.BYTES_COW, 4096);
  }
  countN(Counter.BYTES_COPIED, 4096);
  count(Counter.PTE_FLIPS);
  flushTlbMmRange(pid, cpu, vpn, 1);
  return true;
}

/**
 * 6.6 step 7, wp_page_reuse: an exclusive anonymous page (PageAnonExclusive),
 * or a shared entry left read-only (write-notify), becomes writable in place.
 * No flush (ptep_set_access_flags on x86): the fault dropped the faulting
 * CPU's entry, and another CPU's stale read-only entry takes a spurious fault.
 * An entry that still has DWP was write-protected for an I/O that has
 * completed since and was left so (a lazy restore): counted apart.
 */
function wpPageReuse(ea: usize, huge: bool): void {
  let e = load<u32>(ea);
  store<u32>(ea, (e | W) & ~DWP);
  count(huge ? Counter.PMD_FLIPS : Counter.PTE_FLIPS);
  count(Counter.WP_REUSE);
  if (e & DWP) count(Counter.RESTORE_FAULTS);
}
