// A completion ring the kernel writes through its own mapping (docs/model.md
// 6.4b, 6.10 step 5): aio's ring (io_setup maps it MAP_SHARED into the
// process; aio_complete writes each io_event and the tail through the ring's
// own folios, ctx->ring_folios) and io_uring's CQ ring (io_fill_cqe_req
// writes each CQE, and the tail, through the kernel's mapping of the rings).
// No page table is asked: a ring page that a direct write from it has in
// flight changes under the write's DMA, whatever the policy write-protected.
//
//   AIO      +0 struct aio_ring (32 B; tail u32 at +12) | +32 io_event (32 B) x (len - 32) / 32, wrapping
//   IO_URING +0 struct io_rings (cq.tail u32 at +12)    | +64 io_uring_cqe (16 B) x a power of two, masked
//
// Events: an io_event is {data u64 = the I/O's id, obj u64 = its va, res i64 = its length, res2 0}; a CQE
// {user_data u64 = the id, res i32 = the length, flags u32 0}. The ring's frames are the ones its pages map
// when the event is written (a MAP_SHARED page is never copied; one no longer present gets nothing).
import { Counter, Err, Ring } from "./abi";
import { count } from "./counters";
import { frameAddr, secpin } from "./frames";
import { ioId, ioLen, ioPid, ioVa } from "./io";
import { HUG, P, SHR, entryAddr, frameOf } from "./pagetable";
import { procAlive, procExists, procRing, procRingKind, procRingLen, procRingTail, setProcRing, setProcRingTail } from "./proc";
import { sharedSource } from "./rmap";

const AIO_HEADER: u32 = 32;
const AIO_EVENT: u32 = 32;
const URING_CQES: u32 = 64;
const URING_CQE: u32 = 16;
const TAIL_AT: u32 = 12; // aio_ring.tail and io_rings.cq.tail alike

/** The events a ring of `len` bytes holds (0: too small). */
function ringEntries(kind: u32, len: u32): u32 {
  if (kind == Ring.AIO) return len > AIO_HEADER ? (len - AIO_HEADER) / AIO_EVENT : 0;
  let n = len > URING_CQES ? (len - URING_CQES) / URING_CQE : 0;
  return n ? 1 << (31 - clz(n)) : 0; // the largest power of two that fits
}

/**
 * 6.4b, sd_ring: [va, va+len) of `pid` (present MAP_SHARED PTEs) is the
 * process's completion ring of `kind`; it replaces one it had. Writes nothing.
 */
export function doRing(pid: u32, va: u32, len: u32, kind: u32): i32 {
  if (!procExists(pid)) return -Err.NO_PROC;
  if (!procAlive(pid)) return -Err.DEAD;
  if (kind >= <u32>Ring.COUNT || ringEntries(kind, len) == 0) return -Err.INVAL;
  if (((va | len) & 4095) != 0) return -Err.ALIGN;
  if (<u64>va + <u64>len > 0x1_0000_0000) return -Err.RANGE;
  let rc = sharedSource(pid, va >>> 12, len >>> 12);
  if (rc < 0) return rc;
  setProcRing(pid, va, len, kind);
  return 0;
}

/**
 * One store by the kernel at `va` of `pid`'s ring (an event or the tail: it
 * never crosses a sector), through the frame the page maps now:
 * KERNEL_STORES++, and KERNEL_STORES_INFLIGHT++ if its sector is one an
 * in-flight I/O pins. Returns the address of the bytes in the frame, or 0 if
 * the page maps none (no store).
 */
function kernelStoreAt(pid: u32, va: u32): usize {
  let ea = entryAddr(pid, va >>> 12);
  if (!ea) return 0;
  let e = load<u32>(ea);
  if ((e & (P | SHR | HUG)) != (P | SHR)) return 0;
  let f = frameOf(e);
  count(Counter.KERNEL_STORES);
  if (secpin(f, (va & 4095) >>> 9) > 0) count(Counter.KERNEL_STORES_INFLIGHT);
  return frameAddr(f) + (va & 4095);
}

/**
 * 6.10 step 5: if the submitter of I/O `r` is alive and has a completion
 * ring, the kernel writes the I/O's event at the tail and then the new tail
 * (aio_complete; io_fill_cqe_req and the CQ tail's update).
 */
export function ringComplete(r: usize): void {
  let pid = ioPid(r);
  let kind = procRingKind(pid);
  if (kind == Ring.COUNT || !procAlive(pid)) return;
  let va = procRing(pid), len = procRingLen(pid), tail = procRingTail(pid);
  let n = ringEntries(kind, len);
  let aio = kind == Ring.AIO;
  let at = aio ? va + AIO_HEADER + tail * AIO_EVENT : va + URING_CQES + (tail & (n - 1)) * URING_CQE;
  let p = kernelStoreAt(pid, at);
  if (p) {
    store<u64>(p, <u64>ioId(r));
    if (aio) {
      store<u64>(p, <u64>ioVa(r), 8);
      store<u64>(p, <u64>ioLen(r), 16);
      store<u64>(p, 0, 24);
    } else {
      store<u32>(p, ioLen(r), 8);
      store<u32>(p, 0, 12);
    }
  }
  tail = aio ? (tail + 1 >= n ? 0 : tail + 1) : tail + 1;
  setProcRingTail(pid, tail);
  let t = kernelStoreAt(pid, va + TAIL_AT);
  if (t) store<u32>(t, tail);
}
