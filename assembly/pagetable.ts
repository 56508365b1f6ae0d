// Page tables: entries, finding the entry that maps a page, canWrite, and
// splitting a huge PMD into a PTE table (docs/model.md sections 2 and 6.8).
//
// ╒═══════════════════════ PTE / PMD entry (u32) ═══════════════════════╕
//  31                       12 11  8  7   6   5   4   3   2   1   0
// ├───────────────────────────┼─────┼───┼───┼───┼───┼───┼───┼───┼───┤
// │   frame (PTE table, folio │  0  │TBL│HUG│DWP│SHR│MAY│ W │ V │ P │
// │   head, or 4 KiB frame)   │     │   │   │   │   │   │   │   │   │
// └───────────────────────────┴─────┴───┴───┴───┴───┴───┴───┴───┴───┘
//  P present: the frame is valid   V mapped (a VMA covers it)   W writable
//  MAY VM_WRITE   SHR MAP_SHARED   DWP write-protected for direct I/O
//  HUG PMD only: maps a 2 MiB folio   TBL PMD only: points to a PTE table
//
// Per process a PGD of 2048 u32 PMD entries (one per 2 MiB of the 4 GiB
// space) sits in the pgd region; a PMD with TBL points to a frame holding 512
// u32 PTEs, a PMD with HUG maps a 2 MiB folio (frame = its head).
import { Counter, FrameKind } from "./abi";
import { count } from "./counters";
import { alloc4k } from "./alloc";
import { frameAddr, mapcount, wpcount, zeroFrame } from "./frames";
import { NIL, PAGE_SHIFT, PGD_BYTES, PMD_PAGES, pgdBase } from "./layout";
import { flushTlbMmRange } from "./tlb";

export const P: u32 = 1;
export const V: u32 = 2;
export const W: u32 = 4;
export const MAY: u32 = 8;
export const SHR: u32 = 16;
export const DWP: u32 = 32;
export const HUG: u32 = 64;
export const TBL: u32 = 128;
/** The bits of an entry below the frame number. */
export const FLAGS: u32 = 0xFFF;

@inline export function frameOf(e: u32): u32 { return e >>> PAGE_SHIFT; }
@inline export function entry(frame: u32, bits: u32): u32 { return (frame << PAGE_SHIFT) | bits; }

/** The PMD entry's address for `vpn` (pmd_offset), or for PMD index `i`. */
@inline export function pmdAddr(pid: u32, vpn: u32): usize { return pmdAddrAt(pid, vpn >>> 9); }
@inline export function pmdAddrAt(pid: u32, i: u32): usize {
  return pgdBase + <usize>pid * PGD_BYTES + (<usize>i << 2);
}

/** The PTE's address for `vpn` in the table a TBL PMD points to (pte_offset). */
@inline export function pteAddr(pmd: u32, vpn: u32): usize {
  assert(pmd & TBL);
  return frameAddr(frameOf(pmd)) + (<usize>(vpn & 511) << 2);
}

/** The address of the entry that maps `vpn`: its PTE, or its huge PMD; 0 if nothing does (empty PMD). */
export function entryAddr(pid: u32, vpn: u32): usize {
  let pa = pmdAddr(pid, vpn);
  let pmd = load<u32>(pa);
  if (pmd & TBL) return pteAddr(pmd, vpn);
  if (pmd & HUG) return pa;
  return 0;
}

/** The 4 KiB frame the present entry `e` maps at `vpn` (a huge PMD's: head + subpage). */
@inline export function pageFrame(e: u32, vpn: u32): u32 {
  assert(e & P);
  return (e & HUG) ? frameOf(e) + (vpn & 511) : frameOf(e);
}

/** canWrite (section 2): may the PTE `e` mapping frame `f` be made writable again? */
@inline export function canWrite(e: u32, f: u32): bool {
  return (e & MAY) != 0 && wpcount(f) == 0 && ((e & SHR) != 0 || mapcount(f) == 1);
}

/** canWrite of a huge PMD: the frame conditions hold for every frame of its folio. */
export function canWritePmd(e: u32): bool {
  if (!(e & MAY)) return false;
  let head = frameOf(e);
  for (let i: u32 = 0; i < PMD_PAGES; i++) {
    if (wpcount(head + i) != 0) return false;
    if (!(e & SHR) && mapcount(head + i) != 1) return false;
  }
  return true;
}

/** A zeroed PTE table frame (its one reference is its PMD), or NIL. */
export function allocTable(): u32 {
  let t = alloc4k(FrameKind.PGTABLE, 1);
  if (t != NIL) zeroFrame(t);
  return t;
}

/**
 * 6.8, __split_huge_pmd_locked: the present huge PMD `i` of `pid` becomes a
 * PTE table from `cpu`. Subpages keep the PMD's write permission (write =
 * pmd_write(old_pmd)), so a write-protected PMD leaves 512 read-only PTEs;
 * DWP only where an I/O is in flight on the frame. False if no frame.
 */
export function splitHugePmd(pid: u32, i: u32, cpu: u32): bool {
  let pa = pmdAddrAt(pid, i);
  let e = load<u32>(pa);
  assert((e & HUG) && (e & P));
  let t = allocTable();
  if (t == NIL) return false;
  let head = frameOf(e);
  let base = frameAddr(t);
  let bits = P | V | (e & (MAY | SHR | W));
  for (let k: u32 = 0; k < PMD_PAGES; k++) {
    let f = head + k;
    store<u32>(base + (<usize>k << 2), entry(f, wpcount(f) > 0 ? bits | DWP : bits));
  }
  store<u32>(pa, entry(t, TBL | V));
  count(Counter.PMD_SPLITS);
  flushTlbMmRange(pid, cpu, i << 9, PMD_PAGES);
  return true;
}

/**
 * A huge PMD that is mapped but not present, unmapped in part: nothing is
 * mapped yet (no frames, no TLB entries), so only its V bits move into a PTE
 * table. Not a split of a folio: no PMD_SPLITS, no shootdown. False if no frame.
 */
export function splitEmptyPmd(pid: u32, i: u32): bool {
  let pa = pmdAddrAt(pid, i);
  let e = load<u32>(pa);
  assert((e & HUG) && !(e & P));
  let t = allocTable();
  if (t == NIL) return false;
  let base = frameAddr(t);
  let bits = V | (e & (MAY | SHR));
  for (let k: u32 = 0; k < PMD_PAGES; k++) store<u32>(base + (<usize>k << 2), bits);
  store<u32>(pa, entry(t, TBL | V));
  return true;
}
