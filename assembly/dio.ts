// Direct I/O: submit, the DMA point, completion, under every policy
// (docs/model.md sections 5 and 6.7-6.10).
import {
  Counter, Device, Err, FrameKind, IoFlag, IoState, MAX_IO_BYTES, Mode, Op, Policy, ProcFlag, Stable, WarnKind,
} from "./abi";
import { count, countN, counter } from "./counters";
import { dmaReadPage, dmaWritePage, pageMatches, readPageVerifies, rewritePage, submitChecks } from "./device";
import {
  alloc4k, frameAddr, mapcount, pinGet, pinPut, refPut, secpin, setWpcount, simAlloc4k, simAllocHuge, simBegin,
  simCommit, wpcount,
} from "./frames";
import {
  I_CPU, I_FIRST, I_LEN, I_MODE, I_NPAGES, I_OP, I_ORPHANED, I_PID, I_POLICY, I_SECTOR, I_STATE, I_TID, I_VA, R_BLEN,
  R_BOUNCE, R_FRAME, R_NEXT, R_OFF, R_SCRATCH, R_VPN, ioAdvanceLow, ioLow, ioRec, ioState, ioTake, nextId,
  pageFreeCount, rec, recPut, recTake, slotBusy,
} from "./io";
import { NIL, diskSectors, setDetail } from "./layout";
import { cfgDevice, cfgDmaCheck, cfgIoPages, cfgMaxIos, cfgPolicy, cfgStable } from "./config";
import { copyPage, demandHuge, demandPte, folioShared, splitPmd } from "./pagetable";
import { procAlive, procCount, procFlags, threadCpu, threadExists, threadPid } from "./proc";
import { DWP, HUG, MAY, P, SHR, V, W, canWrite, entryAddr, frameFor, frameOf, pmdAddr } from "./pte";
import { flips, hi, lo, rangeBegin, unwpRange, wpRange } from "./protect";
import { shootdown } from "./tlb";
import { degrade, warnOnce } from "./warn";

/** Hellwig's levels: does this I/O need stable pages on this device? */
function needsStable(op: u32, level: u32): bool {
  if (cfgStable == Stable.ALWAYS) return true;
  if (cfgStable == Stable.NEVER || level == 0) return false;
  if (cfgDevice == Device.PI) return op == Op.WRITE && level == 1;
  if (cfgDevice == Device.PARITY) return op == Op.WRITE;
  return cfgDevice == Device.FS_CSUM;
}

function decideMode(op: u32, pflags: u32, iflags: u32): u32 {
  let level: u32 = (pflags & ProcFlag.KERNEL) ? 0 : (iflags & IoFlag.PROMISE) ? 1 : 2;
  if (!needsStable(op, level)) return Mode.DIRECT;
  let degraded = (pflags & ProcFlag.DEGRADED) != 0;
  switch (cfgPolicy) {
    case Policy.BOUNCE: return Mode.BOUNCE;
    case Policy.WP_COW: case Policy.WP_WAIT: return Mode.WP;
    case Policy.WP_COW_DEGRADE: return degraded ? Mode.BOUNCE : Mode.WP;
    case Policy.OPT_OUT: return (pflags & ProcFlag.UNSAFE) ? Mode.BOUNCE : Mode.DIRECT;
    case Policy.OPT_OUT_INVERSE: return (pflags & ProcFlag.TRUSTED) ? Mode.DIRECT : Mode.BOUNCE;
    case Policy.VERIFY: return op == Op.READ ? Mode.DIRECT : degraded ? Mode.BOUNCE : Mode.VERIFY;
    default: return Mode.DIRECT;
  }
}

@inline function pins(mode: u32, op: u32): bool {
  return mode != Mode.BOUNCE || op == Op.READ;
}

/** Would pinning this present entry's page unshare it first? */
@inline function wouldUnshare(e: u32, f: u32): bool {
  return !(e & SHR) && mapcount(f) > 1;
}

