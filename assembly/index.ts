// The Wasm ABI (docs/abi.md): plain-number exports, nothing managed crosses
// the boundary. Each export validates, then hands off to the module that owns
// the concept. Semantics: docs/model.md.
import {
  ABI_VERSION, Counter, Device, Err, FrameKind, IoState, Key, ProcFlag, STAGING_BYTES, ThreadState, WarnField,
} from "./abi";
import { REAP, SUBMIT, batchBefore, batchEnd, batchJoin, batchNext, batchOpen, batchReset } from "./batch";
import { benchCopy, benchCow, benchCsum, benchDio, benchMemcpy, benchStore, benchWp, benchWpIo } from "./bench";
import { check, invariantName } from "./check";
import { counter, resetCounters } from "./counters";
import { checksumInit } from "./checksum";
import { diskAddr, diskMeta, diskReset, diskUnwritten, scrub } from "./disk";
import { completeDio, dioDma, submitDio } from "./dio";
import { doExit, kernelClone } from "./fork";
import { allocReset } from "./alloc";
import { frameStat, framesReset } from "./frames";
import { ioRec, ioReset, ioStateOf, ioTid } from "./io";
import { diskSectors, errDetail, layout, parityBase, setDetail, stagingBase, stripes } from "./layout";
import {
  cfgCpus, cfgDevice, cfgMaxProcs, cfgMaxThreads, configApplyNow, configGet, configInit, configSet, validKey,
} from "./config";
import { doMmap, doMunmap } from "./mmap";
import { doMmapAlias, rmapReset } from "./rmap";
import { doRing } from "./ring";
import {
  newProc, newThread, procAlive, procCount, procExists, procFlags, procsReset, setThreadState, threadCount, threadCpu,
  threadExists, threadPid,
} from "./proc";
import { switchMmCpu, tlbReset } from "./tlb";
import { LOAD, STORE, WRITE, userAccess } from "./uaccess";
import { warnField, warnKept, warnReset } from "./warn";

let isReady = false;

function fail(e: i32, detail: f64): i32 {
  setDetail(detail);
  return -e;
}

// sd_err_detail is errno-like: every failing call sets it (0 when no number
// applies), a call that succeeds leaves the last failure's value.
let kept: f64 = 0;

@inline function guard(): bool {
  kept = errDetail;
  setDetail(0);
  return isReady;
}

/**
 * guard() for calls that change state: an open submission call or reap
 * (batch.ts) ends first, before the call does anything, its held-back
 * shootdowns with it. Readers leave it open.
 */
@inline function changing(): bool {
  if (!guard()) return false;
  if (batchOpen()) batchEnd();
  return true;
}

/** Passes a call's result through, putting the kept detail back if it succeeded. */
@inline function done(r: i32): i32 {
  if (r >= 0) setDetail(kept);
  return r;
}

/**
 * done() for calls that change state. The debug build (asserts on) also runs
 * every invariant of sd_check after each of them, failed or not: a violation
 * is a bug in the core and stops it with the invariant's name.
 */
function changed(r: i32): i32 {
  if (!ASC_NO_ASSERT) {
    let d = errDetail;
    let c = check();
    if (c > 0) abort(invariantName(c));
    setDetail(d);
  }
  return done(r);
}

export function sd_abi_version(): i32 {
  return ABI_VERSION;
}

export function sd_set(key: i32, value: u32): i32 {
  if (!validKey(key, value)) return fail(Err.INVAL, <f64>key);
  configSet(key, value);
  // A policy or stability change is a run-time knob: it applies at once,
  // and (debug build) the state it leaves is checked like any other call's.
  if (isReady && (key == Key.POLICY || key == Key.STABLE)) {
    if (batchOpen()) batchEnd();
    configApplyNow(key, value);
    kept = errDetail; // a successful sd_set leaves the detail as it was
    return changed(0);
  }
  return 0;
}

export function sd_get(key: i32): i32 {
  if (key < 0 || key >= Key.COUNT) return fail(Err.INVAL, <f64>key);
  return <i32>configGet(key);
}

export function sd_reset(): i32 {
  setDetail(0);
  isReady = false;
  if (!layout()) return -Err.NOMEM;
  resetCounters();
  framesReset();
  allocReset();
  procsReset();
  tlbReset();
  ioReset();
  warnReset();
  diskReset();
  rmapReset();
  batchReset();
  isReady = true;
  return 0;
}

export function sd_proc_create(flags: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  if ((flags & ~ProcFlag.INPUTS) != 0) return -Err.INVAL;
  if (procCount >= cfgMaxProcs) return fail(Err.LIMIT, <f64>cfgMaxProcs);
  return changed(<i32>newProc(flags));
}

