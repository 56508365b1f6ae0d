// sd_map and sd_unmap (docs/model.md 6.4), and the removal of a whole address
// space at exit (6.12). Mappings are created empty and populated by demand
// faults; unmap drops frames and shoots down the range.
import { Err, MapFlag } from "./abi";
import { frameAddr, mapPut, refPut } from "./frames";
import { simAlloc4k, simBegin, simCommit, unmapFolio } from "./alloc";
import { PMD_COUNT, PMD_PAGES } from "./layout";
import {
  HUG, MAY, P, SHR, TBL, V, allocTable, entry, frameOf, pmdAddrAt, pteAddr, splitEmptyPmd, splitHugePmd,
} from "./pagetable";
import { procAlive, procExists, threadCpu, threadExists, threadPid } from "./proc";
import { flushTlbMmRange, switchMm } from "./tlb";

const HUGE_BYTES: u32 = 2 << 20;

/** Is any page of [v0, v1] mapped? */
export function anyMapped(pid: u32, v0: u32, v1: u32): bool {
  for (let v = v0; v <= v1; v++) {
    let e = load<u32>(pmdAddrAt(pid, v >>> 9));
    if (e & HUG) return true;
    if ((e & TBL) && (load<u32>(pteAddr(e, v)) & V)) return true;
  }
  return false;
}

/**
 * A PTE table for each of `pid`'s PMD slots p0..p1 that has none (a new
 * mapping's, or an alias's); false, with nothing allocated, if the frame pool
 * cannot hold them all.
 */
export function allocPteTables(pid: u32, p0: u32, p1: u32): bool {
  simBegin();
  for (let i = p0; i <= p1; i++) if (load<u32>(pmdAddrAt(pid, i)) == 0) simAlloc4k();
  if (!simCommit()) return false;
  for (let i = p0; i <= p1; i++) {
    let pa = pmdAddrAt(pid, i);
    if (load<u32>(pa) == 0) store<u32>(pa, entry(allocTable(), TBL | V));
  }
  return true;
}

/** 6.4, sd_map: [va, va+len) of `pid` becomes mapped, not present. */
export function doMmap(pid: u32, va: u32, len: u32, flags: u32): i32 {
  if (!procExists(pid)) return -Err.NO_PROC;
  if (!procAlive(pid)) return -Err.DEAD;
  if ((flags & ~MapFlag.ALL) != 0 || len == 0) return -Err.INVAL;
  let huge = (flags & MapFlag.HUGE) != 0;
  let align: u32 = huge ? HUGE_BYTES - 1 : 4095;
  if (((va | len) & align) != 0) return -Err.ALIGN;
  if (<u64>va + <u64>len > 0x1_0000_0000) return -Err.RANGE;
  let v0 = va >>> 12, v1 = <u32>((<u64>va + len - 1) >>> 12);
  let p0 = v0 >>> 9, p1 = v1 >>> 9;
  let bits = V | ((flags & MapFlag.WRITE) ? MAY : 0) | ((flags & MapFlag.SHARED) ? SHR : 0);
  if (huge) {
    for (let i = p0; i <= p1; i++) if (load<u32>(pmdAddrAt(pid, i)) != 0) return -Err.MAPPED;
    for (let i = p0; i <= p1; i++) store<u32>(pmdAddrAt(pid, i), bits | HUG);
    return 0;
  }
  if (anyMapped(pid, v0, v1)) return -Err.MAPPED;
  if (!allocPteTables(pid, p0, p1)) return -Err.NOMEM;
  for (let v = v0; v <= v1; v++) store<u32>(pteAddr(load<u32>(pmdAddrAt(pid, v >>> 9)), v), bits);
  return 0;
}