/** A private huge PMD whose folio is not exclusive is split before a pin (a THP is exclusive only whole). */
@inline function splitsToPin(e: u32): bool {
  return (e & HUG) != 0 && (e & P) != 0 && (e & SHR) == 0 && folioShared(frameOf(e));
}

export function submit(tid: u32, op: u32, va: u32, len: u32, sector: u32, iflags: u32): i32 {
  if (!threadExists(tid)) return -Err.NO_THREAD;
  let pid = threadPid(tid);
  if (!procAlive(pid)) return -Err.DEAD;
  if (op > <u32>Op.READ || (iflags & ~IoFlag.ALL) != 0 || len == 0 || len > <u32>MAX_IO_BYTES) return -Err.INVAL;
  if (((va | len) & 511) != 0) return -Err.ALIGN;
  if (cfgDevice == Device.FS_CSUM && (((va | len) & 4095) != 0 || (sector & 7) != 0)) return -Err.ALIGN;
  if (<u64>va + <u64>len > 0x1_0000_0000) return -Err.RANGE;
  if (<u64>sector + <u64>(len >>> 9) > <u64>diskSectors) return -Err.DISK_RANGE;
  let v0 = va >>> 12, v1 = (va + len - 1) >>> 12;
  let npages = v1 - v0 + 1;
  for (let v = v0; v <= v1; v++) {
    let ea = entryAddr(pid, v);
    if (!ea || !(load<u32>(ea) & V)) return -Err.NOT_MAPPED;
  }
  if (op == Op.READ) {
    for (let v = v0; v <= v1; v++) if (!(load<u32>(entryAddr(pid, v)) & MAY)) return -Err.RO;
  }
  if (slotBusy()) { setDetail(<f64>cfgMaxIos); return -Err.LIMIT; }
  if (pageFreeCount < npages) { setDetail(<f64>cfgIoPages); return -Err.LIMIT; }

  let pflags = procFlags(pid);
  let mode = decideMode(op, pflags, iflags);
  let pinning = pins(mode, op);
  let cpu = threadCpu(tid);

  // BUSY: a sector already pinned 255 times on a frame we would pin as it is.
  if (pinning) {
    for (let v = v0; v <= v1; v++) {
      let e = load<u32>(entryAddr(pid, v));
      if (!(e & P)) continue;
      let f = frameFor(e, v);
      if (wouldUnshare(e, f)) continue;
      let off = v == v0 ? va & 4095 : 0;
      let end = v == v1 ? ((va + len - 1) & 4095) + 1 : 4096;
      for (let s = off >>> 9; s < (end >>> 9); s++) if (secpin(f, s) == 255) return -Err.BUSY;
    }
  }

  // NOMEM: the allocations below, in their order, on counts.
  simBegin();
  let lastPmd: u32 = NIL;
  for (let v = v0; v <= v1; v++) {
    let pa = pmdAddr(pid, v);
    let pmd = load<u32>(pa);
    if (pmd & HUG) {
      if (!(pmd & P) && (v >>> 9) != lastPmd) simAllocHuge();
      lastPmd = v >>> 9;
    } else if (!(load<u32>(entryAddr(pid, v)) & P)) simAlloc4k();
  }
  if (pinning) {
    lastPmd = NIL;
    for (let v = v0; v <= v1; v++) {
      let e = load<u32>(entryAddr(pid, v));
      if (!(e & P)) continue; // demand-faulted just now: exclusive
      if (splitsToPin(e) && (v >>> 9) != lastPmd) { simAlloc4k(); lastPmd = v >>> 9; }
      if (wouldUnshare(e, frameFor(e, v))) simAlloc4k();
    }
  }
  if (mode == Mode.BOUNCE) for (let i: u32 = 0; i < npages; i++) simAlloc4k();
  if (op == Op.WRITE && cfgDevice == Device.PARITY) for (let i: u32 = 0; i < npages; i++) simAlloc4k();
  if (!simCommit()) return -Err.NOMEM;

  // 1. GUP: fault in what is not present.
  for (let v = v0; v <= v1; v++) {
    let pa = pmdAddr(pid, v);
    if (load<u32>(pa) & HUG) {
      if (!(load<u32>(pa) & P)) demandHuge(pa);
    } else {
      let ea = entryAddr(pid, v);
      if (!(load<u32>(ea) & P)) demandPte(ea);
    }
  }
  // 2. Unshare pages a fork left shared, before pinning them.
  if (pinning) {
    for (let v = v0; v <= v1; v++) {
      if (splitsToPin(load<u32>(pmdAddr(pid, v)))) splitPmd(pid, v >>> 9, cpu);
      let ea = entryAddr(pid, v);
      let e = load<u32>(ea);
      if (e & HUG) continue;
      let f = frameOf(e);
      // A READ pins with FOLL_WRITE (a write fault: the copy is writable); a WRITE
      // unshares (FAULT_FLAG_UNSHARE: the copy stays read-only, MAY kept).
      if (wouldUnshare(e, f)) copyPage(pid, cpu, v, ea, e, f, true, op == Op.READ); // the NOMEM check above kept its frame
    }
  }

  let r = ioTake();
  let id = nextId - 1;
  store<u8>(r, <u8>IoState.SUBMITTED, I_STATE);
  store<u8>(r, <u8>mode, I_MODE);
  store<u8>(r, <u8>op, I_OP);
  store<u8>(r, <u8>cfgPolicy, I_POLICY);
  store<u32>(r, tid, I_TID);
  store<u32>(r, pid, I_PID);
  store<u32>(r, cpu, I_CPU);
  store<u32>(r, va, I_VA);
  store<u32>(r, len, I_LEN);
  store<u32>(r, sector, I_SECTOR);
  store<u32>(r, npages, I_NPAGES);

  // Page records: frames, byte ranges; 3. pin.
  let prev: u32 = NIL;
  for (let v = v0; v <= v1; v++) {
    let i = recTake();
    let pr = rec(i);
    if (prev == NIL) store<u32>(r, i, I_FIRST); else store<u32>(rec(prev), i, R_NEXT);
    prev = i;
    let off = v == v0 ? va & 4095 : 0;
    let end = v == v1 ? ((va + len - 1) & 4095) + 1 : 4096;
    store<u32>(pr, v, R_VPN);
    store<u32>(pr, off, R_OFF);
    store<u32>(pr, end - off, R_BLEN);
    if (pinning) {
      let f = frameFor(load<u32>(entryAddr(pid, v)), v);
      pinGet(f, off >>> 9, end >>> 9);
      store<u32>(pr, f, R_FRAME);
      count(Counter.PINS);
    }
  }

  // 4. Write-protect.
  if (mode == Mode.WP) protect(pid, cpu, load<u32>(r, I_FIRST), v0, v1);

  // 5. Bounce, 6. the device's submit-time work.
  let i = load<u32>(r, I_FIRST);
  if (mode == Mode.BOUNCE) {
    for (let j = i; j != NIL; j = load<u32>(rec(j), R_NEXT)) {
      let pr = rec(j);
      let b = alloc4k(FrameKind.BOUNCE, 1);
      store<u32>(pr, b, R_BOUNCE);
      if (op == Op.WRITE) {
        let off = load<u32>(pr, R_OFF), blen = load<u32>(pr, R_BLEN);
        let f = frameFor(load<u32>(entryAddr(pid, load<u32>(pr, R_VPN))), load<u32>(pr, R_VPN));
        memory.copy(frameAddr(b) + off, frameAddr(f) + off, blen);
        countN(Counter.BYTES_BOUNCED, blen);
        countN(Counter.BYTES_COPIED, blen);
      }
    }
  }
  if (op == Op.WRITE) {
    for (let j = i; j != NIL; j = load<u32>(rec(j), R_NEXT)) {
      let pr = rec(j);
      let off = load<u32>(pr, R_OFF), blen = load<u32>(pr, R_BLEN);
      let src = sourceOf(pid, pr);
      if (cfgDevice == Device.PARITY) {
        let s = alloc4k(FrameKind.SCRATCH, 1);
        store<u32>(pr, s, R_SCRATCH);
        memory.copy(frameAddr(s) + off, src + off, blen);
      }
      submitChecks(pr, src, off, blen);
    }
    count(Counter.WRITES);
    countN(Counter.BYTES_WRITTEN, len);
  } else {
    count(Counter.READS);
    countN(Counter.BYTES_READ, len);
  }
  if (mode == Mode.DIRECT) count(Counter.DIRECT_IOS);
  else if (mode == Mode.BOUNCE) count(Counter.BOUNCE_IOS);
  else if (mode == Mode.WP) count(Counter.PROTECTED_IOS);
  else count(Counter.VERIFY_IOS);
  return <i32>id;
}