export function sd_proc_flags(pid: u32): i32 {
  if (!guard()) return -Err.NOT_READY;
  if (!procExists(pid)) return -Err.NO_PROC;
  return done(<i32>procFlags(pid));
}

export function sd_thread_create(pid: u32, cpu: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  if (!procExists(pid)) return -Err.NO_PROC;
  if (!procAlive(pid)) return -Err.DEAD;
  if (cpu >= cfgCpus) return -Err.CPU;
  if (threadCount >= cfgMaxThreads) return fail(Err.LIMIT, <f64>cfgMaxThreads);
  let tid = newThread(pid, cpu);
  switchMmCpu(pid, cpu); // it runs there: a stale CPU catches up
  return changed(<i32>tid);
}

export function sd_thread_state(tid: u32, state: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  if (!threadExists(tid)) return -Err.NO_THREAD;
  let pid = threadPid(tid);
  if (!procAlive(pid)) return -Err.DEAD;
  if (state > <u32>ThreadState.IDLE) return -Err.INVAL;
  setThreadState(tid, state);
  if (state == ThreadState.RUNNING) switchMmCpu(pid, threadCpu(tid)); // it runs there now: a stale CPU catches up
  return changed(0);
}

export function sd_thread_pid(tid: u32): i32 {
  if (!guard()) return -Err.NOT_READY;
  if (!threadExists(tid)) return -Err.NO_THREAD;
  return done(<i32>threadPid(tid));
}

export function sd_map(pid: u32, va: u32, len: u32, flags: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  return changed(doMmap(pid, va, len, flags));
}

export function sd_map_alias(pid: u32, va: u32, len: u32, srcPid: u32, srcVa: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  return changed(doMmapAlias(pid, va, len, srcPid, srcVa));
}

export function sd_ring(pid: u32, va: u32, len: u32, kind: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  return changed(doRing(pid, va, len, kind));
}

export function sd_unmap(tid: u32, va: u32, len: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  return changed(doMunmap(tid, va, len));
}

export function sd_store(tid: u32, va: u32, len: u32, byte: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  return changed(userAccess(STORE, tid, va, len, byte));
}

export function sd_write(tid: u32, va: u32, len: u32, src: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  return changed(userAccess(WRITE, tid, va, len, src));
}

export function sd_load(tid: u32, va: u32, len: u32, dst: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  return changed(userAccess(LOAD, tid, va, len, dst));
}

export function sd_submit(tid: u32, op: u32, va: u32, len: u32, sector: u32, flags: u32): i32 {
  if (!guard()) return -Err.NOT_READY;
  batchBefore(SUBMIT, tid); // a submit by the open call's thread continues it
  return changed(submitDio(tid, op, va, len, sector, flags));
}

export function sd_dma(io: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  return changed(dmaCall(io));
}

export function sd_complete(io: u32): i32 {
  if (!guard()) return -Err.NOT_READY;
  return changed(completeCall(io, false));
}

/** sd_complete, and another completion of the same reap follows (docs/model.md section 12). */
export function sd_complete_more(io: u32): i32 {
  if (!guard()) return -Err.NOT_READY;
  return changed(completeCall(io, true));
}

/** sd_dma's checks, then the DMA point (6.9). */
function dmaCall(io: u32): i32 {
  let st = ioStateOf(io);
  if (st == IoState.UNKNOWN) return -Err.NO_IO;
  if (st == IoState.COMPLETED) return -Err.IO_DONE;
  if (st == IoState.DMA_DONE) return -Err.IO_STATE;
  dioDma(ioRec(io));
  return 0;
}

/**
 * sd_complete's checks, then the completion (6.10). A reap is one thread's
 * completions: one of another thread's I/O (or a bad id) ends an open reap first.
 */
function completeCall(io: u32, more: bool): i32 {
  let st = ioStateOf(io);
  let inFlight = st == IoState.SUBMITTED || st == IoState.DMA_DONE;
  let tid = inFlight ? ioTid(ioRec(io)) : 0;
  batchBefore(REAP, tid);
  if (st == IoState.UNKNOWN) return -Err.NO_IO;
  if (st == IoState.COMPLETED) return -Err.IO_DONE;
  batchJoin(REAP, tid, more);
  completeDio(ioRec(io));
  batchNext(!more);
  return 0;
}

export function sd_io_state(io: u32): i32 {
  if (!guard()) return -Err.NOT_READY;
  return done(<i32>ioStateOf(io));
}

export function sd_fork(tid: u32, cpu: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  return changed(kernelClone(tid, cpu));
}

export function sd_exit(pid: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  return changed(doExit(pid));
}

export function sd_scrub(): i32 {
  if (!changing()) return -Err.NOT_READY;
  return done(<i32>scrub());
}

