// fork and exit (docs/model.md 6.11, 6.12). Linux copies possibly-pinned
// anonymous pages at fork, so the parent keeps the frame its I/O pinned; the
// rest is shared copy-on-write. For a THP the decision is the folio's
// (folio_maybe_dma_pinned): copy_huge_pmd splits the PMD and every exclusive
// subpage is copied for the child.
import { Counter, Err, FrameKind, ProcFlag } from "./abi";
import { count, countN } from "./counters";
import { alloc4k, copyFrame, frameAddr, mapGet, mapcount, pincount, simAlloc4k, simBegin, simCommit } from "./frames";
import { PMD_COUNT, PMD_PAGES, setDetail } from "./layout";
import { cfgCpus, cfgMaxProcs, cfgMaxThreads } from "./config";
import { allocTable, splitPmd, teardown } from "./pagetable";
import {
  killProc, newProc, newThread, procAlive, procCount, procExists, procFlags, threadCount, threadCpu, threadExists,
  threadPid,
} from "./proc";
import { DWP, HUG, MAY, P, SHR, TBL, V, W, frameOf, pmdAddrByIndex } from "./pte";
import { shootdown, tlbPurge } from "./tlb";

function folioPinned(head: u32): bool {
  for (let i: u32 = 0; i < PMD_PAGES; i++) if (pincount(head + i) > 0) return true;
  return false;
}

/**
 * A private huge PMD whose folio has a pinned frame: split in the parent
 * before copying, and every exclusive subpage is copied for the child.
 */
@inline function splitsAtFork(e: u32): bool {
  return (e & HUG) != 0 && (e & P) != 0 && (e & SHR) == 0 && folioPinned(frameOf(e));
}

export function fork(tid: u32, cpu: u32): i32 {
  if (!threadExists(tid)) return -Err.NO_THREAD;
  let parent = threadPid(tid);
  if (!procAlive(parent)) return -Err.DEAD;
  if (cpu >= cfgCpus) return -Err.CPU;
  if (procCount >= cfgMaxProcs) { setDetail(<f64>cfgMaxProcs); return -Err.LIMIT; }
  if (threadCount >= cfgMaxThreads) { setDetail(<f64>cfgMaxThreads); return -Err.LIMIT; }
  let pcpu = threadCpu(tid);

  simBegin();
  for (let i: u32 = 0; i < PMD_COUNT; i++) {
    let e = load<u32>(pmdAddrByIndex(parent, i));
    let split = splitsAtFork(e);
    if (split) simAlloc4k();
    if (!split && !(e & TBL)) continue;
    simAlloc4k(); // the child's table
    for (let k: u32 = 0; k < PMD_PAGES; k++) {
      let pte: u32, f: u32;
      if (split) { pte = P | V; f = frameOf(e) + k; }
      else { pte = load<u32>(frameAddr(frameOf(e)) + (<usize>k << 2)); f = frameOf(pte); }
      if ((pte & V) && (pte & P) && !(e & SHR) && !(pte & SHR) && (split ? mapcount(f) == 1 : pincount(f) > 0)) {
        simAlloc4k();
      }
    }
  }
  if (!simCommit()) return -Err.NOMEM;

  let child = newProc(procFlags(parent) & ProcFlag.INPUTS);
  let ctid = newThread(child, cpu);
  for (let i: u32 = 0; i < PMD_COUNT; i++) {
    let pa = pmdAddrByIndex(parent, i);
    let ca = pmdAddrByIndex(child, i);
    let e = load<u32>(pa);
    // The folio may be pinned: copy every exclusive subpage, not only pinned ones.
    let folioCopy = splitsAtFork(e);
    if (folioCopy) {
      splitPmd(parent, i, pcpu);
      e = load<u32>(pa);
    }
    if (e & HUG) {
      if (e & P) {
        if (!(e & SHR) && (e & W)) {
          e &= ~W;
          store<u32>(pa, e);
          count(Counter.PMD_FLIPS);
        }
        let head = frameOf(e);
        for (let k: u32 = 0; k < PMD_PAGES; k++) mapGet(head + k);
      }
      store<u32>(ca, e);
    } else if (e & TBL) {
      let t = allocTable();
      store<u32>(ca, (t << 12) | TBL | V);
      let src = frameAddr(frameOf(e));
      let dst = frameAddr(t);
      for (let k: u32 = 0; k < PMD_PAGES; k++) {
        let ea = src + (<usize>k << 2);
        let pte = load<u32>(ea);
        if (!(pte & V)) continue;
        let c = pte;
        if (pte & P) {
          let f = frameOf(pte);
          if (pte & SHR) {
            mapGet(f);
          } else if (folioCopy ? mapcount(f) == 1 : pincount(f) > 0) {
            let nf = alloc4k(FrameKind.USER, 0);
            copyFrame(nf, f);
            mapGet(nf);
            c = (nf << 12) | (pte & 0xFFF & ~(W | DWP)) | ((pte & MAY) ? W : 0);
            count(Counter.FORK_COPIES);
            countN(Counter.BYTES_FORK, 4096);
            countN(Counter.BYTES_COPIED, 4096);
          } else {
            if (pte & W) {
              store<u32>(ea, pte & ~W);
              count(Counter.PTE_FLIPS);
            }
            c = pte & ~W;
            mapGet(f);
          }
        }
        store<u32>(dst + (<usize>k << 2), c);
      }
    }
  }
  shootdown(parent, pcpu, 0, 0xFFFFF);
  count(Counter.FORKS);
  return <i32>ctid;
}

export function exit(pid: u32): i32 {
  if (!procExists(pid)) return -Err.NO_PROC;
  if (!procAlive(pid)) return -Err.DEAD;
  killProc(pid);
  teardown(pid);
  tlbPurge(pid);
  count(Counter.EXITS);
  return 0;
}
