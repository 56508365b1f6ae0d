// sd_map and sd_unmap (docs/model.md 6.4), and the removal of a whole address
// space at exit (6.12), as assembly/mmap.ts. Mappings are created empty and
// populated by demand faults; unmap drops frames and shoots down the range.
import { Err, MapFlag, ProcFlag } from "../../assembly/abi.js";
import type { Alloc } from "./alloc.js";
import { FOLIO, mapPut, PAGE, refPut } from "./frames.js";
import { allocTable, entry, frameOf, HUG, MAY, P, SHR, splitEmptyPmd, splitHugePmd, TBL, V } from "./pagetable.js";
import { SPACE, type Proc, type State } from "./state.js";
import { flushTlbMmRange, switchMm } from "./tlb.js";

const HUGE_BYTES = FOLIO * PAGE;

/** 6.4, sd_map: [va, va+len) of `pid` becomes mapped, not present. */
export function doMmap(st: State, pid: number, va: number, len: number, flags: number): number {
  const p = st.proc(pid);
  if (!p) return st.fail(Err.NO_PROC);
  if (p.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
  if (flags & ~MapFlag.ALL || len === 0) return st.fail(Err.INVAL);
  const huge = (flags & MapFlag.HUGE) !== 0;
  const align = huge ? HUGE_BYTES : PAGE;
  if (va % align !== 0 || len % align !== 0) return st.fail(Err.ALIGN);
  if (va + len > SPACE) return st.fail(Err.RANGE);
  const first = va / PAGE;
  const end = (va + len) / PAGE;
  if (huge) {
    for (let i = first / FOLIO; i < end / FOLIO; i++) if (p.pmd[i] !== 0) return st.fail(Err.MAPPED);
  } else {
    if (anyMapped(st, p, first, end)) return st.fail(Err.MAPPED);
  }
  const bits = V | (flags & MapFlag.WRITE ? MAY : 0) | (flags & MapFlag.SHARED ? SHR : 0);
  if (huge) {
    for (let i = first / FOLIO; i < end / FOLIO; i++) p.pmd[i] = bits | HUG;
    return 0;
  }
  const r = allocPteTables(st, p, first >>> 9, (end - 1) >>> 9);
  if (r < 0) return r;
  for (let vpn = first; vpn < end; vpn++) st.pool.frames[frameOf(p.pmd[vpn >>> 9])].ptes[vpn & 511] = bits;
  return 0;
}

/** Is any page of [first, end) of `p` mapped? (A huge PMD is V on all its pages.) */
export function anyMapped(st: State, p: Proc, first: number, end: number): boolean {
  for (let vpn = first; vpn < end; vpn++) {
    const pmd = p.pmd[vpn >>> 9];
    if (pmd & HUG) return true;
    if (pmd & TBL && st.pool.frames[frameOf(pmd)].ptes[vpn & 511] & V) return true;
  }
  return false;
}

/**
 * A PTE table for each of `p`'s PMD slots p0..p1 that has none, ascending (a
 * new mapping's, or an alias's); -NOMEM, with nothing allocated, if the pool
 * cannot hold them all.
 */
export function allocPteTables(st: State, p: Proc, p0: number, p1: number): number {
  const need: Alloc[] = [];
  for (let i = p0; i <= p1; i++) if (p.pmd[i] === 0) need.push("4k");
  const short = st.pool.simCommit(need);
  if (short) return st.fail(Err.NOMEM, short);
  for (let i = p0; i <= p1; i++) if (p.pmd[i] === 0) p.pmd[i] = entry(allocTable(st), TBL);
  return 0;
}

/** 6.4, sd_unmap: the pages of [va, va+len) that are mapped are removed. */
export function doMunmap(st: State, tid: number, va: number, len: number): number {
  const t = st.thread(tid);
  if (!t) return st.fail(Err.NO_THREAD);
  const p = st.procs[t.pid - 1];
  if (p.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
  if (len === 0) return st.fail(Err.INVAL);
  if (va % PAGE !== 0 || len % PAGE !== 0) return st.fail(Err.ALIGN);
  if (va + len > SPACE) return st.fail(Err.RANGE);
  const first = va / PAGE;
  const end = (va + len) / PAGE; // exclusive
  // Huge PMDs the range covers only in part: at most the first and the last.
  const partial: number[] = [];
  for (const i of new Set([first >>> 9, (end - 1) >>> 9])) {
    const whole = first <= i * FOLIO && (i + 1) * FOLIO <= end;
    if (p.pmd[i] & HUG && !whole) partial.push(i);
  }
  const short = st.pool.simCommit(partial.map((): Alloc => "4k"));
  if (short) return st.fail(Err.NOMEM, short);
  switchMm(st, p, t.cpu); // the thread runs: a lazy CPU catches up
  for (const i of partial) {
    if (p.pmd[i] & P) splitHugePmd(st, p, i, t.cpu);
    else splitEmptyPmd(st, p, i);
  }
  let lo = -1;
  let hi = -1;
  for (let vpn = first; vpn < end; ) {
    const i = vpn >>> 9;
    const pmd = p.pmd[i];
    if (pmd & HUG) {
      // Only whole huge PMDs are left here.
      if (pmd & P) {
        zapHugePmd(st, pmd);
        if (lo < 0) lo = i * FOLIO;
        hi = i * FOLIO + FOLIO - 1;
      }
      p.pmd[i] = 0;
      vpn = (i + 1) * FOLIO;
    } else if (pmd & TBL) {
      const ptes = st.pool.frames[frameOf(pmd)].ptes;
      const e = ptes[vpn & 511];
      if (e & V) {
        ptes[vpn & 511] = 0;
        if (e & P) {
          mapPut(st, frameOf(e));
          if (lo < 0) lo = vpn;
          hi = vpn;
        }
      }
      vpn++;
    } else vpn = (i + 1) * FOLIO;
  }
  // A PTE table left without a mapped page: Linux's free_pgtables frees it (the model keeps it until exit), and
  // the shootdown goes to every CPU of the mm, lazy or not.
  let emptied = false;
  for (let i = first >>> 9; i <= (end - 1) >>> 9; i++) {
    if (p.pmd[i] & TBL && !st.pool.frames[frameOf(p.pmd[i])].ptes.some((e) => (e & V) !== 0)) emptied = true;
  }
  if (lo >= 0) flushTlbMmRange(st, p.pid, t.cpu, lo, hi - lo + 1, emptied);
  return 0;
}

/** zap_huge_pmd: the huge PMD `pmd` no longer maps its folio. */
function zapHugePmd(st: State, pmd: number): void {
  if (pmd & P) st.pool.unmapFolio(frameOf(pmd));
}

/** 6.12, exit_mmap: every mapping of `p` removed as in unmap, PTE tables freed, without shootdowns. */
export function exitMmap(st: State, p: Proc): void {
  for (let i = 0; i < p.pmd.length; i++) {
    const pmd = p.pmd[i];
    if (pmd === 0) continue;
    if (pmd & HUG) {
      zapHugePmd(st, pmd);
    } else if (pmd & TBL) {
      const t = frameOf(pmd);
      const ptes = st.pool.frames[t].ptes;
      for (let k = 0; k < FOLIO; k++) {
        const e = ptes[k];
        if (e & V && e & P) mapPut(st, frameOf(e));
      }
      refPut(st, t); // a table's one reference is its PMD
    }
    p.pmd[i] = 0;
  }
}
