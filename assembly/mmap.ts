// sd_map and sd_unmap (docs/model.md 6.4): mappings are created empty and
// populated by demand faults; unmap drops frames and shoots down the range.
import { Err, MapFlag } from "./abi";
import { mapPut, simAlloc4k, simBegin, simCommit } from "./frames";
import { PMD_PAGES } from "./layout";
import { allocTable, removeHuge, splitPmd, tableFromEmptyHuge } from "./pagetable";
import { procAlive, procExists, threadCpu, threadExists, threadPid } from "./proc";
import { HUG, MAY, P, SHR, TBL, V, frameOf, pmdAddrByIndex, pteAddr } from "./pte";
import { shootdown } from "./tlb";

const HUGE_BYTES: u32 = 2 << 20;

/** Is any page of [v0, v1] mapped? */
function anyMapped(pid: u32, v0: u32, v1: u32): bool {
  for (let v = v0; v <= v1; v++) {
    let e = load<u32>(pmdAddrByIndex(pid, v >>> 9));
    if (e & HUG) return true;
    if ((e & TBL) && (load<u32>(pteAddr(e, v)) & V)) return true;
  }
  return false;
}

export function map(pid: u32, va: u32, len: u32, flags: u32): i32 {
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
    for (let i = p0; i <= p1; i++) if (load<u32>(pmdAddrByIndex(pid, i)) != 0) return -Err.MAPPED;
    for (let i = p0; i <= p1; i++) store<u32>(pmdAddrByIndex(pid, i), bits | HUG);
    return 0;
  }
  if (anyMapped(pid, v0, v1)) return -Err.MAPPED;
  simBegin();
  for (let i = p0; i <= p1; i++) if (load<u32>(pmdAddrByIndex(pid, i)) == 0) simAlloc4k();
  if (!simCommit()) return -Err.NOMEM;
  for (let i = p0; i <= p1; i++) {
    let pa = pmdAddrByIndex(pid, i);
    if (load<u32>(pa) == 0) store<u32>(pa, (allocTable() << 12) | TBL | V);
  }
  for (let v = v0; v <= v1; v++) store<u32>(pteAddr(load<u32>(pmdAddrByIndex(pid, v >>> 9)), v), bits);
  return 0;
}

export function unmap(tid: u32, va: u32, len: u32): i32 {
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
  let partFirst = (load<u32>(pmdAddrByIndex(pid, p0)) & HUG) != 0 && ((v0 & 511) != 0 || (p0 == p1 && (v1 & 511) != 511));
  let partLast = p1 != p0 && (load<u32>(pmdAddrByIndex(pid, p1)) & HUG) != 0 && (v1 & 511) != 511;
  simBegin();
  if (partFirst) simAlloc4k();
  if (partLast) simAlloc4k();
  if (!simCommit()) return -Err.NOMEM;
  if (partFirst) toTable(pid, p0, cpu);
  if (partLast) toTable(pid, p1, cpu);

  let lo: u32 = 0xFFFFFFFF, hi: u32 = 0;
  for (let i = p0; i <= p1; i++) {
    let pa = pmdAddrByIndex(pid, i);
    let e = load<u32>(pa);
    if (e & HUG) {
      if (e & P) {
        removeHuge(e);
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
    }
  }
  if (lo != 0xFFFFFFFF) shootdown(pid, cpu, lo, hi - lo + 1);
  return 0;
}

function toTable(pid: u32, idx: u32, cpu: u32): void {
  if (load<u32>(pmdAddrByIndex(pid, idx)) & P) splitPmd(pid, idx, cpu);
  else tableFromEmptyHuge(pid, idx);
}
