// Direct I/O's life cycle: submitDio (docs/model.md 6.7), dioDma (6.9) and
// completeDio (6.10). These are mechanisms: the mode an I/O gets and what a
// verify mismatch does are the policy's (policy.ts); get_user_pages (gup.ts),
// the write-protect (wp.ts) and the device (device.ts) do the steps.
import { Counter, Device, Err, FrameKind, IoFlag, IoState, MAX_IO_BYTES, Mode, Op, WarnKind } from "./abi";
import { cfgDevice, cfgDmaCheck, cfgIoPages, cfgMaxIos, cfgPolicy } from "./config";
import { count, countN } from "./counters";
import { deviceCheckPage, deviceSubmitPage, dmaReadPage, dmaWritePage, readVerifyPage, rewritePage } from "./device";
import { alloc4k, simAlloc4k, simBegin, simCommit } from "./alloc";
import { frameAddr, refPut } from "./frames";
import {
  faultinPages, faultinProtectedPages, pinUserPages, pinWouldOverflow, simGup, unpinUserPages, unsharePages,
} from "./gup";
import {
  ioEnd, ioFirst, ioId, ioMode, ioOp, ioOrphaned, ioPid, ioPolicy, ioPut, ioState, ioTake, ioVa, recBounce, recFrame,
  recFreeCount, recLen, recOff, recScratch, recSector, recVpn, setIoOrphaned, setIoState, setRecBounce, slotBusy,
} from "./io";
import { NIL, diskSectors, setDetail } from "./layout";
import { MAY, P, V, entryAddr, pageFrame } from "./pagetable";
import { caughtChange, decideMode, rewritesOnMismatch } from "./policy";
import { procAlive, procFlags, threadCpu, threadExists, threadPid } from "./proc";
import { ringComplete } from "./ring";
import { protectIo, restoreIo } from "./wp";
import { SUBMIT, batchJoin, batchNext } from "./batch";
import { switchMm } from "./tlb";

/** Modes that pin the user pages (GUP with FOLL_PIN): all but a bounced write. */
@inline function modePins(mode: u32, op: u32): bool {
  return mode != Mode.BOUNCE || op == Op.READ;
}

/** 6.7, sd_submit: the I/O's id, or -Err. */
export function submitDio(tid: u32, op: u32, va: u32, len: u32, sector: u32, iflags: u32): i32 {
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
  if (recFreeCount < npages) { setDetail(<f64>cfgIoPages); return -Err.LIMIT; }

  let mode = decideMode(cfgPolicy, op, procFlags(pid), iflags); // section 5
  let pinning = modePins(mode, op);
  let cpu = threadCpu(tid);
  if (pinning && pinWouldOverflow(pid, va, len)) return -Err.BUSY;
  if (op == Op.READ) {
    let rc = faultinProtectedPages(pid, cpu, va, len); // 6.7 step 0
    if (rc < 0) return rc;
  }
  // NOMEM: what the steps below allocate, in their order, on counts.
  simBegin();
  simGup(pid, v0, v1, pinning);
  if (mode == Mode.BOUNCE) for (let i: u32 = 0; i < npages; i++) simAlloc4k();
  if (op == Op.WRITE && cfgDevice == Device.PARITY) for (let i: u32 = 0; i < npages; i++) simAlloc4k();
  if (!simCommit()) return -Err.NOMEM;

  switchMm(tid); // the submitter runs: a lazy CPU catches up
  batchJoin(SUBMIT, tid, (iflags & IoFlag.MORE) != 0); // 12: one submission call of several I/Os
  faultinPages(pid, v0, v1); // 6.7 step 1
  if (pinning) unsharePages(pid, cpu, op, v0, v1); // 6.7 step 2
  let r = ioTake(mode, op, cfgPolicy, tid, pid, cpu, va, len, sector);
  if (pinning) pinUserPages(r); // 6.7 step 3
  if (mode == Mode.WP) protectIo(r); // 6.7 step 4
  if (mode == Mode.BOUNCE) bounceSubmit(r); // 6.7 step 5
  if (op == Op.WRITE) {
    for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) deviceSubmitPage(i, sourceOf(i)); // 6.7 step 6
  }
  // 6.7 step 7
  count(op == Op.WRITE ? Counter.WRITES : Counter.READS);
  countN(op == Op.WRITE ? Counter.BYTES_WRITTEN : Counter.BYTES_READ, len);
  if (mode == Mode.DIRECT) count(Counter.DIRECT_IOS);
  else if (mode == Mode.BOUNCE) count(Counter.BOUNCE_IOS);
  else if (mode == Mode.WP) count(Counter.PROTECTED_IOS);
  else count(Counter.VERIFY_IOS);
  batchNext((iflags & IoFlag.MORE) == 0); // the call's last I/O: its held-back shootdowns happen
  return <i32>ioId(r);
}

