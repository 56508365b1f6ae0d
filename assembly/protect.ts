// Flipping write permission over ranges of entries (the kernel's
// change_protection): W off and DWP on at submit, the reverse at completion.
// A run of PTEs in one table is flipped four at a time with SIMD; a huge PMD
// is one entry for 512 pages.
import { Counter } from "./abi";
import { countN } from "./counters";
import { NIL } from "./layout";
import { DWP, HUG, TBL, W, pmdAddr, pteAddr } from "./pte";

/** What the last range operation did: entries flipped, first and last page changed (NIL if none). */
export let flips: u32 = 0;
export let lo: u32 = NIL;
export let hi: u32 = 0;

export function rangeBegin(): void {
  flips = 0;
  lo = NIL;
  hi = 0;
}

@inline function changed(first: u32, last: u32): void {
  if (first < lo) lo = first;
  if (last > hi) hi = last;
}

/**
 * Flips the entries of the run of `n` PTEs at `a` (pages vbase..) whose
 * `from` bit is set: `from` off, `to` on. W and DWP are never both set, so
 * one XOR does it. Counts PTE_FLIPS and widens [lo, hi].
 */
@inline function flipPtes(a: usize, n: u32, vbase: u32, from: u32, to: u32): void {
  // The first and last entries that will change bound the shootdown; in the
  // usual run (every page writable) both scans stop at once.
  let first: u32 = 0;
  while (first < n && !(load<u32>(a + (<usize>first << 2)) & from)) first++;
  if (first == n) return;
  let last = n - 1;
  while (!(load<u32>(a + (<usize>last << 2)) & from)) last--;
  let c: u32 = 0;
  let i = first;
  if (ASC_FEATURE_SIMD) {
    // Branch-free: every lane is rewritten (unchanged ones with themselves)
    // and the changed lanes are counted by subtracting their all-ones masks.
    // `from` is a constant here (these functions are inlined per direction):
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
  flips += c;
  countN(Counter.PTE_FLIPS, c);
  changed(vbase + first, vbase + last);
}

/** Flips one huge PMD entry if its `from` bit is set. */
function flipPmd(pa: usize, vbase: u32, from: u32, to: u32): void {
  let e = load<u32>(pa);
  if (!(e & from)) return;
  store<u32>(pa, e ^ (from | to));
  flips++;
  countN(Counter.PMD_FLIPS, 1);
  changed(vbase, vbase + 511);
}

/** Applies the flip to every entry mapping [v0, v1] in `pid`'s table, PMD by PMD. */
@inline function flipRange(pid: u32, v0: u32, v1: u32, from: u32, to: u32): void {
  let v = v0;
  while (v <= v1) {
    let end = min(v1, v | 511);
    let pmd = load<u32>(pmdAddr(pid, v));
    if (pmd & HUG) flipPmd(pmdAddr(pid, v), v & ~511, from, to);
    else if (pmd & TBL) flipPtes(pteAddr(pmd, v), end - v + 1, v, from, to);
    if (end == 0xFFFFF) break;
    v = end + 1;
  }
}

/** Write-protect: every writable entry of [v0, v1] loses W and gains DWP. */
export function wpRange(pid: u32, v0: u32, v1: u32): void {
  flipRange(pid, v0, v1, W, DWP);
}

/**
 * Restore: every DWP entry of [v0, v1] gets W back. The caller has checked
 * that each of them may be writable again (canWrite, and that it still maps
 * the frame the I/O pinned).
 */
export function unwpRange(pid: u32, v0: u32, v1: u32): void {
  flipRange(pid, v0, v1, DWP, W);
}
