// The write-protect of an I/O's pages at submit and their restore at
// completion (docs/model.md 6.7 step 4, 6.10 step 3), with their bookkeeping:
// a protect count per frame (wpcount), canWrite per page, and the other
// processes that map a MAP_SHARED page at the same address (a fork of the
// submitter); the mappings at other addresses (sd_map_alias) are the rmap
// walk's (rmap.ts), as folio_mkclean's. The flips themselves are
// change_protection's (mprotect.ts); one shootdown per process that changed.
// The implementation choices (docs/model.md section 12) act here: a
// write-protect in GUP's walk takes no walk of its own (WP_WALK), a lazy
// restore leaves the entries read-only (WP_RESTORE).
import { Counter } from "./abi";
import { cfgWpFused, cfgWpLazy } from "./config";
import { count } from "./counters";
import { wpGetList, wpPutList } from "./frames";
import {
  ioCpu, ioEnd, ioFirst, ioFrames, ioFramesRun, ioNpages, ioPid, ioShared, ioV0, ioV1, recFrame, recVpn,
} from "./io";
import { NIL } from "./layout";
import { NO_CHANGE, changeJoin, changeProtection, flushChange } from "./mprotect";
import {
  DWP, HUG, MAY, P, SHR, TBL, W, canWrite, canWritePmd, entryAddr, frameOf, pageFrame, pmdAddr, pteAddr,
} from "./pagetable";
import { procAlive, procCount } from "./proc";
import { aliasCount, rmapWalk } from "./rmap";

/**
 * 6.7 step 4: every page's frame gets wpcount++, every writable entry of the
 * buffer loses W and gains DWP (a huge PMD once), one shootdown over what
 * changed; then the sharers of a MAP_SHARED buffer.
 */
@inline export function protectIo(r: usize): void {
  let pid = ioPid(r);
  wpGetList(ioFrames(r), ioNpages(r), ioFramesRun(r));
  if (!cfgWpFused) count(Counter.WP_WALKS); // a walk of its own; fused, GUP's walk flips the entries as it pins
  flushChange(pid, ioCpu(r), changeProtection(pid, ioV0(r), ioV1(r), DWP));
  if (ioShared(r)) {
    protectSharers(r); // pinUserPages saw a MAP_SHARED page
    if (aliasCount) rmapWalk(r, false); // and its frames' mappings at other addresses
  }
}

/**
 * 6.10 step 3: every page's frame gets wpcount--; then, if the submitter is
 * alive, its entries that still map the pinned frame, have DWP and pass
 * canWrite get W back, one shootdown; then the sharers, if a page is
 * MAP_SHARED or the submitter has exited (its table is gone: look regardless).
 * A lazy restore (WP_RESTORE) stops after wpcount--: the entries stay
 * read-only, and the next store to each takes a write fault that reuses the
 * page (fault.ts wpPageReuse counts it in RESTORE_FAULTS).
 */
@inline export function restoreIo(r: usize): void {
  let pid = ioPid(r);
  let alive = procAlive(pid);
  let clear = wpPutList(ioFrames(r), ioNpages(r), ioFramesRun(r));
  if (cfgWpLazy) return;
  if (alive) {
    count(Counter.WP_WALKS);
    if (!restoreIn(pid, r, clear)) return;
  }
  for (let q: u32 = 1; q <= procCount; q++) {
    if (q == pid || !procAlive(q)) continue;
    if (mapsPinned(q, r)) count(Counter.WP_WALKS); // the rmap finds this mapping
    restoreIn(q, r, clear);
  }
  if (aliasCount && ioShared(r)) rmapWalk(r, true);
}

/** Does `q` map one of I/O `r`'s pinned frames at its page (present)? The rmap walk would visit it. */
function mapsPinned(q: u32, r: usize): bool {
  for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) {
    let v = recVpn(i);
    let ea = entryAddr(q, v);
    if (!ea) continue;
    let e = load<u32>(ea);
    if ((e & P) && pageFrame(e, v) == recFrame(i)) return true;
  }
  return false;
}

/**
 * The sharers of 6.7 step 4: each other live process, ascending pid, whose
 * entry for a page of the buffer is present, MAP_SHARED, writable and maps
 * the pinned frame gets the same change, and one shootdown of its own.
 */
