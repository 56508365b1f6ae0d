// Changing write permission over a range of pages: the kernel's
// change_protection -> change_pmd_range -> change_pte_range / change_huge_pmd.
// An I/O's write-protect takes W off and sets DWP; its restore does the
// reverse. A run of PTEs in one table is flipped eight at a time with SIMD; a
// huge PMD is one entry for 512 pages. The TLB flush is the caller's, once for
// everything it changed (flushChange), as the kernel's mmu_gather batches it.
//
// ╒═══════ a change (u64): the pages changeProtection changed ═══════╕
//    63                          32 31                            0
//   ├──────────────────────────────┼──────────────────────────────┤
//   │ end: last page changed + 1   │ first page changed           │
//   └──────────────────────────────┴──────────────────────────────┘
//   NO_CHANGE (0): nothing flipped. A huge PMD counts as its 512 pages; the
//   flips themselves are counted (PTE_FLIPS, PMD_FLIPS) where they happen.
import { Counter } from "./abi";
import { countN } from "./counters";
import { DWP, HUG, TBL, W, canWrite, canWritePmd, entryAddr, frameOf, pmdAddr, pteAddr } from "./pagetable";
import { batchHold, batchOpen } from "./batch";
import { flushTlbMmRange } from "./tlb";

export const NO_CHANGE: u64 = 0;

@inline export function changeFirst(c: u64): u32 { return <u32>c; }
@inline export function changeEnd(c: u64): u32 { return <u32>(c >>> 32); }
@inline function change(first: u32, end: u32): u64 { return (<u64>end << 32) | <u64>first; }

/** Both changes, as one (for one flush over both). */
export function changeJoin(a: u64, b: u64): u64 {
  if (!a) return b;
  if (!b) return a;
  return change(min(changeFirst(a), changeFirst(b)), max(changeEnd(a), changeEnd(b)));
}

/**
 * One shootdown over what `c` changed in `pid`'s table, from `cpu`; none if
 * nothing changed. An open submission call or reap holds it back (batch.ts).
 */
@inline export function flushChange(pid: u32, cpu: u32, c: u64): void {
  if (!c) return;
  if (batchOpen()) batchHold(pid, cpu, c);
  else flushTlbMmRange(pid, cpu, changeFirst(c), changeEnd(c) - changeFirst(c));
}

/**
 * Flips PTEs [first, last] of the table at `a` whose `from` bit is set
 * (both end entries have it): `from` off, `to` on. W and DWP are never both
 * set, so one XOR does it. Counts PTE_FLIPS.
 */
@inline function changePteRange(a: usize, first: u32, last: u32, from: u32, to: u32): void {
  let c: u32 = 0;
  let i = first;
  if (ASC_FEATURE_SIMD) {
    // Branch-free: every lane is rewritten (unchanged ones with themselves)
    // and the changed lanes are counted by subtracting their all-ones masks.
    // `from` is a constant here (this function is inlined per direction):
    // shifting its bit to the top and back across the lane builds the mask
    // in two instructions, where and + compare-not-equal takes three on x86.
    let up = 31 - <i32>ctz(from);
    let both = i32x4.splat(from | to);
    let zero = i32x4.splat(0);
    let acc = zero, acc2 = zero;
    let p = a + (<usize>i << 2);
    let end8 = p + ((<usize>(last + 1 - i) >> 3) << 5);
    // Eight entries per turn: two independent vectors keep the loop overhead low.
    for (; p < end8; p += 32) {
      let v = v128.load(p), w = v128.load(p, 16);
      let m = i32x4.shr_s(i32x4.shl(v, up), 31), k = i32x4.shr_s(i32x4.shl(w, up), 31);
      v128.store(p, v128.xor(v, v128.and(m, both)));
      v128.store(p, v128.xor(w, v128.and(k, both)), 16);
      acc = i32x4.sub(acc, m);
      acc2 = i32x4.sub(acc2, k);
    }
    i += <u32>((p - (a + (<usize>i << 2))) >> 2);
    acc = i32x4.add(acc, acc2);
    c = <u32>(i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3));
  }
  for (; i <= last; i++) {
    let p = a + (<usize>i << 2);
    let e = load<u32>(p);
    if (!(e & from)) continue;
    store<u32>(p, e ^ (from | to));
    c++;
  }
  countN(Counter.PTE_FLIPS, c);
}

/** Every entry mapping [v0, v1] in `pid`'s table with `from` set: `from` off, `to` on, PMD by PMD. */
@inline function changeRange(pid: u32, v0: u32, v1: u32, from: u32, to: u32): u64 {
  let first: u32 = 0, end: u32 = 0; // end 0: nothing changed yet
  let v = v0;
  for (;;) {
    let stop = min(v1, v | 511);
    let pa = pmdAddr(pid, v);
    let pmd = load<u32>(pa);
    if ((pmd & HUG) && (pmd & from)) {
      // change_huge_pmd: one entry for the folio's 512 pages.
      store<u32>(pa, pmd ^ (from | to));
      countN(Counter.PMD_FLIPS, 1);
      if (!end) first = v & ~511;
      end = (v & ~511) + 512;
    } else if (pmd & TBL) {
      // The first and last entries that will change bound the flush; in the
      // usual run (every page writable) both scans stop at once.
      let a = pteAddr(pmd, v), n = stop - v + 1;
      let i: u32 = 0;
      while (i < n && !(load<u32>(a + (<usize>i << 2)) & from)) i++;
      if (i < n) {
        let j = n - 1;
        while (!(load<u32>(a + (<usize>j << 2)) & from)) j--;
        if (!end) first = v + i;
        changePteRange(a, i, j, from, to);
        end = v + j + 1;
      }
    }
    if (stop >= v1) break;
    v = stop + 1;
  }
  return end ? change(first, end) : NO_CHANGE;
}

/**
 * change_protection over [v0, v1] of `pid`: `newprot` DWP write-protects
 * every writable entry (W off, DWP on); W makes every DWP entry writable
 * again (the caller checked that each may be: canWrite, and it still maps the
 * frame its I/O pinned). Returns the change, for flushChange.
 */
@inline export function changeProtection(pid: u32, v0: u32, v1: u32, newprot: u32): u64 {
  assert(newprot == W || newprot == DWP);
  if (!ASC_NO_ASSERT && newprot == W) assertRestorable(pid, v0, v1);
  return newprot == DWP ? writeProtectRange(pid, v0, v1) : restoreRange(pid, v0, v1);
}

/** Debug build: every DWP entry of [v0, v1] passes canWrite (the caller's check). */
function assertRestorable(pid: u32, v0: u32, v1: u32): void {
  for (let v = v0; v <= v1; v++) {
    let ea = entryAddr(pid, v);
    let e = ea ? load<u32>(ea) : 0;
    if (e & DWP) assert((e & HUG) ? canWritePmd(e) : canWrite(e, frameOf(e)), "restoring an entry canWrite refuses");
    if (e & HUG) v |= 511; // one entry for the PMD's pages
  }
}

// One function per direction, so that `from` and `to` are constants in each
// copy of the loops (the SIMD mask is two shifts of a constant).
function writeProtectRange(pid: u32, v0: u32, v1: u32): u64 {
  return changeRange(pid, v0, v1, W, DWP);
}

function restoreRange(pid: u32, v0: u32, v1: u32): u64 {
  return changeRange(pid, v0, v1, DWP, W);
}
