// get_user_pages for direct I/O (docs/model.md 6.7 steps 1-3, 6.10 step 4),
// as assembly/gup.ts: fault the buffer's pages in, unshare the ones a fork
// left shared, pin them (pin_user_pages), and unpin them at completion
// (unpin_user_pages). Each step runs over every page, ascending, before the
// next one starts.
import { Counter, Op } from "../../assembly/abi.js";
import type { Alloc } from "./alloc.js";
import { doAnonymousPage, doHugePmdAnonymousPage, handleMmFault, wpPageCopy } from "./fault.js";
import { folioProtected, folioShared, pinGet, pinPut } from "./frames.js";
import type { Io } from "./io.js";
import { frameOf, P, pageFrame, SHR, slotOf, splitHugePmd, W, type Slot } from "./pagetable.js";
import type { Proc, State } from "./state.js";

/** Sectors [a, b) of a frame that the byte range [off, off+n) covers. */
export function sectorsOf(off: number, n: number): [number, number] {
  return [Math.floor(off / 512), Math.ceil((off + n) / 512)];
}

/** Would pinning the present page `vpn` (slot `s`) unshare it first? */
function unsharesToPin(st: State, s: Slot, vpn: number): boolean {
  return !(s.e & SHR) && st.pool.frames[pageFrame(s, vpn)].map > 1;
}

/** A private huge PMD whose folio is not exclusive is split before a pin (a THP is exclusive only whole). */
function splitsToPin(st: State, s: Slot): boolean {
  return s.huge && (s.e & P) !== 0 && !(s.e & SHR) && folioShared(st, frameOf(s.e));
}

/**
 * The BUSY check of 6.7: would the pin of [va, va+len) take a sector's pin
 * count past 255 on a present page that keeps its frame?
 */
export function pinWouldOverflow(st: State, p: Proc, va: number, len: number): boolean {
  for (let vpn = Math.floor(va / 4096), pos = 0; pos < len; vpn++) {
    const off = pos === 0 ? va % 4096 : 0;
    const n = Math.min(4096 - off, len - pos);
    pos += n;
    const s = slotOf(st, p, vpn);
    if (!(s.e & P) || unsharesToPin(st, s, vpn)) continue;
    const f = st.pool.frames[pageFrame(s, vpn)];
    const [a, b] = sectorsOf(off, n);
    for (let k = a; k < b; k++) if (f.secpins[k] === 255) return true;
  }
  return false;
}

/** The NOMEM check's share of 6.7 steps 1-2, on counts: demand faults, then (pinning) splits and unshare copies. */
export function simGup(st: State, p: Proc, v0: number, v1: number, pinning: boolean, need: Alloc[]): void {
  const faulted = new Set<number>();
  for (let vpn = v0; vpn <= v1; vpn++) {
    const s = slotOf(st, p, vpn);
    if (s.e & P) continue;
    if (!s.huge) need.push("4k");
    else if (!faulted.has(vpn >>> 9)) {
      faulted.add(vpn >>> 9);
      need.push("huge");
    }
  }
  if (!pinning) return;
  const split = new Set<number>();
  for (let vpn = v0; vpn <= v1; vpn++) {
    const s = slotOf(st, p, vpn);
    if (!(s.e & P)) continue; // demand-faulted just now: exclusive
    if (splitsToPin(st, s) && !split.has(vpn >>> 9)) {
      split.add(vpn >>> 9);
      need.push("4k");
    }
    if (unsharesToPin(st, s, vpn)) need.push("4k");
  }
}

/** Is page `vpn` present and read-only because an in-flight WP I/O protects its frame (a huge PMD: its folio)? */
function protectedForIo(st: State, p: Proc, vpn: number): boolean {
  const s = slotOf(st, p, vpn);
  if ((s.e & (P | W)) !== P) return false;
  return s.huge ? folioProtected(st, frameOf(s.e)) : st.pool.frames[frameOf(s.e)].wp > 0;
}

/**
 * 6.7 step 0 (READ): a direct read pins with FOLL_WRITE, so GUP takes a write
 * fault (faultin_page with FAULT_FLAG_WRITE) on each present page of the buffer
 * that an in-flight WP I/O write-protects: the fault handler's 6.6 step 4, for
 * the read's bytes of the page, copies it (the read pins the copy) or waits.
 * GUP_WRITE_FAULTS++ each. 0, or -Err of a fault that failed (NOMEM): the
 * faults before it stay, as a store's do.
 */
export function faultinProtectedPages(st: State, p: Proc, cpu: number, va: number, len: number): number {
  for (let vpn = Math.floor(va / 4096), pos = 0; pos < len; vpn++) {
    const off = pos === 0 ? va % 4096 : 0;
    const n = Math.min(4096 - off, len - pos);
    pos += n;
    for (let tries = 0; protectedForIo(st, p, vpn); tries++) {
      if (tries === 2) throw new Error("GUP fault loop: the fault handler made no progress");
      st.c[Counter.GUP_WRITE_FAULTS]++;
      const r = handleMmFault(st, p, cpu, vpn, off, n, true);
      if (r < 0) return r;
    }
  }
  return 0;
}

/** 6.7 step 1 (faultin_page): every page of [v0, v1] not present is demand-faulted (the NOMEM check kept the frames). */
export function faultinPages(st: State, p: Proc, v0: number, v1: number): void {
  for (let vpn = v0; vpn <= v1; vpn++) {
    const s = slotOf(st, p, vpn);
    if (!(s.e & P)) (s.huge ? doHugePmdAnonymousPage : doAnonymousPage)(st, p, vpn);
  }
}

/**
 * 6.7 step 2: a page a fork left shared is copied before it is pinned (GUP's
 * FAULT_FLAG_UNSHARE), a private THP whose folio is not exclusive split first.
 * A READ pins with FOLL_WRITE (a write fault: the copy is writable); a WRITE
 * unshares (the copy stays read-only, MAY kept).
 */
export function unsharePages(st: State, p: Proc, cpu: number, op: number, v0: number, v1: number): void {
  for (let vpn = v0; vpn <= v1; vpn++) {
    if (splitsToPin(st, slotOf(st, p, vpn))) splitHugePmd(st, p, vpn >>> 9, cpu);
    const s = slotOf(st, p, vpn);
    if (!s.huge && unsharesToPin(st, s, vpn)) wpPageCopy(st, p, vpn, cpu, true, op === Op.READ);
  }
}

/**
 * 6.7 step 3, pin_user_pages: each page record pins the frame its page maps
 * now. The I/O notes whether one of the pages is MAP_SHARED (its write-protect
 * then looks for the other processes that map it).
 */
export function pinUserPages(st: State, io: Io): void {
  const p = st.procs[io.pid - 1];
  for (const r of io.pages) {
    const s = slotOf(st, p, r.vpn);
    if (s.e & SHR) io.shared = true;
    r.frame = pageFrame(s, r.vpn);
    const [a, b] = sectorsOf(r.off, r.len);
    pinGet(st, r.frame, a, b);
    st.c[Counter.PINS]++;
  }
}

/** 6.10 step 4, unpin_user_pages: each pinned frame loses the pin (freed if that was its last reference). */
export function unpinUserPages(st: State, io: Io): void {
  for (const r of io.pages) {
    if (r.frame < 0) continue;
    const [a, b] = sectorsOf(r.off, r.len);
    pinPut(st, r.frame, a, b);
    st.c[Counter.UNPINS]++;
  }
}