export function sd_check(): i32 {
  if (!guard()) return -Err.NOT_READY;
  let r = check();
  if (r < 0) return -Err.NOMEM;
  return done(-r);
}

// The three readers below leave the detail alone (reading is not a call that
// can fail in errno's sense), but after a failed reset there is nothing to read.
export function sd_counter(i: i32): f64 {
  if (!isReady) return -<f64>Err.NOT_READY;
  if (i < 0 || i >= Counter.COUNT) return -<f64>Err.INVAL;
  return <f64>counter(i);
}

export function sd_frame_stats(kind: i32): i32 {
  if (!guard()) return -Err.NOT_READY;
  if (kind < 0 || kind >= FrameKind.COUNT) return -Err.INVAL;
  return done(<i32>frameStat(kind));
}

export function sd_warn_count(): i32 {
  if (!isReady) return -Err.NOT_READY;
  return <i32>warnKept;
}

export function sd_warn_field(i: u32, field: u32): f64 {
  if (!isReady) return -<f64>Err.NOT_READY;
  if (i >= warnKept || field > <u32>WarnField.KIND) return -<f64>Err.INVAL;
  return <f64>warnField(i, field);
}

export function sd_err_detail(): f64 {
  return errDetail;
}

export function sd_staging(): usize {
  return stagingBase;
}

export function sd_staging_size(): u32 {
  return STAGING_BYTES;
}

export function sd_disk_read(sector: u32, count: u32, dst: u32): i32 {
  if (!guard()) return -Err.NOT_READY;
  if (count == 0 || <u64>dst + (<u64>count << 9) > <u64>STAGING_BYTES) return -Err.INVAL;
  if (<u64>sector + count > <u64>diskSectors) return -Err.DISK_RANGE;
  memory.copy(stagingBase + dst, diskAddr(sector), <usize>count << 9);
  return done(0);
}

export function sd_parity_read(stripe: u32, dst: u32): i32 {
  if (!guard()) return -Err.NOT_READY;
  if (cfgDevice != Device.PARITY || <u64>dst + 4096 > <u64>STAGING_BYTES) return -Err.INVAL;
  if (stripe >= stripes) return -Err.DISK_RANGE;
  memory.copy(stagingBase + dst, parityBase + (<usize>stripe << 12), 4096);
  return done(0);
}

export function sd_disk_unwritten(block: u32, count: u32): i32 {
  if (!changing()) return -Err.NOT_READY;
  if (cfgDevice != Device.FS_CSUM || count == 0) return -Err.INVAL;
  if (<u64>block + count > <u64>(diskSectors >>> 3)) return -Err.DISK_RANGE;
  diskUnwritten(block, count);
  return changed(0);
}

export function sd_disk_meta(kind: i32, index: u32): f64 {
  if (!guard()) return -<f64>Err.NOT_READY;
  let v = diskMeta(kind, index);
  if (v >= 0) setDetail(kept);
  return v;
}

// Benchmark loops (assembly/bench.ts): each repeats one operation `iters`
// times inside Wasm and returns an accumulator to keep; negative: -Err.

export function sd_bench_wp(tid: u32, va: u32, npages: u32, iters: u32): f64 {
  return changing() ? benchWp(tid, va, npages, iters) : -<f64>Err.NOT_READY;
}

export function sd_bench_wp_io(io: u32, iters: u32): f64 {
  return changing() ? benchWpIo(io, iters) : -<f64>Err.NOT_READY;
}

export function sd_bench_cow(tid: u32, va: u32, iters: u32): f64 {
  return changing() ? benchCow(tid, va, iters) : -<f64>Err.NOT_READY;
}

export function sd_bench_copy(bytes: u32, iters: u32, cold: u32): f64 {
  return changing() ? benchCopy(bytes, iters, cold != 0) : -<f64>Err.NOT_READY;
}

export function sd_bench_csum(device: u32, bytes: u32, iters: u32): f64 {
  return changing() ? benchCsum(device, bytes, iters) : -<f64>Err.NOT_READY;
}

export function sd_bench_store(tid: u32, va: u32, iters: u32): f64 {
  return changing() ? benchStore(tid, va, iters) : -<f64>Err.NOT_READY;
}

export function sd_bench_memcpy(tid: u32, va: u32, iters: u32): f64 {
  return changing() ? benchMemcpy(tid, va, iters) : -<f64>Err.NOT_READY;
}

export function sd_bench_dio(tid: u32, va: u32, len: u32, iters: u32): f64 {
  return changing() ? benchDio(tid, va, len, iters) : -<f64>Err.NOT_READY;
}

// The module is usable as soon as it is instantiated: defaults applied, reset done.
checksumInit();
configInit();
sd_reset();
