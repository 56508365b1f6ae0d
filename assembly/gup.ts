// get_user_pages for direct I/O (docs/model.md 6.7 steps 1-3, 6.10 step 4):
// fault the buffer's pages in, unshare the ones a fork left shared, pin them
// (pin_user_pages), and unpin them at completion (unpin_user_pages). Each
// step runs over every page, ascending, before the next one starts.
import { Counter, Op } from "./abi";
import { count } from "./counters";
import { doAnonymousPage, doHugePmdAnonymousPage, handleMmFault, wpPageCopy } from "./fault";
import { folioProtected, folioShared, mapcount, pinGet, pinPut, secpin, wpcount } from "./frames";
import { simAlloc4k, simAllocHuge } from "./alloc";
import {
  ioEnd, ioFirst, ioPid, recFrame, recLen, recOff, recVpn, setIoFramesRun, setIoShared, setRecFrame,
} from "./io";
import { NIL } from "./layout";
import { HUG, P, SHR, W, entryAddr, frameOf, pageFrame, pmdAddr, splitHugePmd } from "./pagetable";

/** Would pinning the present entry `e` (frame `f`) unshare it first? */
@inline function unsharesToPin(e: u32, f: u32): bool {
  return !(e & SHR) && mapcount(f) > 1;
}

/** A private huge PMD whose folio is not exclusive is split before a pin (a THP is exclusive only whole). */
@inline function splitsToPin(e: u32): bool {
  return (e & HUG) != 0 && (e & P) != 0 && (e & SHR) == 0 && folioShared(frameOf(e));
}

/**
 * The BUSY check of 6.7: would the pin of [va, va+len) take a sector's pin
 * count past 255 on a present page that keeps its frame?
 */
@inline export function pinWouldOverflow(pid: u32, va: u32, len: u32): bool {
  let v0 = va >>> 12, v1 = (va + len - 1) >>> 12;
  for (let v = v0; v <= v1; v++) {
    let e = load<u32>(entryAddr(pid, v));
    if (!(e & P)) continue;
    let f = pageFrame(e, v);
    if (unsharesToPin(e, f)) continue;
    let off = v == v0 ? va & 4095 : 0;
    let end = v == v1 ? ((va + len - 1) & 4095) + 1 : 4096;
    for (let s = off >>> 9; s < (end >>> 9); s++) if (secpin(f, s) == 255) return true;
  }
  return false;
}

/** The NOMEM check's share of 6.7 steps 1-2, on counts: demand faults, then (pinning) splits and unshare copies. */
@inline export function simGup(pid: u32, v0: u32, v1: u32, pinning: bool): void {
  let lastPmd: u32 = NIL;
  for (let v = v0; v <= v1; v++) {
    let pmd = load<u32>(pmdAddr(pid, v));
    if (pmd & HUG) {
      if (!(pmd & P) && (v >>> 9) != lastPmd) simAllocHuge();
      lastPmd = v >>> 9;
    } else if (!(load<u32>(entryAddr(pid, v)) & P)) simAlloc4k();
  }
  if (!pinning) return;
  lastPmd = NIL;
  for (let v = v0; v <= v1; v++) {
    let e = load<u32>(entryAddr(pid, v));
    if (!(e & P)) continue; // demand-faulted just now: exclusive
    if (splitsToPin(e) && (v >>> 9) != lastPmd) { simAlloc4k(); lastPmd = v >>> 9; }
    if (unsharesToPin(e, pageFrame(e, v))) simAlloc4k();
  }
}

/** Is page `v` of `pid` present and read-only because an in-flight WP I/O protects its frame (a huge PMD: its folio)? */
@inline function protectedForIo(pid: u32, v: u32): bool {
  let e = load<u32>(entryAddr(pid, v));
  if ((e & (P | W)) != P) return false;
  return (e & HUG) ? folioProtected(frameOf(e)) : wpcount(frameOf(e)) > 0;
}

