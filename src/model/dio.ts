// Direct I/O's life cycle: submitDio (docs/model.md 6.7), dioDma (6.9) and
// completeDio (6.10), as assembly/dio.ts. These are mechanisms: the mode an
// I/O gets and what a verify mismatch does are the policy's (policy.ts);
// get_user_pages (gup.ts), the write-protect (wp.ts) and the device
// (device.ts) do the steps.
import {
  Counter,
  Device,
  Err,
  FrameKind,
  IoFlag,
  IoState,
  Key,
  MAX_IO_BYTES,
  Mode,
  Op,
  ProcFlag,
  WarnKind,
} from "../../assembly/abi.js";
import type { Alloc } from "./alloc.js";
import { deviceCheckPage, deviceSubmitPage, dmaReadPage, dmaWritePage, readVerifyPage, rewritePage } from "./device.js";
import { SECTOR } from "./disk.js";
import { PAGE, refPut } from "./frames.js";
import {
  faultinPages, faultinProtectedPages, pinUserPages, pinWouldOverflow, simGup, unpinUserPages, unsharePages,
} from "./gup.js";
import { ioPut, ioTake, type Io, type PageRec } from "./io.js";
import { MAY, P, pageFrame, slotOf, V } from "./pagetable.js";
import { caughtChange, decideMode, rewritesOnMismatch } from "./policy.js";
import { SPACE, type State } from "./state.js";
import { ringComplete } from "./ring.js";
import { protectIo, restoreIo } from "./wp.js";
import { batchJoin, batchNext, SUBMIT } from "./batch.js";
import { switchMm } from "./tlb.js";

/** Modes that pin the user pages (GUP with FOLL_PIN): all but a bounced write. */
function modePins(mode: number, op: number): boolean {
  return mode !== Mode.BOUNCE || op === Op.READ;
}

