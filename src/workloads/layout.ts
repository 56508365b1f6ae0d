// Where workloads put things: virtual address bases (below 2^32, 2 MiB
// aligned so huge mappings fit) and disk placement. Every buffer starts on its
// own page, so two buffers never share a page unless a workload wants that.
import { alignUp, HUGE, MiB, PAGE, SECTOR } from "../shared/units.js";
import type { Machine, Params } from "./types.js";

/** I/O buffers of submitting threads. */
export const BUF_VA = 0x1000_0000;
/** Other process data (heap, hot data that is not an I/O buffer). */
export const HEAP_VA = 0xa000_0000;
/** Most bytes of buffers a workload may map: the core keeps every frame in Wasm memory. */
export const MAX_BUFFERS = 512 * MiB;

/** Bytes between buffer slots: whole pages. */
export const stride = (size: number): number => alignUp(size, PAGE);

/** Bytes one thread's qd buffer slots take. */
export const buffersLen = (qd: number, size: number): number => qd * stride(size);

/** Bytes of address space reserved per thread for its buffers (2 MiB aligned). */
export const threadSpan = (qd: number, size: number): number => alignUp(qd * stride(size), HUGE);

/** Virtual address of buffer slot k of thread t. */
export const slotVa = (t: number, k: number, qd: number, size: number): number =>
  BUF_VA + t * threadSpan(qd, size) + k * stride(size);

/** Why threads x qd buffers of size do not fit, if they do not. */
export function buffersTooBig(threads: number, qd: number, size: number): string | undefined {
  const bytes = threads * threadSpan(qd, size);
  if (bytes > MAX_BUFFERS) return `threads x qd x size needs ${bytes / MiB} MiB of buffers (at most ${MAX_BUFFERS / MiB} MiB)`;
  return undefined;
}

/** Disk places an I/O of `size` can go in a region (I/O-size aligned, so fs-csum's 4 KiB rule holds). */
export const diskSlots = (region: number, size: number): number => Math.max(1, Math.floor(region / size));

export const slotSector = (slot: number, size: number): number => (slot * size) / SECTOR;

/** Disk blocks a region takes. */
export const regionBlocks = (region: number): number => Math.ceil(region / PAGE);

/** I/Os thread t of n does, when `total` are split evenly. */
export const share = (total: number, t: number, n: number): number =>
  Math.floor(total / n) + (t < total % n ? 1 : 0);

/** The machine for `threads` submitting threads with qd slots of p.size each, plus extras. */
export function machineFor(
  p: Params,
  o: { threads: number; cpus: number; extraPages?: number; procs?: number; extraThreads?: number },
): Machine {
  const slotPages = stride(p.size) / PAGE;
  return {
    diskBlocks: regionBlocks(p.region),
    cpus: o.cpus,
    userPages: o.threads * p.qd * slotPages + (o.extraPages ?? 0),
    inflightPages: o.threads * p.qd * (slotPages + 1),
    procs: o.procs ?? 1,
    threads: o.threads + (o.extraThreads ?? 0),
  };
}