/**
 * 6.7 step 0 (READ): a direct read pins with FOLL_WRITE, so GUP takes a write
 * fault (faultin_page with FAULT_FLAG_WRITE) on each present page of [va,
 * va+len) that an in-flight WP I/O write-protects: the fault handler's 6.6
 * step 4, for the read's bytes of the page, copies it (the read pins the
 * copy, the protected frame stays with the I/O) or waits for the I/O.
 * GUP_WRITE_FAULTS++ each. 0, or -Err of a fault that failed (NOMEM): the
 * faults before it stay, as a store's do.
 */
export function faultinProtectedPages(pid: u32, cpu: u32, va: u32, len: u32): i32 {
  let v0 = va >>> 12, v1 = (va + len - 1) >>> 12;
  for (let v = v0; v <= v1; v++) {
    let off = v == v0 ? va & 4095 : 0;
    let end = v == v1 ? ((va + len - 1) & 4095) + 1 : 4096;
    for (let tries = 0; protectedForIo(pid, v); tries++) {
      // A copy or a wait leaves the page unprotected; a split, then the PTE's own fault.
      if (tries == 2) abort("GUP fault loop: the fault handler made no progress");
      count(Counter.GUP_WRITE_FAULTS);
      let r = handleMmFault(pid, cpu, v, off, end - off, true);
      if (r < 0) return r;
    }
  }
  return 0;
}

/** 6.7 step 1 (faultin_page): every page of [v0, v1] not present is demand-faulted (the NOMEM check kept the frames). */
@inline export function faultinPages(pid: u32, v0: u32, v1: u32): void {
  for (let v = v0; v <= v1; v++) {
    let pa = pmdAddr(pid, v);
    let ok = true;
    if (load<u32>(pa) & HUG) {
      if (!(load<u32>(pa) & P)) ok = doHugePmdAnonymousPage(pa);
    } else {
      let ea = entryAddr(pid, v);
      if (!(load<u32>(ea) & P)) ok = doAnonymousPage(ea);
    }
    assert(ok);
  }
}

/**
 * 6.7 step 2: a page a fork left shared is copied before it is pinned (GUP's
 * FAULT_FLAG_UNSHARE), a private THP whose folio is not exclusive split first.
 * A READ pins with FOLL_WRITE (a write fault: the copy is writable); a WRITE
 * unshares (the copy stays read-only, MAY kept).
 */
@inline export function unsharePages(pid: u32, cpu: u32, op: u32, v0: u32, v1: u32): void {
  for (let v = v0; v <= v1; v++) {
    if (splitsToPin(load<u32>(pmdAddr(pid, v)))) {
      let ok = splitHugePmd(pid, v >>> 9, cpu);
      assert(ok);
    }
    let ea = entryAddr(pid, v);
    let e = load<u32>(ea);
    if (e & HUG) continue;
    if (unsharesToPin(e, frameOf(e))) {
      let ok = wpPageCopy(pid, cpu, v, ea, true, op == Op.READ);
      assert(ok);
    }
  }
}

/**
 * 6.7 step 3, pin_user_pages: each page record pins the frame its page maps
 * now. The I/O notes whether one of the pages is MAP_SHARED (its write-protect
 * then looks for the other processes that map it) and whether its frames are
 * one run f, f+1, ... (their protect counts then change four at a time).
 */
@inline export function pinUserPages(r: usize): void {
  let pid = ioPid(r);
  let seen: u32 = 0;
  let run = true;
  let prev: u32 = NIL;
  for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) {
    let v = recVpn(i), off = recOff(i);
    let e = load<u32>(entryAddr(pid, v));
    let f = pageFrame(e, v);
    seen |= e;
    if (prev != NIL && f != prev + 1) run = false;
    prev = f;
    pinGet(f, off >>> 9, (off + recLen(i)) >>> 9);
    setRecFrame(i, f);
    count(Counter.PINS);
  }
  if (seen & SHR) setIoShared(r);
  if (run) setIoFramesRun(r);
}

/** 6.10 step 4, unpin_user_pages: each pinned frame loses the pin (freed if that was its last reference). */
@inline export function unpinUserPages(r: usize): void {
  for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) {
    let f = recFrame(i);
    if (f == NIL) continue;
    let off = recOff(i);
    pinPut(f, off >>> 9, (off + recLen(i)) >>> 9);
    count(Counter.UNPINS);
  }
}