/** 6.7 step 5: a bounce frame per page; a write copies the buffer's bytes into it (the NOMEM check kept the frames). */
@inline function bounceSubmit(r: usize): void {
  let pid = ioPid(r), write = ioOp(r) == Op.WRITE;
  for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) {
    let b = alloc4k(FrameKind.BOUNCE, 1);
    assert(b != NIL);
    setRecBounce(i, b);
    if (!write) continue;
    let off = recOff(i), len = recLen(i);
    let f = pageFrame(load<u32>(entryAddr(pid, recVpn(i))), recVpn(i));
    memory.copy(frameAddr(b) + off, frameAddr(f) + off, len);
    countN(Counter.BYTES_BOUNCED, len);
    countN(Counter.BYTES_COPIED, len);
  }
}

/** The page the device reads for a write, or fills for a read: the bounce frame, else the pinned frame. */
@inline function sourceOf(i: u32): usize {
  let b = recBounce(i);
  if (b != NIL) return frameAddr(b);
  assert(recFrame(i) != NIL);
  return frameAddr(recFrame(i));
}

/** 6.9, sd_dma: the device's DMA point of I/O record `r` (SUBMITTED). */
export function dioDma(r: usize): void {
  if (!ASC_NO_ASSERT) assert(ioState(r) == IoState.SUBMITTED);
  let pid = ioPid(r);
  let write = ioOp(r) == Op.WRITE;
  // A read into the pinned frames (not bounced) is lost if the process no
  // longer maps one of them now, as the data arrives: a COW before this point
  // moved it to a copy, or it unmapped the page. A COW after it copies the
  // data along, and the process sees it.
  let watch = !write && ioMode(r) != Mode.BOUNCE && procAlive(pid);
  let orphaned = false;
  let mismatch = false;
  for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) {
    let ds0 = recSector(r, i);
    let page = sourceOf(i);
    if (write) {
      if (cfgDmaCheck && !deviceCheckPage(i, page)) mismatch = true;
      dmaWritePage(i, page, ds0);
    } else {
      dmaReadPage(i, page, ds0);
      if (watch) {
        let v = recVpn(i);
        let ea = entryAddr(pid, v);
        let e = ea ? load<u32>(ea) : 0;
        if (!(e & P) || pageFrame(e, v) != recFrame(i)) orphaned = true;
      }
    }
  }
  if (orphaned) setIoOrphaned(r);
  if (mismatch) count(Counter.DMA_MISMATCHES);
  setIoState(r, IoState.DMA_DONE);
}

/** 6.10, sd_complete: the DMA if still due, then verify, the read's checks, restore, unpin. */
export function completeDio(r: usize): void {
  if (ioState(r) == IoState.SUBMITTED) dioDma(r);
  let op = ioOp(r), mode = ioMode(r), pid = ioPid(r);

  if (op == Op.WRITE && mode == Mode.VERIFY) verifyWrite(r); // 6.10 step 1

  if (op == Op.READ) {
    // 6.10 step 2
    if (cfgDevice == Device.FS_CSUM) {
      let bad = false;
      for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) if (!readVerifyPage(i, sourceOf(i))) bad = true;
      if (bad) count(Counter.READ_VERIFY_FAILURES);
    }
    if (mode == Mode.BOUNCE) {
      for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) {
        let off = recOff(i), len = recLen(i);
        memory.copy(frameAddr(recFrame(i)) + off, frameAddr(recBounce(i)) + off, len);
        countN(Counter.BYTES_BOUNCED, len);
        countN(Counter.BYTES_COPIED, len);
      }
    } else if (procAlive(pid) && ioOrphaned(r)) {
      // The data went to a frame the process had stopped mapping before the DMA (see dioDma).
      count(Counter.LOST_READS);
    }
  }

  if (mode == Mode.WP) restoreIo(r); // 6.10 step 3

  // 6.10 step 4
  unpinUserPages(r);
  for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) {
    if (recBounce(i) != NIL) refPut(recBounce(i));
    if (recScratch(i) != NIL) refPut(recScratch(i));
  }
  count(Counter.COMPLETIONS);
  ringComplete(r); // 6.10 step 5
  ioPut(r);
}

/**
 * 6.10 step 1: the device checks the pinned pages again; a difference is
 * counted and handed to the policy (warn, degrade, rewrite through the
 * buffered path).
 */
function verifyWrite(r: usize): void {
  let bad = false;
  for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) if (!deviceCheckPage(i, frameAddr(recFrame(i)))) bad = true;
  if (!bad) return;
  count(Counter.VERIFY_FAILURES);
  let policy = ioPolicy(r);
  caughtChange(policy, ioPid(r), ioVa(r), ioId(r), WarnKind.VERIFY);
  if (!rewritesOnMismatch(policy)) return;
  for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) rewritePage(i, frameAddr(recFrame(i)), recSector(r, i));
}
