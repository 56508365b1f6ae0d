// A completion ring the kernel writes through its own mapping (docs/model.md
// 6.4b, 6.10 step 5), as assembly/ring.ts: aio's ring (aio_complete writes
// each io_event and the tail through ctx->ring_folios) and io_uring's CQ ring
// (io_fill_cqe_req). No page table is asked.
//
//   AIO      +0 struct aio_ring (32 B; tail u32 at +12) | +32 io_event (32 B) x (len - 32) / 32, wrapping
//   IO_URING +0 struct io_rings (cq.tail u32 at +12)    | +64 io_uring_cqe (16 B) x a power of two, masked
import { Counter, Err, ProcFlag, Ring } from "../../assembly/abi.js";
import { PAGE } from "./frames.js";
import type { Io } from "./io.js";
import { frameOf, HUG, P, SHR, slotOf } from "./pagetable.js";
import { sharedSource } from "./rmap.js";
import { SPACE, type Proc, type State } from "./state.js";

const AIO_HEADER = 32;
const AIO_EVENT = 32;
const URING_CQES = 64;
const URING_CQE = 16;
const TAIL_AT = 12;

/** A process's completion ring: where, how big, which kind, and its tail. */
export interface CompletionRing {
  readonly va: number;
  readonly len: number;
  readonly kind: number;
  tail: number;
}

/** The events a ring of `len` bytes holds (0: too small). */
function ringEntries(kind: number, len: number): number {
  if (kind === Ring.AIO) return len > AIO_HEADER ? Math.floor((len - AIO_HEADER) / AIO_EVENT) : 0;
  const n = len > URING_CQES ? Math.floor((len - URING_CQES) / URING_CQE) : 0;
  return n ? 2 ** Math.floor(Math.log2(n)) : 0;
}

/** 6.4b, sd_ring: [va, va+len) of `pid` (present MAP_SHARED PTEs) is its completion ring of `kind`; writes nothing. */
export function doRing(st: State, pid: number, va: number, len: number, kind: number): number {
  const p = st.proc(pid);
  if (!p) return st.fail(Err.NO_PROC);
  if (p.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
  if (kind >= Ring.COUNT || ringEntries(kind, len) === 0) return st.fail(Err.INVAL);
  if (va % PAGE || len % PAGE) return st.fail(Err.ALIGN);
  if (va + len > SPACE) return st.fail(Err.RANGE);
  const rc = sharedSource(st, p, va / PAGE, len / PAGE);
  if (rc < 0) return rc;
  p.ring = { va, len, kind, tail: 0 };
  return 0;
}

/**
 * One store by the kernel at `va` of `p`'s ring through the frame its page
 * maps now: KERNEL_STORES++, KERNEL_STORES_INFLIGHT++ if the sector is one an
 * in-flight I/O pins. The frame's bytes and the offset, or null (no store).
 */
function kernelStoreAt(st: State, p: Proc, va: number): { bytes: DataView; at: number } | null {
  const s = slotOf(st, p, Math.floor(va / PAGE));
  if ((s.e & (P | SHR | HUG)) !== (P | SHR)) return null;
  const f = st.pool.frames[frameOf(s.e)];
  const at = va % PAGE;
  st.c[Counter.KERNEL_STORES]++;
  if (f.secpins[at >>> 9] > 0) st.c[Counter.KERNEL_STORES_INFLIGHT]++;
  return { bytes: new DataView(f.bytes.buffer, f.bytes.byteOffset, PAGE), at };
}

/** 6.10 step 5: the submitter's ring, if it is alive and has one, gets the I/O's event at the tail, then the new tail. */
export function ringComplete(st: State, io: Io): void {
  const p = st.procs[io.pid - 1];
  const ring = p.ring;
  if (!ring || p.flags & ProcFlag.DEAD) return;
  const n = ringEntries(ring.kind, ring.len);
  const aio = ring.kind === Ring.AIO;
  const ev = kernelStoreAt(st, p, aio ? ring.va + AIO_HEADER + ring.tail * AIO_EVENT : ring.va + URING_CQES + (ring.tail & (n - 1)) * URING_CQE);
  if (ev) {
    ev.bytes.setBigUint64(ev.at, BigInt(io.id), true);
    if (aio) {
      ev.bytes.setBigUint64(ev.at + 8, BigInt(io.va), true);
      ev.bytes.setBigUint64(ev.at + 16, BigInt(io.len), true);
      ev.bytes.setBigUint64(ev.at + 24, 0n, true);
    } else {
      ev.bytes.setUint32(ev.at + 8, io.len, true);
      ev.bytes.setUint32(ev.at + 12, 0, true);
    }
  }
  ring.tail = aio ? (ring.tail + 1 >= n ? 0 : ring.tail + 1) : (ring.tail + 1) >>> 0;
  const t = kernelStoreAt(st, p, ring.va + TAIL_AT);
  if (t) t.bytes.setUint32(t.at, ring.tail, true);
}