/** 6.4, sd_unmap: the pages of [va, va+len) that are mapped are removed. */
export function doMunmap(tid: u32, va: u32, len: u32): i32 {
  if (!threadExists(tid)) return -Err.NO_THREAD;
  let pid = threadPid(tid);
  if (!procAlive(pid)) return -Err.DEAD;
  if (len == 0) return -Err.INVAL;
  if (((va | len) & 4095) != 0) return -Err.ALIGN;
  if (<u64>va + <u64>len > 0x1_0000_0000) return -Err.RANGE;
  let cpu = threadCpu(tid);
  let v0 = va >>> 12, v1 = <u32>((<u64>va + len - 1) >>> 12);
  let p0 = v0 >>> 9, p1 = v1 >>> 9;
  // Huge PMDs the range covers only in part must become PTE tables first.
  let partFirst = (load<u32>(pmdAddrAt(pid, p0)) & HUG) != 0 && ((v0 & 511) != 0 || (p0 == p1 && (v1 & 511) != 511));
  let partLast = p1 != p0 && (load<u32>(pmdAddrAt(pid, p1)) & HUG) != 0 && (v1 & 511) != 511;
  simBegin();
  if (partFirst) simAlloc4k();
  if (partLast) simAlloc4k();
  if (!simCommit()) return -Err.NOMEM;
  switchMm(tid); // the thread runs: a lazy CPU catches up
  if (partFirst) splitForUnmap(pid, p0, cpu);
  if (partLast) splitForUnmap(pid, p1, cpu);

  let lo: u32 = 0xFFFFFFFF, hi: u32 = 0;
  let emptied = false; // a PTE table left without a mapped page: Linux's free_pgtables frees it
  for (let i = p0; i <= p1; i++) {
    let pa = pmdAddrAt(pid, i);
    let e = load<u32>(pa);
    if (e & HUG) {
      // Only whole huge PMDs are left here.
      if (e & P) {
        zapHugePmd(e);
        if ((i << 9) < lo) lo = i << 9;
        hi = (i << 9) + PMD_PAGES - 1;
      }
      store<u32>(pa, 0);
    } else if (e & TBL) {
      let a = max<u32>(v0, i << 9), b = min<u32>(v1, (i << 9) + PMD_PAGES - 1);
      for (let v = a; v <= b; v++) {
        let ea = pteAddr(e, v);
        let pte = load<u32>(ea);
        if (!(pte & V)) continue;
        if (pte & P) {
          mapPut(frameOf(pte));
          if (v < lo) lo = v;
          hi = v;
        }
        store<u32>(ea, 0);
      }
      if (!emptied && !tableMapsAny(e)) emptied = true;
    }
  }
  // The model keeps the table (freed at exit), but the shootdown is the one
  // Linux sends with it freed: to every CPU of the mm, lazy or not.
  if (lo != 0xFFFFFFFF) flushTlbMmRange(pid, cpu, lo, hi - lo + 1, emptied);
  return 0;
}

/** Does the PTE table of PMD entry `e` map any page (V)? */
function tableMapsAny(e: u32): bool {
  let base = frameAddr(frameOf(e));
  for (let k: u32 = 0; k < PMD_PAGES; k++) if (load<u32>(base + (<usize>k << 2)) & V) return true;
  return false;
}

/** A huge PMD unmapped in part: split if present (the NOMEM check above kept its table frame). */
function splitForUnmap(pid: u32, i: u32, cpu: u32): void {
  let ok = (load<u32>(pmdAddrAt(pid, i)) & P) ? splitHugePmd(pid, i, cpu) : splitEmptyPmd(pid, i);
  assert(ok);
}

/** zap_huge_pmd: the huge PMD `e` no longer maps its folio. */
function zapHugePmd(e: u32): void {
  if (e & P) unmapFolio(frameOf(e));
}

/** 6.12, exit_mmap: every mapping of `pid` is removed, PTE tables freed, without shootdowns. */
export function exitMmap(pid: u32): void {
  for (let i: u32 = 0; i < PMD_COUNT; i++) {
    let pa = pmdAddrAt(pid, i);
    let e = load<u32>(pa);
    if (e & HUG) {
      zapHugePmd(e);
    } else if (e & TBL) {
      let t = frameOf(e);
      let base = frameAddr(t);
      for (let k: u32 = 0; k < PMD_PAGES; k++) {
        let pte = load<u32>(base + (<usize>k << 2));
        if (pte & P) mapPut(frameOf(pte));
      }
      refPut(t); // a table's one reference is its PMD
    }
    store<u32>(pa, 0);
  }
}
