// Benchmark loops: each runs one operation of the core `iters` times inside
// Wasm, so the host's timer and the JS-to-Wasm call are amortised, and
// returns an accumulator the host keeps, so nothing is optimised away. Each
// loop calls the same functions the real paths use (not copies of them).
// The host sets the state up through the ordinary ABI first (docs/abi.md).
import { Counter, Device, Err, IoState, Mode, Op } from "./abi";
import { crc16Sectors, crc32c4k, oracleHash, xor3 } from "./checksum";
import { cfgDiskBlocks } from "./config";
import { counter } from "./counters";
import { completeDio, submitDio } from "./dio";
import { diskAddr } from "./disk";
import { handleMmFault } from "./fault";
import { frameAddr, mapGet, mapPut, wpcount } from "./frames";
import { ioEnd, ioFirst, ioMode, ioPid, ioRec, ioStateOf, recFrame, recVpn } from "./io";
import { scratchBase, stagingBase } from "./layout";
import { changeProtection, flushChange } from "./mprotect";
import { DWP, HUG, P, TBL, W, entryAddr, frameOf, pageFrame, pmdAddr } from "./pagetable";
import { procAlive, threadCpu, threadExists, threadPid } from "./proc";
import { WRITE, userAccess } from "./uaccess";
import { protectIo, restoreIo } from "./wp";

const GUARDS: usize = memory.data(16, 16);

/** The thread's pid if it is alive, else 0. */
function pidOf(tid: u32): u32 {
  if (!threadExists(tid)) return 0;
  let pid = threadPid(tid);
  return procAlive(pid) ? pid : 0;
}

/** Every page of [v0, v1] present and writable (so a protect flips them all)? */
function writable(pid: u32, v0: u32, v1: u32): bool {
  for (let v = v0; v <= v1; v++) {
    let ea = entryAddr(pid, v);
    if (!ea || (load<u32>(ea) & (P | W)) != (P | W)) return false;
  }
  return true;
}

/**
 * Write-protect then restore `npages` pages at `va` (present and writable; a
 * PTE run or a huge PMD), each with its shootdown: the page-table half of
 * submit and completion under wp-*. Returns the entries flipped.
 */
export function benchWp(tid: u32, va: u32, npages: u32, iters: u32): f64 {
  let pid = pidOf(tid);
  if (!pid || npages == 0 || (va & 4095) != 0) return -<f64>Err.INVAL;
  let v0 = va >>> 12, v1 = v0 + npages - 1;
  if (v1 < v0 || !writable(pid, v0, v1)) return -<f64>Err.INVAL;
  let cpu = threadCpu(tid);
  let c0 = flipCount();
  for (let i: u32 = 0; i < iters; i++) {
    flushChange(pid, cpu, changeProtection(pid, v0, v1, DWP));
    flushChange(pid, cpu, changeProtection(pid, v0, v1, W));
  }
  return <f64>(flipCount() - c0);
}

/**
 * Restore then write-protect again the pages of wp-* write `io` in flight
 * (the host submits it first and completes it after): the page-table half of
 * completion and submission with all their bookkeeping, through the very
 * functions completeDio and submitDio call (wp.ts restoreIo, protectIo).
 * Leaves the I/O as it found it. Returns the entries flipped. INVAL unless
 * `io` is a WP I/O in flight whose process is alive and whose pages still map
 * the frames it pinned (submit would protect what they map now: only the
 * same frames make it the same I/O).
 */
export function benchWpIo(io: u32, iters: u32): f64 {
  let st = ioStateOf(io);
  if (st == IoState.UNKNOWN) return -<f64>Err.NO_IO;
  if (st == IoState.COMPLETED) return -<f64>Err.IO_DONE;
  let r = ioRec(io);
  let pid = ioPid(r);
  if (ioMode(r) != Mode.WP || !procAlive(pid)) return -<f64>Err.INVAL;
  for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) {
    let v = recVpn(i);
    let ea = entryAddr(pid, v);
    if (!ea || !(load<u32>(ea) & P) || pageFrame(load<u32>(ea), v) != recFrame(i)) return -<f64>Err.INVAL;
  }
  let c0 = flipCount();
  for (let i: u32 = 0; i < iters; i++) {
    restoreIo(r);
    protectIo(r);
  }
  return <f64>(flipCount() - c0);
}

/** PTE and PMD flips so far (both counters). */
function flipCount(): u64 {
  return counter(Counter.PTE_FLIPS) + counter(Counter.PMD_FLIPS);
}

/**
 * A write fault on a protected page and its COW copy. The host first submits
 * a write under wp-cow covering the page at `va` (and completes it after).
 * Each iteration takes the fault through the real handler, which copies the
 * page and maps the copy; then the original frame is mapped back (two
 * stores, a map count, freeing the copy) so the next iteration faults again.
 * Returns the sum of the copies' frame numbers.
 */