/** 6.7, sd_submit: the I/O's id, or -Err. */
export function submitDio(st: State, tid: number, op: number, va: number, len: number, sector: number, flags: number): number {
  const t = st.thread(tid);
  if (!t) return st.fail(Err.NO_THREAD);
  const p = st.procs[t.pid - 1];
  if (p.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
  if ((op !== Op.WRITE && op !== Op.READ) || flags & ~IoFlag.ALL || len === 0 || len > MAX_IO_BYTES) return st.fail(Err.INVAL);
  if (va % SECTOR !== 0 || len % SECTOR !== 0) return st.fail(Err.ALIGN);
  const dev = st.cfg[Key.DEVICE];
  if (dev === Device.FS_CSUM && (va % PAGE !== 0 || len % PAGE !== 0 || sector % 8 !== 0)) return st.fail(Err.ALIGN);
  if (va + len > SPACE) return st.fail(Err.RANGE);
  if (sector + len / SECTOR > st.disk.sectors) return st.fail(Err.DISK_RANGE);
  const v0 = Math.floor(va / PAGE);
  const v1 = Math.floor((va + len - 1) / PAGE);
  const npages = v1 - v0 + 1;
  for (let vpn = v0; vpn <= v1; vpn++) if (!(slotOf(st, p, vpn).e & V)) return st.fail(Err.NOT_MAPPED);
  if (op === Op.READ) for (let vpn = v0; vpn <= v1; vpn++) if (!(slotOf(st, p, vpn).e & MAY)) return st.fail(Err.RO);
  if (st.slots.has((st.lastIo + 1) & (st.cfg[Key.MAX_IOS] - 1))) return st.fail(Err.LIMIT, st.cfg[Key.MAX_IOS]);
  if (st.ioPagesUsed + npages > st.cfg[Key.IO_PAGES]) return st.fail(Err.LIMIT, st.cfg[Key.IO_PAGES]);

  const policy = st.cfg[Key.POLICY];
  const mode = decideMode(st, policy, op, p, flags); // section 5
  const pinning = modePins(mode, op);
  if (pinning && pinWouldOverflow(st, p, va, len)) return st.fail(Err.BUSY);
  if (op === Op.READ) {
    const rc = faultinProtectedPages(st, p, t.cpu, va, len); // 6.7 step 0
    if (rc < 0) return rc;
  }
  // NOMEM: what the steps below allocate, in their order, on counts.
  const need: Alloc[] = [];
  simGup(st, p, v0, v1, pinning, need);
  if (mode === Mode.BOUNCE) for (let i = 0; i < npages; i++) need.push("4k");
  if (dev === Device.PARITY && op === Op.WRITE) for (let i = 0; i < npages; i++) need.push("4k");
  const short = st.pool.simCommit(need);
  if (short) return st.fail(Err.NOMEM, short);

  switchMm(st, p, t.cpu); // the submitter runs: a lazy CPU catches up
  batchJoin(st, SUBMIT, tid, (flags & IoFlag.MORE) !== 0); // 12: one submission call of several I/Os
  faultinPages(st, p, v0, v1); // 6.7 step 1
  if (pinning) unsharePages(st, p, t.cpu, op, v0, v1); // 6.7 step 2
  const io = ioTake(st, mode, op, policy, tid, p.pid, t.cpu, va, len, sector);
  if (pinning) pinUserPages(st, io); // 6.7 step 3
  if (mode === Mode.WP) protectIo(st, io); // 6.7 step 4
  if (mode === Mode.BOUNCE) bounceSubmit(st, io); // 6.7 step 5
  if (op === Op.WRITE) for (const r of io.pages) deviceSubmitPage(st, r, sourceOf(st, r)); // 6.7 step 6
  // 6.7 step 7
  st.c[op === Op.WRITE ? Counter.WRITES : Counter.READS]++;
  st.c[op === Op.WRITE ? Counter.BYTES_WRITTEN : Counter.BYTES_READ] += len;
  st.c[[Counter.DIRECT_IOS, Counter.BOUNCE_IOS, Counter.PROTECTED_IOS, Counter.VERIFY_IOS][mode]]++;
  batchNext(st, (flags & IoFlag.MORE) === 0); // the call's last I/O: its held-back shootdowns happen
  return io.id;
}

/** 6.7 step 5: a bounce frame per page; a write copies the buffer's bytes into it. */
function bounceSubmit(st: State, io: Io): void {
  const p = st.procs[io.pid - 1];
  for (const r of io.pages) {
    r.bounce = st.pool.alloc4k(FrameKind.BOUNCE, 1);
    if (io.op !== Op.WRITE) continue;
    const u = st.pool.frames[pageFrame(slotOf(st, p, r.vpn), r.vpn)];
    st.pool.frames[r.bounce].bytes.set(u.bytes.subarray(r.off, r.off + r.len), r.off);
    st.c[Counter.BYTES_BOUNCED] += r.len;
    st.c[Counter.BYTES_COPIED] += r.len;
  }
}

/** The page the device reads for a write, or fills for a read: the bounce frame's, else the pinned frame's bytes. */
function sourceOf(st: State, r: PageRec): Uint8Array {
  return st.pool.frames[r.bounce >= 0 ? r.bounce : r.frame].bytes;
}

/** 6.9, sd_dma: the device's DMA point of a SUBMITTED I/O. */
export function dioDma(st: State, io: Io): void {
  if (io.op === Op.WRITE) {
    const check = st.cfg[Key.DMA_CHECK] === 1;
    let mismatch = false;
    for (const r of io.pages) {
      // DIRECT, WP and VERIFY read the pinned frame as it is now.
      const src = sourceOf(st, r);
      if (check && !deviceCheckPage(st, r, src)) mismatch = true;
      dmaWritePage(st, r, src);
    }
    if (mismatch) st.c[Counter.DMA_MISMATCHES]++;
  } else {
    // Into the pinned frames (not bounced): the read is lost if the process
    // no longer maps one of them as the data arrives (a COW before this point,
    // or an unmap). A COW after it copies the data along.
    const p = st.procs[io.pid - 1];
    const watch = io.mode !== Mode.BOUNCE && !(p.flags & ProcFlag.DEAD);
    for (const r of io.pages) {
      dmaReadPage(st, r, sourceOf(st, r));
      if (watch) {
        const s = slotOf(st, p, r.vpn);
        if (!(s.e & P) || pageFrame(s, r.vpn) !== r.frame) io.orphaned = true;
      }
    }
  }
  io.state = IoState.DMA_DONE;
}

/** 6.10, sd_complete: the DMA if still due, then verify, the read's checks, restore, unpin. */
export function completeDio(st: State, io: Io): void {
  if (io.state === IoState.SUBMITTED) dioDma(st, io);
  const frames = st.pool.frames;
  const p = st.procs[io.pid - 1];

  if (io.mode === Mode.VERIFY && io.op === Op.WRITE) verifyWrite(st, io); // 6.10 step 1

  if (io.op === Op.READ) {
    // 6.10 step 2
    if (st.cfg[Key.DEVICE] === Device.FS_CSUM) {
      let bad = false;
      for (const r of io.pages) if (!readVerifyPage(st, r, sourceOf(st, r))) bad = true;
      if (bad) st.c[Counter.READ_VERIFY_FAILURES]++;
    }
    if (io.mode === Mode.BOUNCE) {
      for (const r of io.pages) {
        frames[r.frame].bytes.set(frames[r.bounce].bytes.subarray(r.off, r.off + r.len), r.off);
        st.c[Counter.BYTES_BOUNCED] += r.len;
        st.c[Counter.BYTES_COPIED] += r.len;
      }
    } else if (!(p.flags & ProcFlag.DEAD) && io.orphaned) {
      // The data went to a frame the process had stopped mapping before the DMA (see dioDma).
      st.c[Counter.LOST_READS]++;
    }
  }

  if (io.mode === Mode.WP) restoreIo(st, io); // 6.10 step 3

  // 6.10 step 4
  unpinUserPages(st, io);
  for (const r of io.pages) {
    if (r.bounce >= 0) refPut(st, r.bounce);
    if (r.scratch >= 0) refPut(st, r.scratch);
  }
  st.c[Counter.COMPLETIONS]++;
  ringComplete(st, io); // 6.10 step 5
  ioPut(st, io);
}

/**
 * 6.10 step 1: the device checks the pinned pages again; a difference is
 * counted and handed to the policy (warn, degrade, rewrite through the
 * buffered path).
 */
function verifyWrite(st: State, io: Io): void {
  let bad = false;
  for (const r of io.pages) if (!deviceCheckPage(st, r, st.pool.frames[r.frame].bytes)) bad = true;
  if (!bad) return;
  st.c[Counter.VERIFY_FAILURES]++;
  caughtChange(st, io.policy, st.procs[io.pid - 1], io.va, io.id, WarnKind.VERIFY);
  if (!rewritesOnMismatch(io.policy)) return;
  for (const r of io.pages) rewritePage(st, r, st.pool.frames[r.frame].bytes);
}