function protectSharers(r: usize): void {
  let pid = ioPid(r), cpu = ioCpu(r);
  for (let q: u32 = 1; q <= procCount; q++) {
    if (q == pid || !procAlive(q)) continue;
    let c = NO_CHANGE;
    let found = false; // the rmap finds a mapping of a pinned frame here: a walk of its own
    for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) {
      let v = recVpn(i);
      let ea = entryAddr(q, v);
      if (!ea) continue;
      let e = load<u32>(ea);
      if (!(e & P) || pageFrame(e, v) != recFrame(i)) continue;
      found = true;
      if (!(e & SHR) || !(e & W)) continue;
      c = changeJoin(c, changeProtection(q, v, v, DWP)); // a huge PMD once: then it has no W
    }
    if (found) count(Counter.WP_WALKS);
    flushChange(q, cpu, c);
  }
}

/**
 * The restore of 6.10 step 3 in `q`'s table, after wpcount--: entries that
 * still map the pinned frame, have DWP and pass canWrite get W back, each run
 * of such pages in one change_protection, one shootdown for all. `clear`:
 * every frame of the I/O is now unprotected and mapped once (wpPutList), so
 * canWrite of an entry mapping one of them is its MAY, and a PMD the I/O
 * covers whole needs no look at its 512 frames. Returns whether any of the
 * entries is MAP_SHARED.
 */
function restoreIn(q: u32, r: usize, clear: bool): bool {
  let seen: u32 = 0; // every entry ORed: SHR if one is MAP_SHARED
  let c = NO_CHANGE;
  let run: u32 = NIL; // the first page of the run of restorable pages so far
  let frames = ioFrames(r), n = ioNpages(r), v0 = ioV0(r);
  let k: u32 = 0;
  while (k < n) {
    // The I/O's pages under one PMD entry: records [k, j) of the I/O, pages [v, v + j - k).
    let v = v0 + k;
    let j = min(n, k + 512 - (v & 511));
    let pmd = load<u32>(pmdAddr(q, v));
    if (pmd & HUG) {
      seen |= pmd;
      let ok = (pmd & (P | DWP)) == (P | DWP) && pageFrame(pmd, v) == load<u32>(frames + (<usize>k << 2));
      if (!ASC_NO_ASSERT) assert(!ok || pageFrame(pmd, v0 + j - 1) == load<u32>(frames + (<usize>(j - 1) << 2)));
      if (ok) ok = clear && j - k == 512 ? (pmd & MAY) != 0 : canWritePmd(pmd);
      if (ok && run == NIL) run = v;
      if (!ok && run != NIL) { c = changeJoin(c, changeProtection(q, run, v - 1, W)); run = NIL; }
    } else if (pmd & TBL) {
      let a = pteAddr(pmd, v) - (<usize>k << 2); // the PTE of record kk is at a + 4 kk
      let kk = k;
      if (ASC_FEATURE_SIMD && clear) {
        // Four restorable pages at a time while they extend (or start) the run.
        let want = i32x4.splat(P | DWP | MAY);
        let seen4 = i32x4.splat(0);
        for (; kk + 4 <= j; kk += 4) {
          let e4 = v128.load(a + (<usize>kk << 2));
          let f4 = v128.load(frames + (<usize>kk << 2));
          seen4 = v128.or(seen4, e4);
          if (!i32x4.all_true(v128.and(i32x4.eq(v128.and(e4, want), want), i32x4.eq(i32x4.shr_u(e4, 12), f4)))) break;
          if (run == NIL) run = v0 + kk;
        }
        seen |= i32x4.extract_lane(seen4, 0) | i32x4.extract_lane(seen4, 1) | i32x4.extract_lane(seen4, 2) | i32x4.extract_lane(seen4, 3);
      }
      for (; kk < j; kk++) {
        let e = load<u32>(a + (<usize>kk << 2));
        let f = load<u32>(frames + (<usize>kk << 2));
        seen |= e;
        let ok = (e & (P | DWP)) == (P | DWP) && frameOf(e) == f && canWrite(e, f);
        if (ok == (run != NIL)) continue;
        if (ok) run = v0 + kk;
        else { c = changeJoin(c, changeProtection(q, run, v0 + kk - 1, W)); run = NIL; }
      }
    } else if (run != NIL) {
      // Nothing maps these pages in `q`.
      c = changeJoin(c, changeProtection(q, run, v - 1, W));
      run = NIL;
    }
    k = j;
  }
  if (run != NIL) c = changeJoin(c, changeProtection(q, run, v0 + n - 1, W));
  flushChange(q, ioCpu(r), c);
  return (seen & SHR) != 0;
}