/** The bytes the device reads for a write page: the bounce frame, the pinned frame, or (never reached) the mapping. */
function sourceOf(pid: u32, pr: usize): usize {
  let b = load<u32>(pr, R_BOUNCE);
  if (b != NIL) return frameAddr(b);
  let f = load<u32>(pr, R_FRAME);
  if (f != NIL) return frameAddr(f);
  let v = load<u32>(pr, R_VPN);
  return frameAddr(frameFor(load<u32>(entryAddr(pid, v)), v));
}

/** Step 4 of submit: wpcount++ on every page, W off where it was on. */
function protect(pid: u32, cpu: u32, first: u32, v0: u32, v1: u32): void {
  let shared = false;
  for (let j = first; j != NIL; j = load<u32>(rec(j), R_NEXT)) {
    let f = load<u32>(rec(j), R_FRAME);
    setWpcount(f, wpcount(f) + 1);
    if (load<u32>(entryAddr(pid, load<u32>(rec(j), R_VPN))) & SHR) shared = true;
  }
  rangeBegin();
  wpRange(pid, v0, v1);
  if (flips) shootdown(pid, cpu, lo, hi - lo + 1);
  if (shared) protectSharers(pid, cpu, first);
}

/** Counts one flip of entry `e` for `v`; returns the first page it covers. */
function flipped(e: u32, v: u32): u32 {
  if (e & HUG) {
    count(Counter.PMD_FLIPS);
    return v & ~511;
  }
  count(Counter.PTE_FLIPS);
  return v;
}

