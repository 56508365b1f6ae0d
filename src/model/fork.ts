// sd_fork and sd_exit (docs/model.md 6.11, 6.12), as assembly/fork.ts:
// kernel_clone's copy of the address space (dup_mmap -> copy_page_range ->
// copy_huge_pmd / copy_pte_range) and do_exit. Linux copies possibly-pinned
// anonymous pages at fork, so the parent keeps the frame its I/O pinned; the
// rest is shared copy-on-write. For a THP the decision is the folio's
// (folio_maybe_dma_pinned): the PMD is split and every exclusive subpage
// copied; the folio stays large after the split, so later forks decide per
// folio too.
import { Counter, Err, FrameKind, Key, ProcFlag } from "../../assembly/abi.js";
import type { Alloc } from "./alloc.js";
import { FOLIO, folioMaybeDmaPinned, mapGet, PAGE } from "./frames.js";
import { exitMmap } from "./mmap.js";
import { allocTable, entry, frameOf, HUG, MAY, P, SHR, splitHugePmd, TBL, V, W } from "./pagetable.js";
import { newProc, newThread } from "./proc.js";
import { PMDS, type Proc, type State } from "./state.js";
import { flushTlbMmRange, switchMm } from "./tlb.js";

/**
 * A private huge PMD whose folio has a pinned frame is split in the parent
 * before the copy, and every exclusive subpage is copied for the child: Linux
 * decides per folio (folio_maybe_dma_pinned in __folio_try_dup_anon_rmap).
 */
function splitsAtFork(st: State, pmd: number): boolean {
  return (pmd & HUG) !== 0 && (pmd & P) !== 0 && !(pmd & SHR) && folioMaybeDmaPinned(st, frameOf(pmd));
}

/**
 * copy_present_ptes' question for a private present page `f`: copy it for
 * the child now? A page of a large folio (split or not) if it is exclusive
 * and its folio may be pinned (__folio_try_dup_anon_rmap: -EBUSY, then
 * copy_present_page); a small page if it is pinned.
 */
function copiesAtFork(st: State, f: number): boolean {
  const fr = st.pool.frames[f];
  if (!fr.large) return fr.pin > 0;
  return fr.map === 1 && folioMaybeDmaPinned(st, f - (f % FOLIO));
}

