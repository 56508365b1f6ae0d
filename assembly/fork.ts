// sd_fork and sd_exit (docs/model.md 6.11, 6.12): kernel_clone's copy of the
// address space (dup_mmap -> copy_page_range -> copy_huge_pmd /
// copy_pte_range) and do_exit. Linux copies possibly-pinned anonymous pages at
// fork, so the parent keeps the frame its I/O pinned; the rest is shared
// copy-on-write. For a THP the decision is the folio's (folio_maybe_dma_pinned):
// copy_huge_pmd splits the PMD and every exclusive subpage is copied for the
// child; the folio stays large after the split, so later forks decide per
// folio too.
import { Counter, Err, FrameKind, ProcFlag } from "./abi";
import { cfgCpus, cfgMaxProcs, cfgMaxThreads } from "./config";
import { count, countN } from "./counters";
import { alloc4k, simAlloc4k, simBegin, simCommit } from "./alloc";
import { copyFrame, folioLarge, folioMaybeDmaPinned, frameAddr, mapGet, mapcount, pincount } from "./frames";
import { NIL, PMD_COUNT, PMD_PAGES, setDetail } from "./layout";
import { exitMmap } from "./mmap";
import {
  DWP, FLAGS, HUG, MAY, P, SHR, TBL, V, W, allocTable, entry, frameOf, pmdAddrAt, splitHugePmd,
} from "./pagetable";
import {
  killProc, newProc, newThread, procAlive, procCount, procExists, procFlags, threadCount, threadCpu, threadExists,
  threadPid,
} from "./proc";
import { flushTlbMmRange, switchMm, tlbDropMm } from "./tlb";

/**
 * A private huge PMD whose folio has a pinned frame: split in the parent
 * before copying, and every exclusive subpage is copied for the child.
 */
@inline function splitsAtFork(e: u32): bool {
  return (e & HUG) != 0 && (e & P) != 0 && (e & SHR) == 0 && folioMaybeDmaPinned(frameOf(e));
}

// The last folio copiesAtFork asked about (its head, or NIL) and the answer:
// pins do not change during a fork.
let lastHead: u32 = NIL;
let lastPinned = false;

/**
 * copy_present_ptes' question for a private present page `f`: copy it for the
 * child now? A page of a large folio (split or not) is copied if it is
 * exclusive and its folio may be pinned (__folio_try_dup_anon_rmap refuses to
 * share a PageAnonExclusive page of a maybe-pinned folio: -EBUSY, then
 * copy_present_page); a small page if it is pinned.
 */
@inline function copiesAtFork(f: u32): bool {
  if (!folioLarge(f)) return pincount(f) > 0;
  if (mapcount(f) != 1) return false;
  let head = f & ~(PMD_PAGES - 1);
  if (head != lastHead) {
    lastHead = head;
    lastPinned = folioMaybeDmaPinned(head);
  }
  return lastPinned;
}

/** 6.11, sd_fork: a child of `tid`'s process with one thread on `cpu`; its tid. */
export function kernelClone(tid: u32, cpu: u32): i32 {
  if (!threadExists(tid)) return -Err.NO_THREAD;
  let parent = threadPid(tid);
  if (!procAlive(parent)) return -Err.DEAD;
  if (cpu >= cfgCpus) return -Err.CPU;
  if (procCount >= cfgMaxProcs) { setDetail(<f64>cfgMaxProcs); return -Err.LIMIT; }
  if (threadCount >= cfgMaxThreads) { setDetail(<f64>cfgMaxThreads); return -Err.LIMIT; }
  if (!simDupMmap(parent)) return -Err.NOMEM;
  switchMm(tid); // the forking thread runs: a lazy CPU catches up
  let child = newProc(procFlags(parent) & ProcFlag.INPUTS);
  let ctid = newThread(child, cpu);
  copyPageRange(parent, child, threadCpu(tid));
  count(Counter.FORKS);
  return <i32>ctid;
}