/**
 * A MAP_SHARED frame is also mapped by processes forked from the submitter,
 * at the same address: protect their entries too (the kernel's rmap walk, as
 * folio_mkclean does), one shootdown per process, ascending pid.
 */
function protectSharers(pid: u32, cpu: u32, first: u32): void {
  for (let q: u32 = 1; q <= procCount; q++) {
    if (q == pid || !procAlive(q)) continue;
    let lo: u32 = NIL, hi: u32 = 0, lastPmd: u32 = NIL;
    for (let j = first; j != NIL; j = load<u32>(rec(j), R_NEXT)) {
      let v = load<u32>(rec(j), R_VPN);
      let ea = entryAddr(q, v);
      if (!ea) continue;
      let e = load<u32>(ea);
      if (!(e & P) || !(e & SHR) || !(e & W) || frameFor(e, v) != load<u32>(rec(j), R_FRAME)) continue;
      if ((e & HUG) && (v >>> 9) == lastPmd) continue;
      lastPmd = v >>> 9;
      store<u32>(ea, (e & ~W) | DWP);
      let b = flipped(e, v);
      if (b < lo) lo = b;
      hi = max(hi, (e & HUG) ? b + 511 : b);
    }
    if (lo != NIL) shootdown(q, cpu, lo, hi - lo + 1);
  }
}

export function dma(id: u32): i32 {
  let st = ioState(id);
  if (st == IoState.UNKNOWN) return -Err.NO_IO;
  if (st == IoState.COMPLETED) return -Err.IO_DONE;
  if (st == IoState.DMA_DONE) return -Err.IO_STATE;
  doDma(ioRec(id));
  return 0;
}

