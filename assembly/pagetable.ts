// Entry-level page-table work shared by faults, submit, fork and unmap:
// demand allocation, PMD splits, removing mappings.
import { Counter, FrameKind } from "./abi";
import { NIL, PMD_PAGES } from "./layout";
import { count, countN } from "./counters";
import {
  alloc4k, allocHuge, copyFrame, frameAddr, freeFolio, mapGet, mapPut, mapcount, meta, refPut, refcount, wpcount,
  zeroFrame,
} from "./frames";
import { DWP, HUG, MAY, P, SHR, TBL, V, W, frameOf, pmdAddrByIndex } from "./pte";
import { shootdown } from "./tlb";

/** Demand fault on a mapped, not present PTE: a zeroed frame, W if the mapping allows. */
export function demandPte(pa: usize): bool {
  let e = load<u32>(pa);
  let f = alloc4k(FrameKind.USER, 0);
  if (f == NIL) return false;
  zeroFrame(f);
  mapGet(f);
  store<u32>(pa, (f << 12) | (e & 0xFFF) | P | ((e & MAY) ? W : 0));
  count(Counter.DEMAND_FAULTS);
  return true;
}

/** Demand fault on a mapped, not present huge PMD: a zeroed 2 MiB folio. */
export function demandHuge(pa: usize): bool {
  let e = load<u32>(pa);
  let h = allocHuge();
  if (h == NIL) return false;
  memory.fill(frameAddr(h), 0, <usize>PMD_PAGES << 12);
  for (let i: u32 = 0; i < PMD_PAGES; i++) mapGet(h + i);
  store<u32>(pa, (h << 12) | (e & 0xFFF) | P | ((e & MAY) ? W : 0));
  count(Counter.DEMAND_FAULTS);
  return true;
}

/**
 * docs/model.md 6.6 step 5: the present PTE at `ea` (entry `e`, frame `f`)
 * moves to a copy of its frame, without DWP, W if MAY and `mkwrite`; the old
 * frame loses the mapping (an in-flight I/O keeps its pin and the original
 * bytes). One shootdown of the page from `cpu`. Counted as a COW copy, or as
 * an unshare copy when submit unshares a page before pinning it (6.7: a WRITE
 * pins without FOLL_WRITE, and wp_page_copy maps an unshare copy read-only).
 * False if no frame.
 */
export function copyPage(pid: u32, cpu: u32, vpn: u32, ea: usize, e: u32, f: u32, unshare: bool, mkwrite: bool): bool {
  let n = alloc4k(FrameKind.USER, 0);
  if (n == NIL) return false;
  copyFrame(n, f);
  mapGet(n);
  store<u32>(ea, (n << 12) | (e & 0xFFF & ~(DWP | W)) | (mkwrite && (e & MAY) ? W : 0));
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
  shootdown(pid, cpu, vpn, 1);
  return true;
}

/** Any frame of the folio at `head` mapped more than once (shared copy-on-write after fork)? */
export function folioShared(head: u32): bool {
  for (let i: u32 = 0; i < PMD_PAGES; i++) if (mapcount(head + i) > 1) return true;
  return false;
}

/** A zeroed PTE table frame, or NIL. */
export function allocTable(): u32 {
  let t = alloc4k(FrameKind.PGTABLE, 1);
  if (t != NIL) zeroFrame(t);
  return t;
}

/**
 * Splits a present huge PMD into a PTE table (docs/model.md 6.8): subpages
 * keep the PMD's write permission (__split_huge_pmd_locked: write =
 * pmd_write(old_pmd)), so a write-protected PMD leaves 512 read-only PTEs;
 * DWP only where an I/O is in flight on the frame. False if no frame.
 */
export function splitPmd(pid: u32, idx: u32, cpu: u32): bool {
  let pa = pmdAddrByIndex(pid, idx);
  let e = load<u32>(pa);
  let t = allocTable();
  if (t == NIL) return false;
  let head = frameOf(e);
  let base = frameAddr(t);
  let bits = P | V | (e & (MAY | SHR | W));
  for (let i: u32 = 0; i < PMD_PAGES; i++) {
    let f = head + i;
    let pte = (f << 12) | bits;
    if (wpcount(f) > 0) pte |= DWP;
    store<u32>(base + (<usize>i << 2), pte);
  }
  store<u32>(pa, (t << 12) | TBL | V);
  count(Counter.PMD_SPLITS);
  shootdown(pid, cpu, idx << 9, PMD_PAGES);
  return true;
}

/** A mapped, not present huge PMD becomes a table of mapped, not present PTEs. */
export function tableFromEmptyHuge(pid: u32, idx: u32): bool {
  let pa = pmdAddrByIndex(pid, idx);
  let e = load<u32>(pa);
  let t = allocTable();
  if (t == NIL) return false;
  let base = frameAddr(t);
  let bits = V | (e & (MAY | SHR));
  for (let i: u32 = 0; i < PMD_PAGES; i++) store<u32>(base + (<usize>i << 2), bits);
  store<u32>(pa, (t << 12) | TBL | V);
  return true;
}

/**
 * Removes a huge PMD's mapping of its folio. The folio returns whole to the
 * folio list if nothing else holds any of its frames; otherwise frames go one
 * by one as their references end.
 */
export function removeHuge(e: u32): void {
  if (!(e & P)) return;
  let head = frameOf(e);
  let whole = true;
  for (let i: u32 = 0; i < PMD_PAGES; i++) {
    if (refcount(head + i) != 1) { whole = false; break; }
  }
  if (whole) {
    for (let i: u32 = 0; i < PMD_PAGES; i++) memory.fill(meta(head + i), 0, 16);
    freeFolio(head);
  } else {
    for (let i: u32 = 0; i < PMD_PAGES; i++) mapPut(head + i);
  }
}

/** Tears down every mapping of a process (exit): no shootdowns, tables freed. */
export function teardown(pid: u32): void {
  for (let idx: u32 = 0; idx < 2048; idx++) {
    let pa = pmdAddrByIndex(pid, idx);
    let e = load<u32>(pa);
    if (e & HUG) {
      removeHuge(e);
    } else if (e & TBL) {
      let t = frameOf(e);
      let base = frameAddr(t);
      for (let i: u32 = 0; i < PMD_PAGES; i++) {
        let pte = load<u32>(base + (<usize>i << 2));
        if (pte & P) mapPut(frameOf(pte));
      }
      refPut(t); // a table's one reference is its PMD
    }
    store<u32>(pa, 0);
  }
}
