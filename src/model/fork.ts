// sd_fork (docs/model.md 6.11) and sd_exit (6.12).
import { Counter, Err, FrameKind, Key, ProcFlag } from "../../assembly/abi.js";
import { FOLIO, PAGE, type Alloc } from "./frames.js";
import { teardown } from "./mmap.js";
import { entry, folioAny, frameOf, HUG, MAY, P, SHR, split, TBL, V, W } from "./pagetable.js";
import { PMDS, type Proc, type State } from "./state.js";
import { shootdown } from "./tlb.js";

export function newProc(st: State, flags: number): Proc {
  const p: Proc = { pid: st.procs.length + 1, flags, pmd: new Uint32Array(PMDS), cpus: new Set() };
  st.procs.push(p);
  return p;
}

export function newThread(st: State, p: Proc, cpu: number): number {
  const tid = st.threads.length + 1;
  st.threads.push({ tid, pid: p.pid, cpu });
  p.cpus.add(cpu);
  return tid;
}

/**
 * A private huge PMD whose folio has a pinned frame is split in the parent
 * before the copy, and every exclusive subpage is copied for the child: Linux
 * decides per folio (folio_maybe_dma_pinned in __folio_try_dup_anon_rmap).
 */
function splitsAtFork(st: State, pmd: number): boolean {
  return (pmd & HUG) !== 0 && (pmd & P) !== 0 && !(pmd & SHR) && folioAny(st, frameOf(pmd), (f) => f.pin > 0);
}

export function fork(st: State, tid: number, cpu: number): number {
  const t = st.thread(tid);
  if (!t) return st.fail(Err.NO_THREAD);
  const parent = st.procs[t.pid - 1];
  if (parent.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
  if (cpu < 0 || cpu >= st.cfg[Key.CPUS]) return st.fail(Err.CPU);
  if (st.procs.length >= st.cfg[Key.MAX_PROCS]) return st.fail(Err.LIMIT, st.cfg[Key.MAX_PROCS]);
  if (st.threads.length >= st.cfg[Key.MAX_THREADS]) return st.fail(Err.LIMIT, st.cfg[Key.MAX_THREADS]);

  // In PMD order: the parent's split table, the child's table, the copies (pinned pages; every
  // exclusive page of a split folio).
  const need: Alloc[] = [];
  for (let i = 0; i < parent.pmd.length; i++) {
    const pmd = parent.pmd[i];
    if (pmd === 0) continue;
    if (splitsAtFork(st, pmd)) {
      need.push("4k", "4k");
      for (let k = 0; k < FOLIO; k++) if (st.pool.frames[frameOf(pmd) + k].map === 1) need.push("4k");
    } else if (pmd & TBL) {
      need.push("4k");
      const ptes = st.pool.frames[frameOf(pmd)].ptes;
      for (let k = 0; k < FOLIO; k++) {
        const e = ptes[k];
        if (e & V && e & P && !(e & SHR) && st.pool.frames[frameOf(e)].pin > 0) need.push("4k");
      }
    }
  }
  const short = st.pool.plan(need);
  if (short) return st.fail(Err.NOMEM, short);

  const child = newProc(st, parent.flags & ProcFlag.INPUTS);
  const ctid = newThread(st, child, cpu);
  const frames = st.pool.frames;
  for (let i = 0; i < parent.pmd.length; i++) {
    if (parent.pmd[i] === 0) continue;
    const folioCopy = splitsAtFork(st, parent.pmd[i]);
    if (folioCopy) split(st, parent, i, t.cpu);
    const pmd = parent.pmd[i];
    if (pmd & HUG) {
      if (!(pmd & P)) {
        child.pmd[i] = pmd; // mapped, not present: copied as is
        continue;
      }
      // Shared with the child; a private one becomes copy-on-write in both.
      let e = pmd;
      if (!(pmd & SHR)) {
        if (pmd & W) st.c[Counter.PMD_FLIPS]++;
        e = entry(frameOf(pmd), pmd & 0xfff & ~W);
        parent.pmd[i] = e;
      }
      child.pmd[i] = e;
      for (let k = 0; k < FOLIO; k++) {
        frames[frameOf(pmd) + k].map++;
        frames[frameOf(pmd) + k].ref++;
      }
    } else if (pmd & TBL) {
      const ct = st.pool.alloc4k(FrameKind.PGTABLE, true);
      frames[ct].ref = 1;
      child.pmd[i] = entry(ct, TBL);
      const pt = frames[frameOf(pmd)].ptes;
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
          frames[f].map++;
          frames[f].ref++;
        } else if (folioCopy ? frames[f].map === 1 : frames[f].pin > 0) {
          // Linux copies a possibly pinned page at fork (for a split THP: every exclusive
          // subpage of the possibly pinned folio); the parent keeps its entry.
          const nf = st.pool.alloc4k(FrameKind.USER, false);
          frames[nf].bytes.set(frames[f].bytes);
          frames[nf].map = 1;
          frames[nf].ref = 1;
          cpt[k] = entry(nf, P | V | (e & MAY) | (e & MAY ? W : 0));
          st.c[Counter.FORK_COPIES]++;
          st.c[Counter.BYTES_FORK] += PAGE;
          st.c[Counter.BYTES_COPIED] += PAGE;
        } else {
          if (e & W) st.c[Counter.PTE_FLIPS]++;
          const ro = entry(f, e & 0xfff & ~W);
          pt[k] = ro;
          cpt[k] = ro;
          frames[f].map++;
          frames[f].ref++;
        }
      }
    }
  }
  shootdown(st, parent.pid, t.cpu, 0, PMDS * FOLIO); // flush_tlb_mm in dup_mmap
  st.c[Counter.FORKS]++;
  return ctid;
}

export function exit(st: State, pid: number): number {
  const p = st.proc(pid);
  if (!p) return st.fail(Err.NO_PROC);
  if (p.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
  // Threads die (the cpumask empties) before the mappings go, so no IPI targets this mm.
  p.cpus.clear();
  teardown(st, p);
  p.flags |= ProcFlag.DEAD;
  st.c[Counter.EXITS]++;
  return 0;
}