function doDma(r: usize): void {
  let op = load<u8>(r, I_OP);
  let va = load<u32>(r, I_VA);
  let sector = load<u32>(r, I_SECTOR);
  let pid = load<u32>(r, I_PID);
  // A read into the pinned frames (not bounced) is lost if the process no
  // longer maps one of them now, as the data arrives: a COW before this point
  // moved it to a copy, or it unmapped the page. A COW after it copies the
  // data along, and the process sees it.
  let watch = op == Op.READ && load<u8>(r, I_MODE) != Mode.BOUNCE && procAlive(pid);
  let orphaned = false;
  let mismatch = false;
  for (let j = load<u32>(r, I_FIRST); j != NIL; j = load<u32>(rec(j), R_NEXT)) {
    let pr = rec(j);
    let off = load<u32>(pr, R_OFF), blen = load<u32>(pr, R_BLEN);
    let ds0 = sector + ((((load<u32>(pr, R_VPN) << 12) + off) - va) >>> 9);
    let b = load<u32>(pr, R_BOUNCE);
    let dst = b != NIL ? frameAddr(b) : frameAddr(load<u32>(pr, R_FRAME));
    if (op == Op.WRITE) {
      let s = load<u32>(pr, R_SCRATCH);
      let scratch = s != NIL ? frameAddr(s) : 0;
      if (cfgDmaCheck && !pageMatches(pr, dst, scratch, off, blen)) mismatch = true;
      dmaWritePage(pr, dst, scratch, off, blen, ds0);
    } else {
      dmaReadPage(pr, dst, off, blen, ds0);
      if (watch) {
        let v = load<u32>(pr, R_VPN);
        let ea = entryAddr(pid, v);
        let e = ea ? load<u32>(ea) : 0;
        if (!(e & P) || frameFor(e, v) != load<u32>(pr, R_FRAME)) orphaned = true;
      }
    }
  }
  if (orphaned) store<u8>(r, 1, I_ORPHANED);
  if (mismatch) count(Counter.DMA_MISMATCHES);
  store<u8>(r, <u8>IoState.DMA_DONE, I_STATE);
}

export function complete(id: u32): i32 {
  let st = ioState(id);
  if (st == IoState.UNKNOWN) return -Err.NO_IO;
  if (st == IoState.COMPLETED) return -Err.IO_DONE;
  finish(ioRec(id));
  return 0;
}