/** 6.11, sd_fork: a child of `tid`'s process with one thread on `cpu`; its tid. */
export function kernelClone(st: State, tid: number, cpu: number): number {
  const t = st.thread(tid);
  if (!t) return st.fail(Err.NO_THREAD);
  const parent = st.procs[t.pid - 1];
  if (parent.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
  if (cpu < 0 || cpu >= st.cfg[Key.CPUS]) return st.fail(Err.CPU);
  if (st.procs.length >= st.cfg[Key.MAX_PROCS]) return st.fail(Err.LIMIT, st.cfg[Key.MAX_PROCS]);
  if (st.threads.length >= st.cfg[Key.MAX_THREADS]) return st.fail(Err.LIMIT, st.cfg[Key.MAX_THREADS]);
  const short = st.pool.simCommit(simDupMmap(st, parent));
  if (short) return st.fail(Err.NOMEM, short);
  switchMm(st, parent, t.cpu); // the forking thread runs: a lazy CPU catches up
  const child = newProc(st, parent.flags & ProcFlag.INPUTS);
  const ctid = newThread(st, child, cpu);
  copyPageRange(st, parent, child, t.cpu);
  st.c[Counter.FORKS]++;
  return ctid;
}

/**
 * The NOMEM check: in PMD order, the parent's split table, the child's table,
 * the copies (of pinned pages; of every exclusive subpage of a split folio).
 */
function simDupMmap(st: State, parent: Proc): Alloc[] {
  const need: Alloc[] = [];
  for (let i = 0; i < parent.pmd.length; i++) {
    const pmd = parent.pmd[i];
    if (pmd === 0) continue;
    if (splitsAtFork(st, pmd)) {
      need.push("4k", "4k");
      for (let k = 0; k < FOLIO; k++) if (copiesAtFork(st, frameOf(pmd) + k)) need.push("4k");
    } else if (pmd & TBL) {
      need.push("4k");
      const ptes = st.pool.frames[frameOf(pmd)].ptes;
      for (let k = 0; k < FOLIO; k++) {
        const e = ptes[k];
        if (e & V && e & P && !(e & SHR) && copiesAtFork(st, frameOf(e))) need.push("4k");
      }
    }
  }
  return need;
}

/** copy_page_range: the parent's page table into the child's, PMD by PMD, then one shootdown of all of it. */
function copyPageRange(st: State, parent: Proc, child: Proc, cpu: number): void {
  for (let i = 0; i < parent.pmd.length; i++) {
    if (parent.pmd[i] === 0) continue;
    // The folio may be pinned: split, then every exclusive subpage is copied (copiesAtFork).
    if (splitsAtFork(st, parent.pmd[i])) splitHugePmd(st, parent, i, cpu);
    if (parent.pmd[i] & HUG) copyHugePmd(st, parent, child, i);
    else if (parent.pmd[i] & TBL) copyPteRange(st, parent, child, i);
  }
  flushTlbMmRange(st, parent.pid, cpu, 0, PMDS * FOLIO); // flush_tlb_mm in dup_mmap
}

/**
 * copy_huge_pmd of a folio no I/O pins: shared with the child, a private one
 * copy-on-write in both. A mapped, not present PMD is copied as is.
 */
function copyHugePmd(st: State, parent: Proc, child: Proc, i: number): void {
  const pmd = parent.pmd[i];
  if (!(pmd & P)) {
    child.pmd[i] = pmd;
    return;
  }
  let e = pmd;
  if (!(pmd & SHR)) {
    if (pmd & W) st.c[Counter.PMD_FLIPS]++;
    e = entry(frameOf(pmd), pmd & 0xfff & ~W);
    parent.pmd[i] = e;
  }
  child.pmd[i] = e;
  for (let k = 0; k < FOLIO; k++) mapGet(st, frameOf(pmd) + k);
}

/**
 * copy_pte_range: the child gets a new table, each mapped entry copied: as is
 * if not present; shared if MAP_SHARED; copied now if copiesAtFork (a pinned
 * small page, every exclusive page of a large folio that may be pinned); else
 * shared copy-on-write (W off in both).
 */
function copyPteRange(st: State, parent: Proc, child: Proc, i: number): void {
  const frames = st.pool.frames;
  const ct = allocTable(st); // the NOMEM check kept its frame
  child.pmd[i] = entry(ct, TBL);
  const pt = frames[frameOf(parent.pmd[i])].ptes;
  const cpt = frames[ct].ptes;
  for (let k = 0; k < FOLIO; k++) {
    const e = pt[k];
    if (!(e & V)) continue;
    if (!(e & P)) {
      cpt[k] = e;
      continue;
    }
    const f = frameOf(e);
    if (e & SHR) {
      cpt[k] = e; // a DWP entry stays read-only until a write-notify fault
      mapGet(st, f);
    } else if (copiesAtFork(st, f)) {
      // The parent keeps its entry.
      const nf = st.pool.alloc4k(FrameKind.USER, 0);
      frames[nf].bytes.set(frames[f].bytes);
      mapGet(st, nf);
      cpt[k] = entry(nf, P | V | (e & MAY) | (e & MAY ? W : 0));
      st.c[Counter.FORK_COPIES]++;
      st.c[Counter.BYTES_FORK] += PAGE;
      st.c[Counter.BYTES_COPIED] += PAGE;
    } else {
      if (e & W) st.c[Counter.PTE_FLIPS]++;
      const ro = entry(f, e & 0xfff & ~W);
      pt[k] = ro;
      cpt[k] = ro;
      mapGet(st, f);
    }
  }
}

/** 6.12, sd_exit: threads die (the cpumask empties, so no IPI targets this mm), the address space goes. */
export function doExit(st: State, pid: number): number {
  const p = st.proc(pid);
  if (!p) return st.fail(Err.NO_PROC);
  if (p.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
  p.cpus.clear();
  p.running.clear();
  p.stale.clear();
  p.flags |= ProcFlag.DEAD;
  exitMmap(st, p);
  st.tlb.dropMm(p.pid);
  st.c[Counter.EXITS]++;
  return 0;
}