/**
 * The NOMEM check: in PMD order, the parent's split table, the child's table,
 * the copies (of pinned pages; of every exclusive subpage of a split folio).
 */
function simDupMmap(parent: u32): bool {
  simBegin();
  lastHead = NIL;
  for (let i: u32 = 0; i < PMD_COUNT; i++) {
    let e = load<u32>(pmdAddrAt(parent, i));
    let split = splitsAtFork(e);
    if (split) simAlloc4k();
    if (!split && !(e & TBL)) continue;
    simAlloc4k(); // the child's table
    for (let k: u32 = 0; k < PMD_PAGES; k++) {
      let pte: u32, f: u32;
      if (split) { pte = P | V; f = frameOf(e) + k; }
      else { pte = load<u32>(frameAddr(frameOf(e)) + (<usize>k << 2)); f = frameOf(pte); }
      if ((pte & V) && (pte & P) && !(e & SHR) && !(pte & SHR) && copiesAtFork(f)) {
        simAlloc4k();
      }
    }
  }
  return simCommit();
}

/** copy_page_range: the parent's page table into the child's, PMD by PMD, then one shootdown of all of it. */
function copyPageRange(parent: u32, child: u32, pcpu: u32): void {
  lastHead = NIL;
  for (let i: u32 = 0; i < PMD_COUNT; i++) {
    let pa = pmdAddrAt(parent, i);
    // The folio may be pinned: split, then every exclusive subpage is copied (copiesAtFork).
    if (splitsAtFork(load<u32>(pa))) splitHugePmd(parent, i, pcpu);
    let e = load<u32>(pa);
    if (e & HUG) copyHugePmd(pa, pmdAddrAt(child, i));
    else if (e & TBL) copyPteRange(e, pmdAddrAt(child, i));
  }
  flushTlbMmRange(parent, pcpu, 0, 0xFFFFF); // flush_tlb_mm in dup_mmap
}

/**
 * copy_huge_pmd of a folio no I/O pins: shared with the child, a private one
 * copy-on-write in both. A mapped, not present PMD is copied as is.
 */
function copyHugePmd(pa: usize, ca: usize): void {
  let e = load<u32>(pa);
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
}

/**
 * copy_pte_range: the child gets a new table, each mapped entry copied:
 * as is if not present; shared if MAP_SHARED; copied now if copiesAtFork
 * (copy_present_page: a pinned small page, every exclusive page of a large
 * folio that may be pinned); else shared copy-on-write (W off in both).
 */
function copyPteRange(pmd: u32, ca: usize): void {
  let t = allocTable(); // the NOMEM check kept its frame
  assert(t != NIL);
  store<u32>(ca, entry(t, TBL | V));
  let src = frameAddr(frameOf(pmd));
  let dst = frameAddr(t);
  for (let k: u32 = 0; k < PMD_PAGES; k++) {
    let ea = src + (<usize>k << 2);
    let pte = load<u32>(ea);
    if (!(pte & V)) continue;
    let c = pte;
    if (pte & P) {
      let f = frameOf(pte);
      if (pte & SHR) {
        mapGet(f); // a DWP entry stays read-only in the child until a write-notify fault
      } else if (copiesAtFork(f)) {
        let nf = alloc4k(FrameKind.USER, 0);
        assert(nf != NIL);
        copyFrame(nf, f);
        mapGet(nf);
        c = entry(nf, (pte & FLAGS & ~(W | DWP)) | ((pte & MAY) ? W : 0));
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

/** 6.12, sd_exit: threads die, the address space goes; in-flight I/Os complete later. */
export function doExit(pid: u32): i32 {
  if (!procExists(pid)) return -Err.NO_PROC;
  if (!procAlive(pid)) return -Err.DEAD;
  killProc(pid);
  exitMmap(pid);
  tlbDropMm(pid);
  count(Counter.EXITS);
  return 0;
}