/** Completion (6.10): DMA if still due, verify, read checks, restore, unpin. */
export function finish(r: usize): void {
  if (load<u8>(r, I_STATE) == IoState.SUBMITTED) doDma(r);
  let op = load<u8>(r, I_OP), mode = load<u8>(r, I_MODE);
  let pid = load<u32>(r, I_PID);
  let va = load<u32>(r, I_VA), sector = load<u32>(r, I_SECTOR);
  let first = load<u32>(r, I_FIRST);
  let alive = procAlive(pid);

  if (op == Op.WRITE && mode == Mode.VERIFY) {
    let bad = false;
    for (let j = first; j != NIL; j = load<u32>(rec(j), R_NEXT)) {
      let pr = rec(j);
      let s = load<u32>(pr, R_SCRATCH);
      if (!pageMatches(pr, frameAddr(load<u32>(pr, R_FRAME)), s != NIL ? frameAddr(s) : 0,
        load<u32>(pr, R_OFF), load<u32>(pr, R_BLEN))) bad = true;
    }
    if (bad) {
      count(Counter.VERIFY_FAILURES);
      warnOnce(pid, va, <u32>load<u32>(r), WarnKind.VERIFY);
      degrade(pid);
      for (let j = first; j != NIL; j = load<u32>(rec(j), R_NEXT)) {
        let pr = rec(j);
        let off = load<u32>(pr, R_OFF);
        let ds0 = sector + ((((load<u32>(pr, R_VPN) << 12) + off) - va) >>> 9);
        rewritePage(frameAddr(load<u32>(pr, R_FRAME)), off, load<u32>(pr, R_BLEN), ds0);
      }
    }
  }

  if (op == Op.READ) {
    if (cfgDevice == Device.FS_CSUM) {
      let bad = false;
      for (let j = first; j != NIL; j = load<u32>(rec(j), R_NEXT)) {
        let pr = rec(j);
        let b = load<u32>(pr, R_BOUNCE);
        if (!readPageVerifies(pr, frameAddr(b != NIL ? b : load<u32>(pr, R_FRAME)))) bad = true;
      }
      if (bad) count(Counter.READ_VERIFY_FAILURES);
    }
    if (mode == Mode.BOUNCE) {
      for (let j = first; j != NIL; j = load<u32>(rec(j), R_NEXT)) {
        let pr = rec(j);
        let off = load<u32>(pr, R_OFF), blen = load<u32>(pr, R_BLEN);
        memory.copy(frameAddr(load<u32>(pr, R_FRAME)) + off, frameAddr(load<u32>(pr, R_BOUNCE)) + off, blen);
        countN(Counter.BYTES_BOUNCED, blen);
        countN(Counter.BYTES_COPIED, blen);
      }
    } else if (alive && load<u8>(r, I_ORPHANED)) {
      // The data went to a frame the process had stopped mapping before the DMA (see doDma).
      count(Counter.LOST_READS);
    }
  }

  if (mode == Mode.WP) restore(r, pid, alive);

  for (let j = first; j != NIL;) {
    let pr = rec(j);
    let off = load<u32>(pr, R_OFF), blen = load<u32>(pr, R_BLEN);
    let f = load<u32>(pr, R_FRAME);
    if (f != NIL) {
      pinPut(f, off >>> 9, (off + blen) >>> 9);
      count(Counter.UNPINS);
    }
    let b = load<u32>(pr, R_BOUNCE);
    if (b != NIL) refPut(b);
    let s = load<u32>(pr, R_SCRATCH);
    if (s != NIL) refPut(s);
    let next = load<u32>(pr, R_NEXT);
    recPut(j);
    j = next;
  }
  count(Counter.COMPLETIONS);
  store<u8>(r, <u8>IoState.COMPLETED, I_STATE);
  ioAdvanceLow();
}

/** Step 3 of completion: wpcount-- everywhere, then W back where canWrite allows. */
function restore(r: usize, pid: u32, alive: bool): void {
  let first = load<u32>(r, I_FIRST);
  let cpu = load<u32>(r, I_CPU);
  for (let j = first; j != NIL; j = load<u32>(rec(j), R_NEXT)) {
    let f = load<u32>(rec(j), R_FRAME);
    setWpcount(f, wpcount(f) - 1);
  }
  let shared = alive && unprotect(pid, cpu, first);
  // Sharers were protected only if the submitter's pages were shared; after an
  // exit the submitter's table is gone, so look at the sharers regardless.
  if (shared || !alive) {
    for (let q: u32 = 1; q <= procCount; q++) {
      if (q != pid && procAlive(q)) unprotect(q, cpu, first);
    }
  }
}

/**
 * Makes `q`'s protected entries of the I/O's pages writable where they may
 * be (they still map the pinned frame, have DWP, pass canWrite), flipping
 * runs of consecutive such pages at once, with one shootdown. Returns whether
 * any of the entries is MAP_SHARED.
 */
function unprotect(q: u32, cpu: u32, first: u32): bool {
  let shared = false;
  let runFirst: u32 = NIL, runLast: u32 = 0;
  let lastPmd: u32 = NIL, pmdOk = false;
  rangeBegin();
  for (let j = first; j != NIL; j = load<u32>(rec(j), R_NEXT)) {
    let pr = rec(j);
    let v = load<u32>(pr, R_VPN);
    let ea = entryAddr(q, v);
    let e = ea ? load<u32>(ea) : 0;
    if (e & SHR) shared = true;
    let f = load<u32>(pr, R_FRAME);
    let ok = (e & P) != 0 && (e & DWP) != 0 && frameFor(e, v) == f;
    if (ok && (e & HUG)) {
      // canWrite of a PMD looks at 512 frames: once per PMD is enough.
      if ((v >>> 9) != lastPmd) { lastPmd = v >>> 9; pmdOk = canWrite(e, f); }
      ok = pmdOk;
    } else if (ok) {
      ok = canWrite(e, f);
    }
    if (ok && runFirst != NIL && v == runLast + 1) { runLast = v; continue; }
    if (runFirst != NIL) unwpRange(q, runFirst, runLast);
    runFirst = ok ? v : NIL;
    runLast = v;
  }
  if (runFirst != NIL) unwpRange(q, runFirst, runLast);
  if (flips) shootdown(q, cpu, lo, hi - lo + 1);
  return shared;
}