export function benchCow(tid: u32, va: u32, iters: u32): f64 {
  let pid = pidOf(tid);
  if (!pid || (va & 4095) != 0) return -<f64>Err.INVAL;
  let v = va >>> 12;
  let pmd = load<u32>(pmdAddr(pid, v));
  if (!(pmd & TBL)) return -<f64>Err.INVAL;
  let ea = entryAddr(pid, v);
  let e = load<u32>(ea);
  if (!(e & P) || (e & W) || wpcount(frameOf(e)) == 0) return -<f64>Err.INVAL; // not protected by an I/O
  let cpu = threadCpu(tid);
  let f = frameOf(e);
  let total: f64 = 0;
  for (let i: u32 = 0; i < iters; i++) {
    if (handleMmFault(pid, cpu, v, 0, 1, true) < 0) return -<f64>Err.NOMEM;
    let copy = frameOf(load<u32>(ea));
    total += <f64>copy;
    mapGet(f);
    store<u32>(ea, e);
    mapPut(copy);
  }
  return total;
}

/**
 * A bounce copy of `bytes` from the staging area to the disk region. `cold`
 * walks the destination across the whole disk so it misses the caches.
 */
export function benchCopy(bytes: u32, iters: u32, cold: bool): f64 {
  let span = <u64>cfgDiskBlocks << 12;
  if (bytes == 0 || bytes > (4 << 20) || <u64>bytes > span) return -<f64>Err.INVAL;
  let slots = <u32>(span / bytes);
  let total: f64 = 0;
  for (let i: u32 = 0; i < iters; i++) {
    let dst = diskAddr(0) + (cold ? <usize>(i % slots) * bytes : 0);
    memory.copy(dst, stagingBase, bytes);
    total += <f64>load<u8>(dst + (i & (bytes - 1)));
  }
  return total;
}

/**
 * A device's check over `bytes` of the staging area (a multiple of 4 KiB):
 * pi guards, fs-csum crc32c, parity XOR into a scratch chunk, or (device
 * COUNT) the oracle hash. Returns the checks combined.
 */
export function benchCsum(device: u32, bytes: u32, iters: u32): f64 {
  if ((bytes & 4095) != 0 || bytes == 0 || bytes > (4 << 20) || device > <u32>Device.COUNT) return -<f64>Err.INVAL;
  let total: f64 = 0;
  for (let i: u32 = 0; i < iters; i++) {
    let x: u32 = 0;
    for (let p: usize = 0; p < bytes; p += 4096) {
      let a = stagingBase + p;
      if (device == Device.PI) { crc16Sectors(a, 8, GUARDS); x ^= load<u32>(GUARDS); }
      else if (device == Device.FS_CSUM) x ^= crc32c4k(a);
      else if (device == Device.PARITY) { xor3(scratchBase, scratchBase, a, 4096); x ^= load<u32>(scratchBase); }
      else if (device == Device.COUNT) for (let s: usize = 0; s < 4096; s += 512) x ^= oracleHash(a + s);
    }
    total += <f64>x;
  }
  return total;
}

/** A 4 KiB write from the staging area through the page table (TLB, fault path if needed). */
export function benchStore(tid: u32, va: u32, iters: u32): f64 {
  let total: f64 = 0;
  for (let i: u32 = 0; i < iters; i++) {
    let r = userAccess(WRITE, tid, va, 4096, 0);
    if (r < 0) return <f64>r;
    total += <f64>load<u8>(stagingBase + (i & 4095));
  }
  return total;
}

/** The same 4 KiB as a raw memory.copy into the frame `va` maps: the floor for benchStore. */
export function benchMemcpy(tid: u32, va: u32, iters: u32): f64 {
  let pid = pidOf(tid);
  if (!pid) return -<f64>Err.INVAL;
  let ea = entryAddr(pid, va >>> 12);
  if (!ea || !(load<u32>(ea) & P) || (load<u32>(ea) & HUG)) return -<f64>Err.INVAL;
  let dst = frameAddr(frameOf(load<u32>(ea)));
  let total: f64 = 0;
  for (let i: u32 = 0; i < iters; i++) {
    memory.copy(dst, stagingBase, 4096);
    total += <f64>load<u8>(dst + (i & 4095));
  }
  return total;
}

/**
 * Whole direct writes of `len` bytes from `va`, submit then complete (the DMA
 * runs inside completion), walking the disk. The policy and device are the
 * configured ones. Returns the sum of I/O ids, or -Err of the first failure.
 */
export function benchDio(tid: u32, va: u32, len: u32, iters: u32): f64 {
  let blocks = (len + 4095) >>> 12;
  if (blocks == 0 || blocks > cfgDiskBlocks) return -<f64>Err.INVAL;
  let slots = cfgDiskBlocks / blocks;
  let total: f64 = 0;
  for (let i: u32 = 0; i < iters; i++) {
    let id = submitDio(tid, Op.WRITE, va, len, (i % slots) * blocks * 8, 0);
    if (id < 0) return <f64>id;
    completeDio(ioRec(<u32>id));
    total += <f64>id;
  }
  return total;
}