/** Does WP I/O record `r` pin a frame in [f0, f0+n)? */
function pinsAny(r: usize, f0: u32, n: u32): bool {
  for (let j = load<u32>(r, I_FIRST); j != NIL; j = load<u32>(rec(j), R_NEXT)) {
    let f = load<u32>(rec(j), R_FRAME);
    if (f >= f0 && f - f0 < n) return true;
  }
  return false;
}

/** The lowest-id in-flight WP I/O pinning a frame in [f0, f0+n); 0 if none. */
export function lowestProtector(f0: u32, n: u32): u32 {
  ioAdvanceLow();
  for (let id = ioLow; id < nextId; id++) {
    let st = ioState(id);
    if (st == IoState.COMPLETED || st == IoState.UNKNOWN) continue;
    let r = ioRec(id);
    if (load<u8>(r, I_MODE) == Mode.WP && pinsAny(r, f0, n)) return id;
  }
  return 0;
}

@inline export function ioPolicy(id: u32): u32 {
  return load<u8>(ioRec(id), I_POLICY);
}

/** A stalled writer: every in-flight WP I/O pinning [f0, f0+n) completes, ascending. */
export function waitFor(f0: u32, n: u32): void {
  for (let id = ioLow; id < nextId; id++) {
    let st = ioState(id);
    if (st == IoState.COMPLETED || st == IoState.UNKNOWN) continue;
    let r = ioRec(id);
    if (load<u8>(r, I_MODE) == Mode.WP && pinsAny(r, f0, n)) finish(r);
  }
}

/**
 * Completion's restore, then submission's write-protect, of write-protected
 * I/O `id` still in flight: the page-table work of one wp-* I/O with its
 * bookkeeping (protect counts, the may-it-be-writable-again check, sharers),
 * through the very functions finish() and submit() call, for the benchmark
 * (assembly/bench.ts). Leaves the I/O as it found it. Returns the entries
 * flipped, both halves.
 */
export function reprotect(id: u32): i32 {
  let st = ioState(id);
  if (st == IoState.UNKNOWN) return -Err.NO_IO;
  if (st == IoState.COMPLETED) return -Err.IO_DONE;
  let r = ioRec(id);
  let pid = load<u32>(r, I_PID);
  if (load<u8>(r, I_MODE) != Mode.WP || !procAlive(pid)) return -Err.INVAL;
  // Submit would protect what the pages map now: only the same frames make it the same I/O.
  for (let j = load<u32>(r, I_FIRST); j != NIL; j = load<u32>(rec(j), R_NEXT)) {
    let v = load<u32>(rec(j), R_VPN);
    let ea = entryAddr(pid, v);
    if (!ea || !(load<u32>(ea) & P) || frameFor(load<u32>(ea), v) != load<u32>(rec(j), R_FRAME)) return -Err.INVAL;
  }
  let c0 = flipCount();
  restore(r, pid, true);
  let va = load<u32>(r, I_VA);
  protect(pid, load<u32>(r, I_CPU), load<u32>(r, I_FIRST), va >>> 12, (va + load<u32>(r, I_LEN) - 1) >>> 12);
  return <i32>(flipCount() - c0);
}

/** PTE and PMD flips so far (both counters). */
function flipCount(): u64 {
  return counter(Counter.PTE_FLIPS) + counter(Counter.PMD_FLIPS);
}
