// Exact counts for small scenarios, worked by hand from docs/model.md before
// running anything. `exactly` asserts the whole set of non-zero counters, so
// every counter a scenario touches is accounted for in its comment, or in the
// comment of a set of counts it shares with other scenarios (WP_COW_STORE_IN_FLIGHT
// and the like, spread into its own). Every scenario runs on both cores: the
// Wasm core and the reference model.
import { beforeAll, describe, expect, test } from "vitest";
import {
  Counter,
  Device,
  MAX_ALIASES,
  Err,
  FrameKind,
  IoFlag,
  IoState,
  Key,
  MapFlag,
  Op,
  Policy,
  ProcFlag,
  Ring,
  Stable,
  WarnField,
  WarnKind,
} from "../assembly/abi.js";
import { crc32c } from "../src/model/checksum.js";
import type { Core } from "../src/core/core.js";
import { loadWasmCoreSync } from "../src/core/wasm.js";
import { RefCore } from "../src/model/index.js";

type Counts = Partial<Record<keyof typeof Counter, number>>;

const KiB = 1024;
const MiB = 1024 * KiB;
const VA = 0x100000; // a 4 KiB-aligned buffer in PMD 0
const HVA = 8 * MiB; // a 2 MiB-aligned buffer in PMD 4
const RW = MapFlag.WRITE;

const CORES: Array<[string, () => Core]> = [
  ["wasm", () => loadWasmCoreSync()],
  ["model", () => new RefCore()],
];
let make: () => Core = CORES[0][1];

function mk(cfg: [Key, number][] = []): Core {
  const c = make();
  for (const [k, v] of cfg) expect(c.set(k, v)).toBe(0);
  expect(c.reset()).toBe(0);
  return c;
}

function nonzero(c: Core): Counts {
  const out: Counts = {};
  for (let i = 0; i < Counter.COUNT; i++) {
    if (c.counter(i) !== 0) out[Counter[i] as keyof typeof Counter] = c.counter(i);
  }
  return out;
}

function exactly(c: Core, want: Counts): void {
  expect(nonzero(c)).toEqual(want);
}

function counts(c: Core, want: Counts): void {
  const got: Counts = {};
  for (const k of Object.keys(want) as (keyof typeof Counter)[]) got[k] = c.counter(Counter[k]);
  expect(got).toEqual(want);
}

/** A process with one thread per listed CPU; the first thread does the work. */
function proc(c: Core, flags = 0, cpus = [0]): { pid: number; tid: number } {
  const pid = c.procCreate(flags);
  expect(pid).toBeGreaterThan(0);
  const tids = cpus.map((cpu) => c.threadCreate(pid, cpu));
  for (const t of tids) expect(t).toBeGreaterThan(0);
  return { pid, tid: tids[0] };
}

function bytes(c: Core, tid: number, va: number, len: number): Uint8Array {
  const got = c.load(tid, va, len);
  if (typeof got === "number") throw new Error(`load failed: ${got}`);
  return got;
}

function disk(c: Core, sector: number, count: number): Uint8Array {
  const got = c.diskRead(sector, count);
  if (typeof got === "number") throw new Error(`diskRead failed: ${got}`);
  return got;
}

/** After every I/O completed: check passes and nothing is pinned or bounced. */
function balanced(c: Core): void {
  expect(c.check()).toBe(0);
  expect(c.frameStats(FrameKind.PINNED)).toBe(0);
  expect(c.frameStats(FrameKind.BOUNCE)).toBe(0);
  expect(c.frameStats(FrameKind.SCRATCH)).toBe(0);
  let sum = 0;
  for (const k of [FrameKind.FREE, FrameKind.USER, FrameKind.BOUNCE, FrameKind.PGTABLE, FrameKind.SCRATCH]) {
    sum += c.frameStats(k);
  }
  expect(sum).toBe(c.frameStats(FrameKind.TOTAL));
}

const fill = (n: number, b: number): Uint8Array => new Uint8Array(n).fill(b);

/** The device and policy settings of a scenario. */
const config = (device: number, policy: number): [Key, number][] => [
  [Key.DEVICE, device],
  [Key.POLICY, policy],
];

/**
 * A core configured by `cfg` with one process (`procFlags`, a thread per CPU
 * in `cpus`) that has mapped `len` bytes at VA and stored `byte` into all of
 * them, so every page is demand-faulted in and present in the TLB.
 */
function populated(
  cfg: [Key, number][],
  len: number,
  byte: number,
  mapFlags = RW,
  procFlags = 0,
  cpus = [0],
): { c: Core; pid: number; tid: number } {
  const c = mk(cfg);
  const { pid, tid } = proc(c, procFlags, cpus);
  expect(c.map(pid, VA, len, mapFlags)).toBe(0);
  expect(c.store(tid, VA, len, byte)).toBe(0);
  return { c, pid, tid };
}

/** The hand-worked scenario's 16 KiB buffer, stored with 0xAA, on fs-csum under `policy`. */
const brief = (policy: number, cpus = [0]) => populated(config(Device.FS_CSUM, policy), 16 * KiB, 0xaa, RW, 0, cpus);

/**
 * The hand-worked scenario: map 16 KiB, store it all (0xAA), submit one
 * 16 KiB write, store 16 bytes (0x55) into its second page, dma, complete, scrub.
 */
function scribble(policy: number, cpus = [0]): { c: Core; tid: number; pid: number; io: number } {
  const { c, pid, tid } = brief(policy, cpus);
  const io = c.submit(tid, Op.WRITE, VA, 16 * KiB, 0, 0);
  expect(io).toBe(1);
  expect(c.store(tid, VA + 4096, 16, 0x55)).toBe(0);
  expect(c.dma(io)).toBe(0);
  expect(c.complete(io)).toBe(0);
  c.scrub();
  return { c, tid, pid, io };
}

/**
 * What wp-cow counts for one I/O (read or write) over the scenario's buffer and
 * one store into a page of it in flight; the op's own counters (WRITES or READS,
 * COMPLETIONS, bytes), BYTES_STORED and CSUM_BYTES are the scenario's.
 * Store 16 KiB: per page a TLB miss, a demand fault, a miss again and a fill (8 misses).
 * Submit: pin 4, write-protect 4 PTEs (4 flips), one shootdown on {cpu0}.
 * The store: miss, fault (protected, sector pinned: violation), warning, COW copy
 * (1 flip, 1 shootdown), miss and fill again.
 * Completion restores the 3 PTEs that still map pinned frames (3 flips, 1 shootdown)
 * and unpins; the original of the stored page loses its last reference and is freed.
 * Walks (the defaults: walk=separate, restore=eager): the write-protect's own and the
 * restore's, 2 (docs/model.md section 12).
 * Frames: 1 PTE table + 4 demand + 1 copy.
 */
const WP_COW_STORE_IN_FLIGHT: Counts = {
  PROTECTED_IOS: 1,
  FAULTS: 1,
  VIOLATIONS: 1,
  WARNINGS: 1,
  COW_COPIES: 1,
  BYTES_COPIED: 4096,
  BYTES_COW: 4096,
  PTE_FLIPS: 8,
  TLB_FLUSHES: 3,
  SHOOTDOWNS: 3,
  WP_WALKS: 2,
  DEMAND_FAULTS: 4,
  PINS: 4,
  UNPINS: 4,
  TLB_MISSES: 10,
  FRAMES_ALLOCATED: 6,
  FRAMES_FREED: 1,
  STORES: 2,
};

/**
 * What an I/O that pins the scenario's buffer without write-protecting it counts,
 * with one store into it in flight; its mode, the op's own counters, what the
 * device finds, BYTES_STORED and CSUM_BYTES are the scenario's.
 * Store 16 KiB: 4 demand faults, 8 TLB misses. Submit pins 4 pages, completion
 * unpins them. The store hits the TLB entry the first store filled.
 * Frames: 1 PTE table + 4 demand.
 */
const UNPROTECTED_STORE_IN_FLIGHT: Counts = {
  DEMAND_FAULTS: 4,
  PINS: 4,
  UNPINS: 4,
  TLB_HITS: 1,
  TLB_MISSES: 8,
  FRAMES_ALLOCATED: 5,
  STORES: 2,
};

for (const [kind, factory] of CORES) {
  describe(kind, () => {
    beforeAll(() => {
      make = factory;
    });

    describe("write-protect and copy-on-write against a scribbling writer (fs-csum)", () => {
      test("wp-cow, one thread: the I/O keeps the original, the process gets a copy", () => {
        const { c, tid } = scribble(Policy.WP_COW);
        // The store into page 2 gets a copy (WP_COW_STORE_IN_FLIGHT). Submit takes the crc32c
        // of 4 blocks; the DMA re-checks them: all match.
        exactly(c, {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 16 * KiB,
          ...WP_COW_STORE_IN_FLIGHT,
          BYTES_STORED: 16 * KiB + 16,
          CSUM_BYTES: 32 * KiB,
        });
        expect(c.warnCount()).toBe(1);
        expect(c.warnField(0, WarnField.PID)).toBe(1);
        expect(c.warnField(0, WarnField.VA)).toBe(VA + 4096);
        expect(c.warnField(0, WarnField.IO)).toBe(1);
        expect(c.warnField(0, WarnField.KIND)).toBe(WarnKind.VIOLATION);
        expect(c.procFlags(1)).toBe(ProcFlag.WARNED);
        // The disk holds what the buffer held at submit; the process sees its own store.
        expect(disk(c, 0, 32)).toEqual(fill(16 * KiB, 0xaa));
        expect(c.diskMeta(2, 1)).toBe(crc32c(fill(4096, 0xaa)));
        expect(bytes(c, tid, VA + 4096, 17)).toEqual(new Uint8Array([...fill(16, 0x55), 0xaa]));
        expect(c.frameStats(FrameKind.USER)).toBe(4);
        expect(c.frameStats(FrameKind.PGTABLE)).toBe(1);
        expect(c.frameStats(FrameKind.FREE)).toBe(1);
        expect(c.frameStats(FrameKind.TOTAL)).toBe(6);
        balanced(c);
      });

      test("wp-cow, four threads on CPUs 0-3: every shootdown flushes 4 CPUs, 3 of them by IPI", () => {
        const { c } = scribble(Policy.WP_COW, [0, 1, 2, 3]);
        counts(c, {
          FAULTS: 1,
          VIOLATIONS: 1,
          COW_COPIES: 1,
          WARNINGS: 1,
          PTE_FLIPS: 8,
          SHOOTDOWNS: 3,
          TLB_FLUSHES: 12,
          IPIS: 9,
          DMA_MISMATCHES: 0,
          CORRUPTIONS: 0,
          TORN_SECTORS: 0,
        });
        balanced(c);
      });

      test("direct: the store lands in the page the device reads; checksum mismatch, torn sector", () => {
        const { c } = scribble(Policy.DIRECT);
        // No write-protect: the second store hits the TLB entry the first store filled
        // (UNPROTECTED_STORE_IN_FLIGHT).
        // DMA: block 1's crc32c differs (1 mismatch); the disk stores the new bytes with the
        // submit-time crc, so the scrub finds block 1 corrupt and sector 8 torn (16 bytes in it).
        exactly(c, {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 16 * KiB,
          DIRECT_IOS: 1,
          DMA_MISMATCHES: 1,
          CORRUPTIONS: 1,
          TORN_SECTORS: 1,
          ...UNPROTECTED_STORE_IN_FLIGHT,
          BYTES_STORED: 16 * KiB + 16,
          CSUM_BYTES: 32 * KiB,
        });
        expect(disk(c, 8, 1).subarray(0, 17)).toEqual(new Uint8Array([...fill(16, 0x55), 0xaa]));
        expect(c.diskMeta(2, 1)).toBe(crc32c(fill(4096, 0xaa)));
        balanced(c);
      });
    });

    describe("wp-wait stalls a writer", () => {
      test("exact counts, and the disk gets the bytes of submit", () => {
        const { c, tid } = brief(Policy.WP_WAIT);
        expect(c.submit(tid, Op.WRITE, VA, 16 * KiB, 0, 0)).toBe(1);
        expect(c.store(tid, VA + 4096, 16, 0x55)).toBe(0);
        expect(c.ioState(1)).toBe(IoState.COMPLETED);
        expect(c.complete(1)).toBe(-Err.IO_DONE);
        expect(c.scrub()).toBe(0);
        exactly(c, {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 16 * KiB,
          PROTECTED_IOS: 1,
          FAULTS: 1,
          VIOLATIONS: 1,
          STALLS: 1,
          PTE_FLIPS: 8,
          SHOOTDOWNS: 2,
          TLB_FLUSHES: 2,
          WP_WALKS: 2, // the write-protect's walk and the eager restore's
          DEMAND_FAULTS: 4,
          PINS: 4,
          UNPINS: 4,
          TLB_MISSES: 10,
          FRAMES_ALLOCATED: 5,
          STORES: 2,
          BYTES_STORED: 16 * KiB + 16,
          CSUM_BYTES: 32 * KiB,
        });
        expect(disk(c, 0, 32)).toEqual(fill(16 * KiB, 0xaa));
        expect(c.procFlags(1)).toBe(0);
        balanced(c);
      });
    });

    describe("a well-behaved writer", () => {
      function clean(policy: number): Core {
        const { c, tid } = brief(policy);
        const io = c.submit(tid, Op.WRITE, VA, 16 * KiB, 0, 0);
        expect(c.dma(io)).toBe(0);
        expect(c.complete(io)).toBe(0);
        expect(c.scrub()).toBe(0);
        balanced(c);
        return c;
      }

      test("bounce copies every byte, pins nothing, flips nothing", () => {
        const c = clean(Policy.BOUNCE);
        // Frames: 1 table + 4 demand + 4 bounce; the bounce frames are freed at completion.
        exactly(c, {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 16 * KiB,
          BOUNCE_IOS: 1,
          BYTES_COPIED: 16 * KiB,
          BYTES_BOUNCED: 16 * KiB,
          DEMAND_FAULTS: 4,
          TLB_MISSES: 8,
          FRAMES_ALLOCATED: 9,
          FRAMES_FREED: 4,
          STORES: 1,
          BYTES_STORED: 16 * KiB,
          CSUM_BYTES: 32 * KiB,
        });
        expect(c.frameStats(FrameKind.FREE)).toBe(4);
      });

      test("wp-cow copies nothing: 4 flips at submit, 4 at completion, 2 shootdowns", () => {
        const c = clean(Policy.WP_COW);
        exactly(c, {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 16 * KiB,
          PROTECTED_IOS: 1,
          PTE_FLIPS: 8,
          TLB_FLUSHES: 2,
          SHOOTDOWNS: 2,
          WP_WALKS: 2, // the write-protect's walk and the eager restore's
          DEMAND_FAULTS: 4,
          PINS: 4,
          UNPINS: 4,
          TLB_MISSES: 8,
          FRAMES_ALLOCATED: 5,
          STORES: 1,
          BYTES_STORED: 16 * KiB,
          CSUM_BYTES: 32 * KiB,
        });
      });
    });

    describe("wp-cow-degrade", () => {
      test("after a violation the process is DEGRADED and its next I/O is bounced", () => {
        const { c, pid, tid } = brief(Policy.WP_COW_DEGRADE);
        expect(c.submit(tid, Op.WRITE, VA, 16 * KiB, 0, 0)).toBe(1);
        expect(c.store(tid, VA + 4096, 16, 0x55)).toBe(0);
        expect(c.procFlags(pid)).toBe(ProcFlag.WARNED | ProcFlag.DEGRADED);
        expect(c.complete(1)).toBe(0);
        expect(c.submit(tid, Op.WRITE, VA, 16 * KiB, 32, 0)).toBe(2);
        expect(c.complete(2)).toBe(0);
        expect(c.scrub()).toBe(0);
        // I/O 1 as in wp-cow (WP_COW_STORE_IN_FLIGHT: 8 flips, 3 shootdowns, 1 copy); I/O 2
        // bounces 16 KiB through 4 frames that are freed at completion. crc32c: 4 x 16 KiB
        // (two submits, two DMAs).
        exactly(c, {
          ...WP_COW_STORE_IN_FLIGHT,
          WRITES: 2,
          COMPLETIONS: 2,
          BYTES_WRITTEN: 32 * KiB,
          BOUNCE_IOS: 1,
          DEGRADED: 1,
          BYTES_COPIED: 4096 + 16 * KiB,
          BYTES_BOUNCED: 16 * KiB,
          FRAMES_ALLOCATED: 6 + 4,
          FRAMES_FREED: 1 + 4,
          BYTES_STORED: 16 * KiB + 16,
          CSUM_BYTES: 64 * KiB,
        });
        // I/O 2 wrote what the process has now: its copy of page 2.
        expect(disk(c, 40, 1).subarray(0, 17)).toEqual(new Uint8Array([...fill(16, 0x55), 0xaa]));
        balanced(c);
      });
    });

    describe("reads", () => {
      test("a store during a wp-cow direct READ on fs-csum: the read lands in the orphaned frame", () => {
        const { c, tid } = brief(Policy.WP_COW);
        expect(c.submit(tid, Op.READ, VA, 16 * KiB, 0, 0)).toBe(1); // fs-csum reads need stability
        expect(c.store(tid, VA, 1, 0x55)).toBe(0);
        expect(c.complete(1)).toBe(0);
        // The store gets a copy as under a write (WP_COW_STORE_IN_FLIGHT; restore: 3 PTEs).
        // The read verifies 4 blocks of zeros against the disk's zero crcs (16 KiB of crc32c);
        // page 1 maps the copy when the DMA (due at completion) delivers: one lost read.
        exactly(c, {
          READS: 1,
          COMPLETIONS: 1,
          BYTES_READ: 16 * KiB,
          LOST_READS: 1,
          ...WP_COW_STORE_IN_FLIGHT,
          BYTES_STORED: 16 * KiB + 1,
          CSUM_BYTES: 16 * KiB,
        });
        // Page 1 never received the disk's zeros; pages 2-4 did.
        expect(bytes(c, tid, VA, 2)).toEqual(new Uint8Array([0x55, 0xaa]));
        expect(bytes(c, tid, VA + 4096, 12 * KiB)).toEqual(new Uint8Array(12 * KiB));
        balanced(c);
      });

      test("a store after the DMA point of a wp-cow direct READ: the copy carries the read data, nothing lost", () => {
        const { c, tid } = brief(Policy.WP_COW);
        expect(c.submit(tid, Op.READ, VA, 16 * KiB, 0, 0)).toBe(1);
        expect(c.dma(1)).toBe(0); // the disk's zeros land in the 4 pinned frames, all still mapped
        expect(c.store(tid, VA, 1, 0x55)).toBe(0);
        expect(c.complete(1)).toBe(0);
        // As the test above (WP_COW_STORE_IN_FLIGHT; 16 KiB of crc32c, the read verifies),
        // but the copy is made after the DMA: page 1's copy holds the read data. No lost read.
        exactly(c, {
          READS: 1,
          COMPLETIONS: 1,
          BYTES_READ: 16 * KiB,
          ...WP_COW_STORE_IN_FLIGHT,
          BYTES_STORED: 16 * KiB + 1,
          CSUM_BYTES: 16 * KiB,
        });
        expect(bytes(c, tid, VA, 16 * KiB)).toEqual(new Uint8Array([0x55, ...new Uint8Array(16 * KiB - 1)]));
        balanced(c);
      });

      test("direct READ, a store between DMA and completion: read verification fails (generic/772)", () => {
        const { c, tid } = populated([[Key.DEVICE, Device.FS_CSUM]], 16 * KiB, 0xaa);
        expect(c.submit(tid, Op.READ, VA, 16 * KiB, 0, 0)).toBe(1);
        expect(c.dma(1)).toBe(0);
        expect(c.store(tid, VA, 1, 0x55)).toBe(0); // a TLB hit: no protection
        expect(c.complete(1)).toBe(0);
        exactly(c, {
          READS: 1,
          COMPLETIONS: 1,
          BYTES_READ: 16 * KiB,
          DIRECT_IOS: 1,
          READ_VERIFY_FAILURES: 1,
          ...UNPROTECTED_STORE_IN_FLIGHT,
          BYTES_STORED: 16 * KiB + 1,
          CSUM_BYTES: 16 * KiB,
        });
        balanced(c);
      });

      test("a read checks its bytes against the crc its DMA found, whatever an overlapping write does", () => {
        // bounce, fs-csum. Block 0 holds 0xAA (I/O 1), the process then stores 0xBB into its
        // write buffer. Read 2 DMAs block 0 (0xAA), read 3 is submitted; write 4 (0xBB) lands
        // and completes; read 3 DMAs (0xBB); both reads complete. Neither buffer was touched:
        // no read fails, though read 2's bytes no longer match the crc on disk at its
        // completion and read 3's did not match the one on disk at its submit.
        const { c, pid, tid } = populated(config(Device.FS_CSUM, Policy.BOUNCE), 4096, 0xaa);
        expect(c.map(pid, VA + 4096, 8 * KiB, RW)).toBe(0); // the read buffers: same PTE table
        expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(1);
        expect(c.complete(1)).toBe(0);
        expect(c.store(tid, VA, 4096, 0xbb)).toBe(0);
        expect(c.submit(tid, Op.READ, VA + 4096, 4096, 0, 0)).toBe(2);
        expect(c.dma(2)).toBe(0);
        expect(c.submit(tid, Op.READ, VA + 8192, 4096, 0, 0)).toBe(3);
        expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(4);
        expect(c.dma(4)).toBe(0);
        expect(c.complete(4)).toBe(0);
        expect(c.dma(3)).toBe(0);
        expect(c.complete(2)).toBe(0);
        expect(c.complete(3)).toBe(0);
        expect(bytes(c, tid, VA + 4096, 8 * KiB)).toEqual(new Uint8Array([...fill(4096, 0xaa), ...fill(4096, 0xbb)]));
        expect(c.diskMeta(2, 0)).toBe(crc32c(fill(4096, 0xbb)));
        // Stores: the first misses, demand-faults, misses, fills; the second hits. Reads pin
        // their page after GUP demand-faults it (2 demand faults). Every I/O bounces through
        // a frame of its own: 4 bounce frames, 16 KiB bounced (2 writes at submit, 2 reads
        // at completion). crc32c: 2 writes x (submit + DMA check) + 2 read verifications.
        // The loads miss on both read pages and fill. Frames: table + 3 demand + 4 bounce.
        exactly(c, {
          WRITES: 2,
          READS: 2,
          COMPLETIONS: 4,
          BYTES_WRITTEN: 8192,
          BYTES_READ: 8192,
          BOUNCE_IOS: 4,
          BYTES_BOUNCED: 16 * KiB,
          BYTES_COPIED: 16 * KiB,
          PINS: 2,
          UNPINS: 2,
          DEMAND_FAULTS: 3,
          TLB_HITS: 1,
          TLB_MISSES: 4,
          FRAMES_ALLOCATED: 8,
          FRAMES_FREED: 4,
          STORES: 2,
          BYTES_STORED: 8192,
          CSUM_BYTES: 24 * KiB,
        });
        balanced(c);
      });

      test("a read of a block never written verifies nothing: btrfs has no checksum for a hole or a preallocated extent", () => {
        // generic/772's race on a file whose second block was never written (fs-csum, policy direct:
        // the read is DIRECT). Block 0 was written (the reset's zeros and their crc), block 1 not.
        const c = mk([[Key.DEVICE, Device.FS_CSUM]]);
        const { pid, tid } = proc(c);
        expect(c.map(pid, VA, 8 * KiB, RW)).toBe(0);
        expect(c.diskUnwritten(1, 1)).toBe(0);
        expect([c.diskMeta(3, 0), c.diskMeta(3, 1)]).toEqual([1, 0]);
        expect(c.submit(tid, Op.READ, VA, 8 * KiB, 0, 0)).toBe(1); // GUP demand-faults both pages, pins them
        expect(c.dma(1)).toBe(0); // block 0's crc comes with its data; block 1 has none (UNWRITTEN_READS)
        expect(c.store(tid, VA, 8 * KiB, 0x55)).toBe(0); // the buffer changes after the DMA: 2 misses, 2 fills
        expect(c.complete(1)).toBe(0);
        // Completion verifies block 0 against its crc (4 KiB of crc32c): a failure, once per I/O.
        // Block 1 is not verified. Frames: table + 2 demand.
        exactly(c, {
          READS: 1,
          COMPLETIONS: 1,
          BYTES_READ: 8 * KiB,
          DIRECT_IOS: 1,
          READ_VERIFY_FAILURES: 1,
          DEMAND_FAULTS: 2,
          PINS: 2,
          UNPINS: 2,
          TLB_MISSES: 2,
          FRAMES_ALLOCATED: 3,
          STORES: 1,
          BYTES_STORED: 8 * KiB,
          CSUM_BYTES: 4 * KiB,
          UNWRITTEN_READS: 1,
        });
        // A write's DMA gives block 1 its checksum: written from now on, and scrubbed.
        expect(c.submit(tid, Op.WRITE, VA + 4096, 4096, 8, 0)).toBe(2);
        expect(c.complete(2)).toBe(0);
        expect(c.diskMeta(3, 1)).toBe(1);
        expect(c.diskMeta(2, 1)).toBe(crc32c(fill(4096, 0x55)));
        expect(c.scrub()).toBe(0);
        balanced(c);

        // The same read with both blocks never written: no failure, nothing checksummed.
        const d = mk([[Key.DEVICE, Device.FS_CSUM]]);
        const p = proc(d);
        expect(d.map(p.pid, VA, 8 * KiB, RW)).toBe(0);
        expect(d.diskUnwritten(0, 2)).toBe(0);
        expect(d.submit(p.tid, Op.READ, VA, 8 * KiB, 0, 0)).toBe(1);
        expect(d.dma(1)).toBe(0);
        expect(d.store(p.tid, VA, 8 * KiB, 0x55)).toBe(0);
        expect(d.complete(1)).toBe(0);
        counts(d, { READ_VERIFY_FAILURES: 0, UNWRITTEN_READS: 2, CSUM_BYTES: 0 });
        expect(d.scrub()).toBe(0); // holes are never corrupt: no checksum to disagree with
      });

      test("sd_disk_unwritten: fs-csum only, a block range inside the disk; the blocks read zeros", () => {
        const c = mk([[Key.DEVICE, Device.FS_CSUM], [Key.DISK_BLOCKS, 16]]);
        const { pid, tid } = proc(c);
        expect(c.diskUnwritten(0, 0)).toBe(-Err.INVAL);
        expect(c.diskUnwritten(15, 2)).toBe(-Err.DISK_RANGE);
        expect(c.diskUnwritten(0xffffffff, 2)).toBe(-Err.DISK_RANGE);
        expect(c.diskMeta(3, 16)).toBe(-Err.DISK_RANGE);
        c.map(pid, VA, 4096, RW);
        c.store(tid, VA, 4096, 0x77);
        expect(c.submit(tid, Op.WRITE, VA, 4096, 8 * 15, 0)).toBe(1);
        expect(c.complete(1)).toBe(0);
        expect(c.diskUnwritten(15, 1)).toBe(0); // a hole punched over written data: zeros, no checksum
        expect(disk(c, 8 * 15, 8)).toEqual(fill(4096, 0));
        expect(c.diskMeta(3, 15)).toBe(0);
        expect(c.diskMeta(0, 8 * 15)).toBe(c.diskMeta(0, 0)); // the oracle hash of zeros
        expect(c.scrub()).toBe(0);
        const p = mk([[Key.DEVICE, Device.PI]]);
        expect(p.diskUnwritten(0, 1)).toBe(-Err.INVAL); // pi and parity keep a check for every block
        expect(p.diskMeta(3, 0)).toBe(-Err.INVAL);
      });

      test("a read into the buffer of an in-flight wp-cow write: GUP's write fault copies each page, the write keeps its own", () => {
        // A direct read pins with FOLL_WRITE: each page the write protects is read-only, so GUP takes a
        // write fault (faultin_page), which finds the page protected (6.6 step 4): a violation, the
        // warning once, a COW copy. The read pins the copies; the write's DMA reads the originals.
        const { c, tid } = brief(Policy.WP_COW);
        expect(c.submit(tid, Op.WRITE, VA, 16 * KiB, 0, 0)).toBe(1); // 4 pins, 4 flips, 1 shootdown
        expect(c.submit(tid, Op.READ, VA, 16 * KiB, 32, 0)).toBe(2);
        counts(c, { GUP_WRITE_FAULTS: 4, FAULTS: 4, VIOLATIONS: 4, WARNINGS: 1, COW_COPIES: 4 });
        expect(c.dma(2)).toBe(0); // zeros into the copies
        expect(c.complete(1)).toBe(0); // the originals: no restore (nothing maps them), unpinned, freed
        expect(c.complete(2)).toBe(0);
        expect(c.scrub()).toBe(0);
        // Flips: write-protect 4, COWs 4, the read's write-protect of the copies 4, its restore 4.
        // Shootdowns: 1 + 4 + 1 + 1. crc32c: the write at submit and at its DMA, the read's verify.
        // Frames: table + 4 demand + 4 copies; the 4 originals freed.
        exactly(c, {
          WP_WALKS: 4, // each I/O's write-protect at submit and its restore at completion
          WRITES: 1,
          READS: 1,
          COMPLETIONS: 2,
          BYTES_WRITTEN: 16 * KiB,
          BYTES_READ: 16 * KiB,
          PROTECTED_IOS: 2,
          FAULTS: 4,
          VIOLATIONS: 4,
          WARNINGS: 1,
          COW_COPIES: 4,
          BYTES_COPIED: 16 * KiB,
          BYTES_COW: 16 * KiB,
          PTE_FLIPS: 16,
          TLB_FLUSHES: 7,
          SHOOTDOWNS: 7,
          DEMAND_FAULTS: 4,
          PINS: 8,
          UNPINS: 8,
          TLB_MISSES: 8,
          FRAMES_ALLOCATED: 9,
          FRAMES_FREED: 4,
          STORES: 1,
          BYTES_STORED: 16 * KiB,
          CSUM_BYTES: 48 * KiB,
          GUP_WRITE_FAULTS: 4,
        });
        expect(disk(c, 0, 8)).toEqual(fill(4096, 0xaa));
        expect(bytes(c, tid, VA, 4096)).toEqual(fill(4096, 0)); // the read's data
        balanced(c);
      });

      test("a read into the buffer of an in-flight wp-wait write: GUP's write fault waits for the write", () => {
        const { c, tid } = brief(Policy.WP_WAIT);
        expect(c.submit(tid, Op.WRITE, VA, 16 * KiB, 0, 0)).toBe(1);
        expect(c.submit(tid, Op.READ, VA, 16 * KiB, 32, 0)).toBe(2);
        // One fault: it waits (the write's DMA and completion run), the restore gives all four pages
        // W back, and GUP finds nothing else protected.
        counts(c, { GUP_WRITE_FAULTS: 1, FAULTS: 1, VIOLATIONS: 1, STALLS: 1, COW_COPIES: 0, COMPLETIONS: 1 });
        expect(c.complete(2)).toBe(0);
        expect(c.scrub()).toBe(0);
        balanced(c);
      });

      test("a write from the buffer of an in-flight read: its DMA lands under the write, and no page table stops a device", () => {
        // The other order: the read is in flight (wp-cow protects it on fs-csum), the write is submitted
        // from the same pages without a store (a write pins without FOLL_WRITE: no fault), and the read's
        // DMA lands before the write's. The write's DMA finds zeros where its checksum has 0xAA: the
        // disk gets data that disagrees with its checksum, under every policy that does not bounce.
        for (const policy of [Policy.DIRECT, Policy.WP_COW, Policy.WP_WAIT, Policy.BOUNCE, Policy.VERIFY]) {
          const { c, tid } = brief(policy);
          expect(c.submit(tid, Op.READ, VA, 16 * KiB, 32, 0)).toBe(1);
          expect(c.submit(tid, Op.WRITE, VA, 16 * KiB, 0, 0)).toBe(2);
          expect(c.dma(1)).toBe(0);
          expect(c.dma(2)).toBe(0);
          expect(c.complete(1)).toBe(0);
          expect(c.complete(2)).toBe(0);
          // bounce copied the write's bytes at submit; verify's rewrite at completion repairs fs-csum.
          expect([policy, c.scrub()]).toEqual([policy, policy === Policy.BOUNCE || policy === Policy.VERIFY ? 0 : 4]);
          counts(c, { FAULTS: 0, GUP_WRITE_FAULTS: 0, DMA_MISMATCHES: policy === Policy.BOUNCE ? 0 : 1 });
          balanced(c);
        }
        const { c, tid } = brief(Policy.WP_COW);
        c.submit(tid, Op.READ, VA, 16 * KiB, 32, 0);
        c.submit(tid, Op.WRITE, VA, 16 * KiB, 0, 0);
        c.dma(1);
        c.dma(2);
        c.complete(1);
        c.complete(2);
        c.scrub();
        // The read protects 4 PTEs (4 flips, 1 shootdown); the write finds them read-only already (no
        // flip); the read's completion leaves them protected by the write; the write's restores them.
        // Torn: 32 sectors hold zeros where the writer had 0xAA. crc32c: the write at submit and DMA, the read.
        exactly(c, {
          WP_WALKS: 4, // each I/O's write-protect at submit and its restore at completion
          WRITES: 1,
          READS: 1,
          COMPLETIONS: 2,
          BYTES_WRITTEN: 16 * KiB,
          BYTES_READ: 16 * KiB,
          PROTECTED_IOS: 2,
          DMA_MISMATCHES: 1,
          CORRUPTIONS: 4,
          TORN_SECTORS: 32,
          PTE_FLIPS: 8,
          TLB_FLUSHES: 2,
          SHOOTDOWNS: 2,
          DEMAND_FAULTS: 4,
          PINS: 8,
          UNPINS: 8,
          TLB_MISSES: 8,
          FRAMES_ALLOCATED: 5,
          STORES: 1,
          BYTES_STORED: 16 * KiB,
          CSUM_BYTES: 48 * KiB,
        });
      });

      test("unmapping a page under an in-flight direct READ loses the read", () => {
        const c = mk([[Key.DEVICE, Device.FS_CSUM]]);
        const { pid, tid } = proc(c);
        c.map(pid, VA, 8 * KiB, RW);
        expect(c.submit(tid, Op.READ, VA, 8 * KiB, 0, 0)).toBe(1); // GUP demand-faults both pages
        expect(c.unmap(tid, VA + 4096, 4096)).toBe(0);
        expect(c.complete(1)).toBe(0);
        counts(c, { LOST_READS: 1, DEMAND_FAULTS: 2, SHOOTDOWNS: 1, FRAMES_FREED: 1 });
        balanced(c);
      });

      test("unmapping a page after the DMA point of a direct READ loses nothing: the data was delivered", () => {
        const c = mk([[Key.DEVICE, Device.FS_CSUM]]);
        const { pid, tid } = proc(c);
        c.map(pid, VA, 8 * KiB, RW);
        expect(c.submit(tid, Op.READ, VA, 8 * KiB, 0, 0)).toBe(1);
        expect(c.dma(1)).toBe(0);
        expect(c.unmap(tid, VA + 4096, 4096)).toBe(0);
        expect(c.complete(1)).toBe(0);
        counts(c, { LOST_READS: 0, READ_VERIFY_FAILURES: 0, DEMAND_FAULTS: 2, SHOOTDOWNS: 1, FRAMES_FREED: 1 });
        balanced(c);
      });
    });

    describe("false positives", () => {
      test("a 512 B buffer sharing its page with a hot variable (parity, wp-cow)", () => {
        const { c, tid } = populated(config(Device.PARITY, Policy.WP_COW), 4096, 0x11);
        expect(c.submit(tid, Op.WRITE, VA, 512, 0, 0)).toBe(1); // parity: level 2 needs stability
        expect(c.store(tid, VA + 2048, 8, 0x22)).toBe(0); // sector 4: no pin there
        expect(c.complete(1)).toBe(0);
        expect(c.scrub()).toBe(0);
        // Frames: table, page, parity scratch, COW copy; freed: scratch and the original page.
        exactly(c, {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 512,
          PROTECTED_IOS: 1,
          FAULTS: 1,
          FALSE_POSITIVES: 1,
          WARNINGS: 1,
          COW_COPIES: 1,
          BYTES_COPIED: 4096,
          BYTES_COW: 4096,
          PTE_FLIPS: 2,
          TLB_FLUSHES: 2,
          SHOOTDOWNS: 2,
          WP_WALKS: 2, // the write-protect's walk and the eager restore's
          DEMAND_FAULTS: 1,
          PINS: 1,
          UNPINS: 1,
          TLB_MISSES: 4,
          FRAMES_ALLOCATED: 4,
          FRAMES_FREED: 2,
          STORES: 2,
          BYTES_STORED: 4096 + 8,
        });
        expect(c.warnField(0, WarnField.KIND)).toBe(WarnKind.FALSE_POSITIVE);
        expect(c.warnField(0, WarnField.VA)).toBe(VA + 2048);
        const parity = c.parityRead(0);
        expect(parity).toEqual(new Uint8Array([...fill(512, 0x11), ...new Uint8Array(3584)]));
        balanced(c);
      });
    });

    describe("completion rings: the kernel stores past every page table", () => {
      /** An 8 KiB MAP_SHARED ring at VA (both pages present, 0xAA), a private 4 KiB buffer beside it (0xBB). */
      function ringed(policy: number, kind: number): { c: Core; pid: number; tid: number } {
        const c = mk(config(Device.FS_CSUM, policy));
        const { pid, tid } = proc(c);
        expect(c.map(pid, VA, 8 * KiB, RW | MapFlag.SHARED)).toBe(0);
        expect(c.store(tid, VA, 8 * KiB, 0xaa)).toBe(0);
        expect(c.ring(pid, VA, 8 * KiB, kind)).toBe(0);
        expect(c.map(pid, VA + 0x10000, 4096, RW)).toBe(0);
        expect(c.store(tid, VA + 0x10000, 4096, 0xbb)).toBe(0);
        return { c, pid, tid };
      }

      test("aio: a completion event lands in a ring page a direct write from it has in flight, write-protected or not", () => {
        // aio_complete writes the io_event at ring_folios[pos / AIO_EVENTS_PER_PAGE] and then ring->tail,
        // through the kernel's own mapping of the ring's folios: no fault, whatever wp-cow protected.
        const { c, tid } = ringed(Policy.WP_COW, Ring.AIO);
        expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(1); // the ring's first page: header, events 0..126
        expect(c.submit(tid, Op.WRITE, VA + 0x10000, 4096, 8, 0)).toBe(2);
        expect(c.complete(2)).toBe(0); // its event at +32 and the tail at +12: sector 0, which I/O 1 pins
        counts(c, { KERNEL_STORES: 2, KERNEL_STORES_INFLIGHT: 2, FAULTS: 0 });
        expect(c.dma(1)).toBe(0); // the ring page no longer holds what its checksum was made of
        expect(c.complete(1)).toBe(0); // its own event at +64, the tail: nothing in flight there now
        expect(c.scrub()).toBe(1);
        // Stores: 0xAA over the ring (2 demand faults, 4 misses), 0xBB (1 demand fault, 2 misses).
        // Each write: pin, 1 flip and a shootdown; each completion's restore: 1 flip, a shootdown.
        // crc32c: each write at submit and at its DMA. Frames: table + 3 demand.
        exactly(c, {
          WP_WALKS: 4, // each write's write-protect at submit and its restore at completion
          WRITES: 2,
          COMPLETIONS: 2,
          BYTES_WRITTEN: 8 * KiB,
          PROTECTED_IOS: 2,
          DMA_MISMATCHES: 1,
          CORRUPTIONS: 1,
          TORN_SECTORS: 1,
          PTE_FLIPS: 4,
          TLB_FLUSHES: 4,
          SHOOTDOWNS: 4,
          DEMAND_FAULTS: 3,
          PINS: 2,
          UNPINS: 2,
          TLB_MISSES: 6,
          FRAMES_ALLOCATED: 4,
          STORES: 2,
          BYTES_STORED: 12 * KiB,
          CSUM_BYTES: 16 * KiB,
          KERNEL_STORES: 4,
          KERNEL_STORES_INFLIGHT: 2,
        });
        // The ring: io_event {data, obj, res, res2} of I/O 2 in slot 0, of I/O 1 in slot 1; the tail 2.
        const ring = bytes(c, tid, VA, 128);
        const word = (at: number) => new DataView(ring.buffer).getUint32(at, true);
        expect([word(12), word(32), word(40), word(48), word(64), word(72), word(80)]).toEqual([2, 2, VA + 0x10000, 4096, 1, VA, 4096]);
        expect(disk(c, 0, 1).subarray(32, 36)).toEqual(new Uint8Array([2, 0, 0, 0])); // what reached the disk
        balanced(c);
      });

      test("io_uring: the CQE and the CQ tail land the same way; bounce keeps the write, the kernel's stores cannot reach it", () => {
        for (const [policy, corrupt] of [[Policy.WP_WAIT, 1], [Policy.DIRECT, 1], [Policy.BOUNCE, 0]] as const) {
          const { c, tid } = ringed(policy, Ring.IO_URING);
          expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(1);
          expect(c.submit(tid, Op.WRITE, VA + 0x10000, 4096, 8, 0)).toBe(2);
          expect(c.complete(2)).toBe(0); // the CQE at +64 ({user_data, res, flags}), cq.tail at +12
          expect(c.complete(1)).toBe(0);
          expect([policy, c.scrub()]).toEqual([policy, corrupt]);
          counts(c, { KERNEL_STORES: 4, KERNEL_STORES_INFLIGHT: policy === Policy.BOUNCE ? 0 : 2, STALLS: 0 });
          const ring = new DataView(bytes(c, tid, VA, 96).buffer);
          expect([ring.getUint32(12, true), ring.getUint32(64, true), ring.getUint32(72, true), ring.getUint32(80, true)]).toEqual([2, 2, 4096, 1]);
          balanced(c);
        }
      });

      test("sd_ring refuses, in order: NO_PROC, DEAD, INVAL, ALIGN, RANGE, NOT_MAPPED, a ring it cannot use; a dead process gets no events", () => {
        const c = mk(config(Device.NONE, Policy.DIRECT));
        const { pid, tid } = proc(c);
        const dead = proc(c);
        c.exit(dead.pid);
        c.map(pid, VA, 8 * KiB, RW | MapFlag.SHARED);
        c.store(tid, VA, 4096, 1);
        c.map(pid, VA + MiB, 4096, RW);
        c.store(tid, VA + MiB, 4096, 1);
        expect(c.ring(9, VA, 4096, Ring.AIO)).toBe(-Err.NO_PROC);
        expect(c.ring(dead.pid, VA, 4096, Ring.AIO)).toBe(-Err.DEAD);
        expect(c.ring(pid, VA, 4096, Ring.COUNT)).toBe(-Err.INVAL);
        expect(c.ring(pid, VA, 32, Ring.AIO)).toBe(-Err.INVAL); // no room for one event
        expect(c.ring(pid, VA + 512, 4096, Ring.AIO)).toBe(-Err.ALIGN);
        expect(c.ring(pid, 0xfffff000, 8192, Ring.AIO)).toBe(-Err.RANGE);
        expect(c.ring(pid, VA + 0x10000, 4096, Ring.AIO)).toBe(-Err.NOT_MAPPED);
        expect(c.ring(pid, VA, 8192, Ring.AIO)).toBe(-Err.INVAL); // page 2 not present
        expect(c.ring(pid, VA + MiB, 4096, Ring.AIO)).toBe(-Err.INVAL); // private
        expect(c.ring(pid, VA, 4096, Ring.IO_URING)).toBe(0);
        expect(c.submit(tid, Op.WRITE, VA + MiB, 4096, 0, 0)).toBe(1);
        const child = c.fork(tid, 1); // a fork's child has no ring
        expect(c.submit(child, Op.WRITE, VA + MiB, 4096, 8, 0)).toBe(2);
        expect(c.complete(2)).toBe(0);
        counts(c, { KERNEL_STORES: 0 });
        expect(c.exit(pid)).toBe(0);
        expect(c.complete(1)).toBe(0);
        counts(c, { KERNEL_STORES: 0 }); // exit destroyed the ring
        expect(c.check()).toBe(0);
      });
    });

    describe("MAP_SHARED", () => {
      test("one frame at two addresses (a memfd mapped twice): the write-protect finds the other by the rmap", () => {
        // folio_mkclean walks the folio's rmap (rmap_walk -> page_mkclean_one) and write-protects every
        // shared mapping of it, wherever it is. A store through the second address then faults: a
        // MAP_SHARED page cannot be copied, so wp-cow waits (6.6 step 4), and nothing reaches the disk
        // but the bytes the write's checksum was made of.
        const c = mk(config(Device.FS_CSUM, Policy.WP_COW));
        const { pid, tid } = proc(c);
        const ALIAS = VA + 0x10000; // the same PMD: no new table
        expect(c.map(pid, VA, 4096, RW | MapFlag.SHARED)).toBe(0);
        expect(c.store(tid, VA, 4096, 0xaa)).toBe(0); // miss, demand fault, miss, fill
        expect(c.mapAlias(pid, ALIAS, 4096, pid, VA)).toBe(0);
        expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(1);
        // The submitter's own PTE (1 flip, 1 shootdown), then the rmap walk finds the alias (1 flip,
        // its own shootdown).
        counts(c, { PTE_FLIPS: 2, SHOOTDOWNS: 2 });
        expect(c.store(tid, ALIAS, 8, 0x55)).toBe(0);
        // Miss, fault on the protected frame through the alias: a violation, the warning, a shared wait:
        // the write's DMA and completion run, whose restore gives both PTEs W back (2 flips, 2
        // shootdowns); the store retries: miss, fill.
        expect(c.ioState(1)).toBe(IoState.COMPLETED);
        expect(c.scrub()).toBe(0);
        exactly(c, {
          WP_WALKS: 4, // submit: its own table, the rmap walk's alias; completion: the same two
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 4096,
          PROTECTED_IOS: 1,
          FAULTS: 1,
          VIOLATIONS: 1,
          WARNINGS: 1,
          STALLS: 1,
          SHARED_WAITS: 1,
          PTE_FLIPS: 4,
          TLB_FLUSHES: 4,
          SHOOTDOWNS: 4,
          DEMAND_FAULTS: 1,
          PINS: 1,
          UNPINS: 1,
          TLB_MISSES: 4,
          FRAMES_ALLOCATED: 2,
          STORES: 2,
          BYTES_STORED: 4096 + 8,
          CSUM_BYTES: 8192,
        });
        expect(disk(c, 0, 8)).toEqual(fill(4096, 0xaa));
        expect(bytes(c, tid, VA, 9)).toEqual(new Uint8Array([...fill(8, 0x55), 0xaa])); // one frame
        balanced(c);
      });

      test("two processes not related by fork map one segment: the rmap reaches the other's CPU; without protection the store lands", () => {
        for (const policy of [Policy.WP_WAIT, Policy.DIRECT]) {
          const c = mk(config(Device.FS_CSUM, policy));
          const a = proc(c, 0, [0]);
          const b = proc(c, 0, [1]);
          expect(c.map(a.pid, VA, 8 * KiB, RW | MapFlag.SHARED)).toBe(0);
          expect(c.store(a.tid, VA, 8 * KiB, 0xaa)).toBe(0);
          expect(c.mapAlias(b.pid, HVA, 8 * KiB, a.pid, VA)).toBe(0); // another PMD of b: a table
          expect(c.store(b.tid, HVA + 4096, 1, 0x11)).toBe(0); // b fills its TLB entry, writable
          expect(c.submit(a.tid, Op.WRITE, VA, 8 * KiB, 0, 0)).toBe(1);
          if (policy === Policy.WP_WAIT) {
            // a's PTEs (2 flips, a shootdown on {0}); b's through the rmap (2 flips, a shootdown on {1}
            // from CPU 0: 1 IPI).
            counts(c, { PTE_FLIPS: 2 + 2, SHOOTDOWNS: 2, IPIS: 1 });
          }
          expect(c.store(b.tid, HVA + 4096, 16, 0x55)).toBe(0);
          if (c.ioState(1) !== IoState.COMPLETED) expect(c.complete(1)).toBe(0);
          expect([policy, c.scrub()]).toEqual([policy, policy === Policy.WP_WAIT ? 0 : 1]);
          counts(c, { STALLS: policy === Policy.WP_WAIT ? 1 : 0, DMA_MISMATCHES: policy === Policy.WP_WAIT ? 0 : 1 });
          balanced(c);
        }
      });

      test("an alias made while a write is in flight is mapped write-protected (DWP), and restored with the rest", () => {
        const c = mk(config(Device.FS_CSUM, Policy.WP_WAIT));
        const { pid, tid } = proc(c);
        c.map(pid, VA, 4096, RW | MapFlag.SHARED);
        c.store(tid, VA, 4096, 0xaa);
        expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(1);
        expect(c.mapAlias(pid, VA + 0x10000, 4096, pid, VA)).toBe(0);
        expect(c.check()).toBe(0); // no writable entry maps the protected frame
        expect(c.complete(1)).toBe(0);
        counts(c, { PTE_FLIPS: 3, SHOOTDOWNS: 3 }); // protect 1; restore: own 1, the alias 1
        expect(c.store(tid, VA + 0x10000, 1, 0x55)).toBe(0);
        counts(c, { FAULTS: 0, STALLS: 0 });
        balanced(c);
      });

      test("sd_map_alias refuses, in order: NO_PROC, DEAD, INVAL, ALIGN, RANGE, MAPPED, NOT_MAPPED, a source it cannot share, LIMIT", () => {
        const c = mk([[Key.DEVICE, Device.NONE]]);
        const { pid, tid } = proc(c);
        const dead = proc(c);
        c.exit(dead.pid);
        c.map(pid, VA, 8 * KiB, RW | MapFlag.SHARED);
        c.store(tid, VA, 4096, 1); // page 1 present, page 2 not
        c.map(pid, VA + MiB, 4096, RW); // private
        c.store(tid, VA + MiB, 4096, 1);
        c.map(pid, HVA, 2 * MiB, RW | MapFlag.SHARED | MapFlag.HUGE);
        c.store(tid, HVA, 1, 1);
        const A = 0x4000000;
        expect(c.mapAlias(9, A, 4096, pid, VA)).toBe(-Err.NO_PROC);
        expect(c.mapAlias(pid, A, 4096, 9, VA)).toBe(-Err.NO_PROC);
        expect(c.mapAlias(dead.pid, A, 4096, pid, VA)).toBe(-Err.DEAD);
        expect(c.mapAlias(pid, A, 0, pid, VA)).toBe(-Err.INVAL);
        expect(c.mapAlias(pid, A, 4096, pid, VA + 512)).toBe(-Err.ALIGN);
        expect(c.mapAlias(pid, 0xfffff000, 8192, pid, VA)).toBe(-Err.RANGE);
        expect(c.mapAlias(pid, VA, 4096, pid, VA)).toBe(-Err.MAPPED);
        expect(c.mapAlias(pid, A, 4096, pid, VA + 0x10000)).toBe(-Err.NOT_MAPPED);
        expect(c.mapAlias(pid, A, 8192, pid, VA)).toBe(-Err.INVAL); // page 2 not present
        expect(c.mapAlias(pid, A, 4096, pid, VA + MiB)).toBe(-Err.INVAL); // private
        expect(c.mapAlias(pid, A, 4096, pid, HVA)).toBe(-Err.INVAL); // a huge PMD
        for (let i = 0; i < MAX_ALIASES; i++) expect(c.mapAlias(pid, A + i * 4096, 4096, pid, VA)).toBe(0);
        expect(c.mapAlias(pid, A + MAX_ALIASES * 4096, 4096, pid, VA)).toBe(-Err.LIMIT);
        expect(c.errDetail()).toBe(MAX_ALIASES);
        expect(c.check()).toBe(0);
      });

      /**
       * A 4 KiB write of a shared page (stored whole first: 1 demand fault) and one store
       * into it in flight: a violation, warned once, whose fault waits for the I/O instead
       * of copying; the I/O pins 1 page; 4 TLB misses; crc32c of the block at submit and DMA.
       */
      const SHARED_STORE_WAITS: Counts = {
        WRITES: 1,
        COMPLETIONS: 1,
        BYTES_WRITTEN: 4096,
        PROTECTED_IOS: 1,
        FAULTS: 1,
        VIOLATIONS: 1,
        WARNINGS: 1,
        STALLS: 1,
        SHARED_WAITS: 1,
        DEMAND_FAULTS: 1,
        PINS: 1,
        UNPINS: 1,
        TLB_MISSES: 4,
        STORES: 2,
        BYTES_STORED: 4097,
        CSUM_BYTES: 8192,
      };

      test("a shared page under wp-cow stalls instead of copying", () => {
        const { c, tid } = populated(config(Device.FS_CSUM, Policy.WP_COW), 4096, 0xaa, RW | MapFlag.SHARED);
        expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(1);
        expect(c.store(tid, VA, 1, 0x55)).toBe(0);
        expect(c.ioState(1)).toBe(IoState.COMPLETED);
        expect(c.scrub()).toBe(0);
        // Protect and restore the one PTE: 2 flips, 2 shootdowns, 2 walks (the restore finds the
        // page MAP_SHARED and looks for other mappings: no other process). Frames: 1 table + 1 page.
        exactly(c, {
          ...SHARED_STORE_WAITS,
          PTE_FLIPS: 2,
          TLB_FLUSHES: 2,
          SHOOTDOWNS: 2,
          WP_WALKS: 2,
          FRAMES_ALLOCATED: 2,
        });
        expect(disk(c, 0, 8)).toEqual(fill(4096, 0xaa));
        expect(bytes(c, tid, VA, 2)).toEqual(new Uint8Array([0x55, 0xaa]));
        balanced(c);
      });

      test("a child sharing the frame is write-protected too, and its store waits", () => {
        const { c, tid } = populated(config(Device.FS_CSUM, Policy.WP_COW), 4096, 0x11, RW | MapFlag.SHARED);
        const child = c.fork(tid, 1); // the child maps the same frame, writable, on CPU 1
        expect(child).toBe(2);
        expect(c.threadPid(child)).toBe(2);
        expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(1);
        // Fork: one shootdown of the parent on {0}. Submit: the parent's PTE (1 flip, shootdown
        // on {0}), then the child's (1 flip, shootdown on the child's CPUs {1} from CPU 0: the
        // local CPU does not run the child, 1 flush, 1 IPI).
        counts(c, { PTE_FLIPS: 2, SHOOTDOWNS: 3, TLB_FLUSHES: 3, IPIS: 1 });
        expect(c.check()).toBe(0);
        expect(c.store(child, VA, 1, 0x22)).toBe(0);
        // The child's fault waits for I/O 1 (SHARED_STORE_WAITS); its completion restores the
        // parent's PTE ({0}) and the child's ({1}, an IPI). Walks: the parent's table and the child's
        // (the rmap finds its mapping of the pinned frame), at submit and at completion: 4.
        // Frames: 1 table + 1 page + the child's table.
        exactly(c, {
          ...SHARED_STORE_WAITS,
          PTE_FLIPS: 4,
          TLB_FLUSHES: 5,
          IPIS: 2,
          SHOOTDOWNS: 5,
          WP_WALKS: 4,
          FRAMES_ALLOCATED: 3,
          FORKS: 1,
        });
        expect(c.warnField(0, WarnField.PID)).toBe(2);
        expect(c.procFlags(2)).toBe(ProcFlag.WARNED);
        expect(c.procFlags(1)).toBe(0);
        expect(bytes(c, tid, VA, 1)).toEqual(new Uint8Array([0x22])); // shared
        expect(c.scrub()).toBe(0);
        balanced(c);
      });

      test("write-protecting a sharer's page flushes the sharer's CPUs only, the local one if it runs there", () => {
        // parity, wp-wait. The parent (CPU 0) writes a shared page that its child maps too.
        function sharedWrite(childCpus: number[]): Core {
          const { c, tid } = populated(config(Device.PARITY, Policy.WP_WAIT), 4096, 0x01, RW | MapFlag.SHARED);
          expect(c.fork(tid, childCpus[0])).toBe(2);
          for (const cpu of childCpus.slice(1)) expect(c.threadCreate(2, cpu)).toBeGreaterThan(0);
          expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(1);
          expect(c.complete(1)).toBe(0);
          expect(c.scrub()).toBe(0);
          balanced(c);
          return c;
        }
        // The child on CPU 1 only. Store: miss, demand fault, miss, fill. Fork: the child's
        // table, the shared PTE as is, one shootdown of the parent on {0}. Submit pins the page,
        // takes a parity snapshot (a scratch frame, freed at completion) and write-protects the
        // parent's PTE (shootdown on {0}) and the child's (shootdown on {1} from CPU 0: 1 flush,
        // 1 IPI); completion restores both alike. 5 shootdowns, 5 flushes, 2 IPIs; 4 walks (the
        // parent's table and the child's, which the rmap finds, at submit and at completion).
        // Frames: table, page, child's table, scratch.
        exactly(sharedWrite([1]), {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 4096,
          PROTECTED_IOS: 1,
          PTE_FLIPS: 4,
          SHOOTDOWNS: 5,
          TLB_FLUSHES: 5,
          IPIS: 2,
          WP_WALKS: 4,
          DEMAND_FAULTS: 1,
          PINS: 1,
          UNPINS: 1,
          TLB_MISSES: 2,
          FRAMES_ALLOCATED: 4,
          FRAMES_FREED: 1,
          STORES: 1,
          BYTES_STORED: 4096,
          FORKS: 1,
        });
        // A child thread on CPU 0 too: the child's shootdowns flush CPU 0 locally and IPI CPU 1.
        counts(sharedWrite([1, 0]), { SHOOTDOWNS: 5, TLB_FLUSHES: 7, IPIS: 2 });
      });
    });

    describe("fork", () => {
      test("a pinned page in flight is copied for the child at once", () => {
        // Device none, policy direct: DIRECT I/O pins.
        const { c, tid } = populated([], 8 * KiB, 0x33, RW, ProcFlag.UNSAFE);
        expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(1);
        const child = c.fork(tid, 1);
        expect(child).toBe(2);
        expect(c.procFlags(2)).toBe(ProcFlag.UNSAFE);
        // Page 1 pinned: the child gets a copy (W). Page 2: shared copy-on-write, the
        // parent's PTE loses W (1 flip). One shootdown of the parent's mm on {0}.
        counts(c, { FORK_COPIES: 1, BYTES_FORK: 4096, PTE_FLIPS: 1, SHOOTDOWNS: 1, FORKS: 1 });
        expect(c.store(child, VA, 4096, 0x77)).toBe(0); // its own copy: no fault
        expect(c.store(child, VA + 4096, 1, 0x01)).toBe(0); // COW of the shared page
        expect(c.complete(1)).toBe(0);
        expect(c.store(tid, VA + 4096, 1, 0x02)).toBe(0); // the parent reuses its now exclusive page
        exactly(c, {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 4096,
          DIRECT_IOS: 1,
          FAULTS: 2,
          COW_COPIES: 1,
          WP_REUSE: 1,
          BYTES_COPIED: 8192,
          BYTES_COW: 4096,
          BYTES_FORK: 4096,
          FORK_COPIES: 1,
          PTE_FLIPS: 3,
          TLB_FLUSHES: 2,
          SHOOTDOWNS: 2,
          DEMAND_FAULTS: 2,
          PINS: 1,
          UNPINS: 1,
          TLB_MISSES: 9,
          FRAMES_ALLOCATED: 6,
          STORES: 4,
          BYTES_STORED: 8 * KiB + 4096 + 2,
          FORKS: 1,
        });
        expect(disk(c, 0, 8)).toEqual(fill(4096, 0x33)); // the parent's bytes, not the child's
        expect(bytes(c, tid, VA, 1)).toEqual(new Uint8Array([0x33]));
        expect(bytes(c, tid, VA + 4096, 1)).toEqual(new Uint8Array([0x02]));
        expect(bytes(c, child, VA + 4096, 1)).toEqual(new Uint8Array([0x01]));
        balanced(c);
      });

      test("a WRITE unshares a page the fork left shared into a read-only copy; the next store reuses it", () => {
        // Linux: a direct WRITE pins without FOLL_WRITE, so GUP unshares (FAULT_FLAG_UNSHARE) and
        // wp_page_copy maps the copy without write permission (maybe_mkwrite only if !unshare).
        // wp-cow walks the table to write-protect (finding no W) and to restore (finding no DWP): 2 walks.
        for (const [policy, modeCounter, walks] of [
          [Policy.DIRECT, "DIRECT_IOS", {}],
          [Policy.WP_COW, "PROTECTED_IOS", { WP_WALKS: 2 }],
        ] as const) {
          const { c, tid } = populated([[Key.STABLE, Stable.ALWAYS], [Key.POLICY, policy]], 4096, 0x11);
          expect(c.fork(tid, 1)).toBe(2);
          expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(1);
          // Fork: the parent's PTE loses W (1 flip), one shootdown on {0}. Submit: the frame is
          // mapped twice, so the page is unshared (1 flip, 1 shootdown) into a read-only copy; under
          // wp-cow the write-protect step finds no W to take: no DWP, no flip, no shootdown.
          counts(c, { UNSHARE_COPIES: 1, PTE_FLIPS: 2, SHOOTDOWNS: 2 });
          expect(c.complete(1)).toBe(0); // nothing has DWP: nothing to restore
          expect(c.store(tid, VA, 8, 0x22)).toBe(0);
          // The store: miss (the unshare shot the entry down), fault on the read-only exclusive
          // copy, not protected (the I/O completed): reuse (1 flip, no flush), miss, fill.
          // Store 4 KiB first: miss, demand fault, miss, fill. Frames: table, page, the child's
          // table, the copy; the original stays mapped by the child.
          exactly(c, {
            WRITES: 1,
            COMPLETIONS: 1,
            BYTES_WRITTEN: 4096,
            [modeCounter]: 1,
            FAULTS: 1,
            WP_REUSE: 1,
            UNSHARE_COPIES: 1,
            BYTES_UNSHARE: 4096,
            BYTES_COPIED: 4096,
            PTE_FLIPS: 3,
            TLB_FLUSHES: 2,
            SHOOTDOWNS: 2,
            DEMAND_FAULTS: 1,
            PINS: 1,
            UNPINS: 1,
            TLB_MISSES: 4,
            FRAMES_ALLOCATED: 4,
            STORES: 2,
            BYTES_STORED: 4096 + 8,
            FORKS: 1,
            ...walks,
          });
          expect(bytes(c, tid, VA, 9)).toEqual(new Uint8Array([...fill(8, 0x22), 0x11]));
          expect(bytes(c, 2, VA, 1)).toEqual(new Uint8Array([0x11]));
          balanced(c);
        }
      });

      test("a READ pins with FOLL_WRITE: its unshare copy is writable, the next store takes no fault", () => {
        const { c, tid } = populated([[Key.STABLE, Stable.ALWAYS]], 4096, 0x11);
        expect(c.fork(tid, 1)).toBe(2);
        expect(c.submit(tid, Op.READ, VA, 4096, 0, 0)).toBe(1);
        expect(c.complete(1)).toBe(0);
        expect(c.store(tid, VA, 8, 0x22)).toBe(0);
        // Fork flip + shootdown; the unshare copy (W: a write fault's copy) flip + shootdown.
        counts(c, { UNSHARE_COPIES: 1, PTE_FLIPS: 2, SHOOTDOWNS: 2, FAULTS: 0, WP_REUSE: 0 });
        balanced(c);
      });
    });

    describe("huge pages", () => {
      test("a store into a 2 MiB mapping under write-protect splits the PMD and copies 4 KiB", () => {
        const c = mk(config(Device.FS_CSUM, Policy.WP_COW));
        const { pid, tid } = proc(c);
        expect(c.map(pid, HVA, 2 * MiB, RW | MapFlag.HUGE)).toBe(0);
        c.store(tid, HVA, 16 * KiB, 0xaa); // one huge demand fault: a 512-frame folio
        expect(c.submit(tid, Op.WRITE, HVA, 16 * KiB, 0, 0)).toBe(1);
        counts(c, { PMD_FLIPS: 1, PTE_FLIPS: 0, SHOOTDOWNS: 1 }); // one PMD; 512 pages: full flush
        expect(c.store(tid, HVA + 4096, 1, 0x55)).toBe(0);
        // Split (a PTE table; pages 1-4 DWP, 5-512 read-only like the write-protected PMD;
        // shootdown of 512 pages), then the COW of page 2 (1 flip, 1 shootdown).
        counts(c, { PMD_SPLITS: 1, COW_COPIES: 1, PTE_FLIPS: 1, SHOOTDOWNS: 3 });
        expect(c.complete(1)).toBe(0);
        exactly(c, {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 16 * KiB,
          PROTECTED_IOS: 1,
          FAULTS: 1,
          VIOLATIONS: 1,
          WARNINGS: 1,
          COW_COPIES: 1,
          BYTES_COPIED: 4096,
          BYTES_COW: 4096,
          PTE_FLIPS: 4,
          PMD_FLIPS: 1,
          PMD_SPLITS: 1,
          TLB_FLUSHES: 4,
          SHOOTDOWNS: 4,
          WP_WALKS: 2, // the write-protect's walk (of the PMD) and the eager restore's (of the split table)
          DEMAND_FAULTS: 1,
          PINS: 4,
          UNPINS: 4,
          TLB_MISSES: 7,
          FRAMES_ALLOCATED: 514,
          FRAMES_FREED: 1,
          STORES: 2,
          BYTES_STORED: 16 * KiB + 1,
          CSUM_BYTES: 32 * KiB,
        });
        expect(c.frameStats(FrameKind.TOTAL)).toBe(514);
        expect(c.frameStats(FrameKind.USER)).toBe(512);
        expect(c.frameStats(FrameKind.MAPPED)).toBe(512);
        // The rest of the folio kept the PMD's read-only bit: a store into page 101 faults once,
        // is not protected (no I/O in flight, not a false positive) and reuses its exclusive
        // frame (1 flip, no flush).
        expect(c.store(tid, HVA + 100 * 4096, 1, 1)).toBe(0);
        counts(c, { FAULTS: 2, FALSE_POSITIVES: 0, WARNINGS: 1, WP_REUSE: 1, PTE_FLIPS: 5, SHOOTDOWNS: 4 });
        balanced(c);
      });

      test("a split keeps the write-protected PMD's read-only bit: later writes to other subpages fault and reuse", () => {
        // Linux __split_huge_pmd_locked: write = pmd_write(old_pmd).
        const c = mk([[Key.DEVICE, Device.NONE], [Key.STABLE, Stable.ALWAYS], [Key.POLICY, Policy.WP_COW]]);
        const { pid, tid } = proc(c);
        expect(c.map(pid, HVA, 2 * MiB, RW | MapFlag.HUGE)).toBe(0);
        expect(c.store(tid, HVA, 4096, 0x01)).toBe(0); // miss, huge demand fault (512 frames), miss, fill
        expect(c.submit(tid, Op.WRITE, HVA, 4096, 0, 0)).toBe(1); // pin 1; the PMD loses W (1 flip, 1 shootdown)
        expect(c.store(tid, HVA + 100 * 4096, 8, 0x02)).toBe(0);
        // Page 101: miss, fault on the protected folio outside the I/O's bytes (false positive,
        // warned), split (a table, 512-page shootdown) into read-only PTEs, page 101's not DWP;
        // then as a PTE fault, no second count: not protected, exclusive: reuse (1 flip). Miss, fill.
        counts(c, { FAULTS: 1, FALSE_POSITIVES: 1, PMD_SPLITS: 1, WP_REUSE: 1, PTE_FLIPS: 1, SHOOTDOWNS: 2 });
        for (const p of [101, 200, 300]) expect(c.store(tid, HVA + p * 4096, 8, 0x03)).toBe(0);
        // Each: miss, fault, not protected (no false positive), exclusive: reuse (1 flip, no flush), miss, fill.
        expect(c.complete(1)).toBe(0);
        // Completion restores page 1 (DWP, canWrite): 1 flip, 1 shootdown. Frames: the folio, the table.
        exactly(c, {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 4096,
          PROTECTED_IOS: 1,
          FAULTS: 4,
          FALSE_POSITIVES: 1,
          WARNINGS: 1,
          WP_REUSE: 4,
          PTE_FLIPS: 5,
          PMD_FLIPS: 1,
          PMD_SPLITS: 1,
          TLB_FLUSHES: 3,
          SHOOTDOWNS: 3,
          WP_WALKS: 2, // the write-protect's walk and the eager restore's
          DEMAND_FAULTS: 1,
          PINS: 1,
          UNPINS: 1,
          TLB_MISSES: 10,
          FRAMES_ALLOCATED: 513,
          STORES: 5,
          BYTES_STORED: 4096 + 32,
        });
        expect(c.warnField(0, WarnField.KIND)).toBe(WarnKind.FALSE_POSITIVE);
        balanced(c);
      });

      test("fork with a pinned subpage copies the whole folio for the child; the parent's PTEs stay writable", () => {
        // Linux decides per folio (folio_maybe_dma_pinned): copy_huge_pmd splits the PMD and
        // copy_present_ptes copies every exclusive subpage for the child, leaving the parent's PTEs.
        const c = mk([[Key.DEVICE, Device.NONE], [Key.STABLE, Stable.ALWAYS], [Key.POLICY, Policy.DIRECT]]);
        const { pid, tid } = proc(c);
        expect(c.map(pid, HVA, 2 * MiB, RW | MapFlag.HUGE)).toBe(0);
        expect(c.store(tid, HVA, 4096, 0x01)).toBe(0); // miss, huge demand fault (512 frames), miss, fill
        expect(c.submit(tid, Op.WRITE, HVA, 4096, 0, 0)).toBe(1); // DIRECT: pins page 1, no flips
        const child = c.fork(tid, 1);
        expect(child).toBe(2);
        // The folio may be pinned: split in the parent (a table, 512-page shootdown; the PTEs keep
        // the PMD's W), the child's table, a copy of each of the 512 exclusive subpages (W), no
        // parent flips; fork's own shootdown of the parent on {0}.
        counts(c, { FORK_COPIES: 512, PMD_SPLITS: 1, PTE_FLIPS: 0, SHOOTDOWNS: 2 });
        for (const p of [10, 20, 30]) expect(c.store(tid, HVA + p * 4096, 8, 0x02)).toBe(0); // miss, fill: no fault
        expect(c.store(child, HVA + 10 * 4096, 1, 0x03)).toBe(0); // the child's copy: miss, fill
        expect(c.complete(1)).toBe(0);
        // Frames: the folio, the parent's table, the child's table, 512 copies.
        exactly(c, {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 4096,
          DIRECT_IOS: 1,
          FORK_COPIES: 512,
          BYTES_FORK: 2 * MiB,
          BYTES_COPIED: 2 * MiB,
          PMD_SPLITS: 1,
          TLB_FLUSHES: 2,
          SHOOTDOWNS: 2,
          DEMAND_FAULTS: 1,
          PINS: 1,
          UNPINS: 1,
          TLB_MISSES: 6,
          FRAMES_ALLOCATED: 512 + 1 + 1 + 512,
          STORES: 5,
          BYTES_STORED: 4096 + 24 + 1,
          FORKS: 1,
        });
        expect(bytes(c, tid, HVA + 10 * 4096, 1)).toEqual(new Uint8Array([0x02]));
        expect(bytes(c, child, HVA + 10 * 4096, 1)).toEqual(new Uint8Array([0x03]));
        expect(bytes(c, child, HVA, 1)).toEqual(new Uint8Array([0x01]));
        balanced(c);
      });

      test("the folio stays large after the split: each of three forks copies all 512 exclusive subpages (1,536)", () => {
        // The case Linux answers with 1,536 copies: a 2 MiB THP with one 16 KiB write in flight, forked three times.
        // Linux's __split_huge_pmd splits the mapping, not the folio; copy_present_ptes asks
        // folio_maybe_dma_pinned of the (still large) folio at every fork, and
        // __folio_try_dup_anon_rmap refuses to share each PageAnonExclusive subpage: 3 x 512.
        // Forgetting the folio at the split would copy 512 + 4 + 4 = 520.
        const c = mk([[Key.DEVICE, Device.NONE], [Key.STABLE, Stable.ALWAYS], [Key.POLICY, Policy.DIRECT]]);
        const { pid, tid } = proc(c);
        expect(c.map(pid, HVA, 2 * MiB, RW | MapFlag.HUGE)).toBe(0);
        // Page 1: miss, huge demand fault (512 frames), miss, fill; pages 2-4: miss, fill (5 misses).
        expect(c.store(tid, HVA, 16 * KiB, 0x01)).toBe(0);
        expect(c.submit(tid, Op.WRITE, HVA, 16 * KiB, 0, 0)).toBe(1); // DIRECT: pins 4 subpages
        // Fork 1: split in the parent (a table, a 512-page shootdown on {0}; the PTEs keep W),
        // the child's table, 512 copies, fork's shootdown of the parent.
        expect(c.fork(tid, 1)).toBe(2);
        counts(c, { FORK_COPIES: 512, PMD_SPLITS: 1, SHOOTDOWNS: 2, PTE_FLIPS: 0 });
        // Forks 2 and 3: the parent's PMD is a PTE table of the same folio, still maybe pinned
        // and every subpage still exclusive (the children got copies): 512 copies each, the
        // child's table, fork's shootdown; no split, no flips.
        expect(c.fork(tid, 2)).toBe(3);
        counts(c, { FORK_COPIES: 1024, PMD_SPLITS: 1, SHOOTDOWNS: 3, PTE_FLIPS: 0 });
        expect(c.fork(tid, 3)).toBe(4);
        expect(c.complete(1)).toBe(0); // the DMA, then unpin 4
        // Frames: the folio, the parent's table, 3 child tables, 3 x 512 copies.
        exactly(c, {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 16 * KiB,
          DIRECT_IOS: 1,
          FORK_COPIES: 1536,
          BYTES_FORK: 1536 * 4096,
          BYTES_COPIED: 1536 * 4096,
          PMD_SPLITS: 1,
          TLB_FLUSHES: 4,
          SHOOTDOWNS: 4,
          DEMAND_FAULTS: 1,
          PINS: 4,
          UNPINS: 4,
          TLB_MISSES: 5,
          FRAMES_ALLOCATED: 512 + 1 + 3 + 1536,
          STORES: 1,
          BYTES_STORED: 16 * KiB,
          FORKS: 3,
        });
        for (const child of [2, 3, 4]) expect(bytes(c, child, HVA + 100 * 4096, 1)).toEqual(new Uint8Array([0]));
        expect(bytes(c, 4, HVA, 1)).toEqual(new Uint8Array([0x01]));
        // With nothing in flight the folio is not maybe-pinned: a fourth fork shares every
        // subpage copy-on-write (512 parent PTEs lose W) and copies nothing.
        expect(c.fork(tid, 0)).toBe(5);
        counts(c, { FORK_COPIES: 1536, PTE_FLIPS: 512, SHOOTDOWNS: 5, FORKS: 4 });
        balanced(c);
      });

      test("a page of a split folio freed on its own leaves the folio: taken again as a 4 KiB frame, it is not asked", () => {
        // The folio is split, one subpage COWed away in flight (wp-cow), its frame freed at
        // completion; pinned again from a new 4 KiB mapping, it must not make the old folio
        // maybe-pinned, and the new page is small: fork copies it alone.
        const c = mk([[Key.DEVICE, Device.NONE], [Key.STABLE, Stable.ALWAYS], [Key.POLICY, Policy.WP_COW]]);
        const { pid, tid } = proc(c);
        expect(c.map(pid, HVA, 2 * MiB, RW | MapFlag.HUGE)).toBe(0);
        expect(c.store(tid, HVA, 4096, 0x01)).toBe(0);
        expect(c.submit(tid, Op.WRITE, HVA, 4096, 0, 0)).toBe(1);
        expect(c.store(tid, HVA, 8, 0x02)).toBe(0); // violation: split, COW of page 1
        expect(c.complete(1)).toBe(0); // the original of page 1 loses its pin: freed to the 4 KiB list
        counts(c, { PMD_SPLITS: 1, COW_COPIES: 1, FRAMES_FREED: 1 });
        expect(c.map(pid, VA, 4096, RW)).toBe(0);
        expect(c.store(tid, VA, 4096, 0x03)).toBe(0); // takes the freed frame (LIFO)
        expect(c.submit(tid, Op.WRITE, VA, 4096, 8, 0)).toBe(2);
        expect(c.fork(tid, 1)).toBe(2);
        // Only the pinned small page is copied; the folio's 511 pages (read-only since the split of
        // the write-protected PMD) and page 1's COW copy are shared copy-on-write.
        counts(c, { FORK_COPIES: 1 });
        expect(c.complete(2)).toBe(0);
        balanced(c);
      });

      test("fork shares a huge PMD copy-on-write; each side's write splits its own PMD", () => {
        const c = mk();
        const { pid, tid } = proc(c);
        c.map(pid, HVA, 2 * MiB, RW | MapFlag.HUGE);
        c.store(tid, HVA, 1, 0x01);
        const child = c.fork(tid, 0);
        counts(c, { PMD_FLIPS: 1, SHOOTDOWNS: 1 });
        // The child's write: its folio is shared, so split (table, 512-page shootdown), then
        // COW of page 2 (shootdown). The parent's write to page 2: frame 2 is now exclusive
        // but the other 511 are shared, so the PMD cannot be reused whole: split (its PTEs keep
        // the PMD's read-only bit), then the PTE's frame 2 is exclusive: reuse (1 flip, no
        // flush), no second fault counted and no copy.
        expect(c.store(child, HVA + 4096, 1, 0x02)).toBe(0);
        expect(c.store(tid, HVA + 4096, 1, 0x03)).toBe(0);
        exactly(c, {
          FAULTS: 2,
          COW_COPIES: 1,
          WP_REUSE: 1,
          BYTES_COPIED: 4096,
          BYTES_COW: 4096,
          PTE_FLIPS: 2,
          PMD_FLIPS: 1,
          PMD_SPLITS: 2,
          TLB_FLUSHES: 4,
          SHOOTDOWNS: 4,
          DEMAND_FAULTS: 1,
          TLB_MISSES: 6,
          FRAMES_ALLOCATED: 515,
          STORES: 3,
          BYTES_STORED: 3,
          FORKS: 1,
        });
        expect(bytes(c, tid, HVA + 4096, 1)).toEqual(new Uint8Array([0x03]));
        expect(bytes(c, child, HVA + 4096, 1)).toEqual(new Uint8Array([0x02]));
        balanced(c);
      });
    });

    describe("devices", () => {
      test("verify: a changed buffer fails the verify, is rewritten buffered, and degrades the process", () => {
        const { c, pid, tid } = brief(Policy.VERIFY);
        expect(c.submit(tid, Op.WRITE, VA, 16 * KiB, 0, 0)).toBe(1);
        expect(c.store(tid, VA + 4096, 16, 0x55)).toBe(0);
        expect(c.complete(1)).toBe(0);
        // The store hits the TLB (UNPROTECTED_STORE_IN_FLIGHT). DMA mismatch on block 1; verify
        // differs; rewrite of all 4 pages with fresh crcs.
        // The scrub sees consistent crcs, but sector 8 is not what the buffer held at submit.
        expect(c.scrub()).toBe(0);
        exactly(c, {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 16 * KiB,
          VERIFY_IOS: 1,
          DMA_MISMATCHES: 1,
          TORN_SECTORS: 1,
          VERIFY_FAILURES: 1,
          WARNINGS: 1,
          DEGRADED: 1,
          BYTES_COPIED: 16 * KiB,
          BYTES_REWRITE: 16 * KiB,
          ...UNPROTECTED_STORE_IN_FLIGHT,
          BYTES_STORED: 16 * KiB + 16,
          CSUM_BYTES: 64 * KiB,
        });
        expect(c.warnField(0, WarnField.KIND)).toBe(WarnKind.VERIFY);
        expect(c.warnField(0, WarnField.VA)).toBe(VA);
        expect(c.procFlags(pid)).toBe(ProcFlag.WARNED | ProcFlag.DEGRADED);
        expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(2);
        expect(c.submit(tid, Op.READ, VA, 4096, 0, 0)).toBe(3);
        counts(c, { BOUNCE_IOS: 1, DIRECT_IOS: 1, VERIFY_IOS: 1 });
      });

      /** A stripe of two blocks (0xAA, 0x0F) written at once; a store of 0x00 into block 0 in flight. */
      function stripeScribbled(cfg: [Key, number][]): Core {
        const c = mk(cfg);
        const { pid, tid } = proc(c);
        c.map(pid, VA, 8 * KiB, RW);
        c.store(tid, VA, 4096, 0xaa);
        c.store(tid, VA + 4096, 4096, 0x0f);
        expect(c.submit(tid, Op.WRITE, VA, 8 * KiB, 0, 0)).toBe(1);
        expect(c.store(tid, VA, 1, 0x00)).toBe(0);
        expect(c.complete(1)).toBe(0);
        return c;
      }

      test("parity, direct: a store after submit leaves the stripe's parity wrong", () => {
        const c = stripeScribbled([[Key.DEVICE, Device.PARITY]]);
        expect(c.scrub()).toBe(1);
        // Parity was computed from the snapshots: 0xAA ^ 0x0F; block 0 now starts with 0x00.
        exactly(c, {
          WRITES: 1,
          COMPLETIONS: 1,
          BYTES_WRITTEN: 8 * KiB,
          DIRECT_IOS: 1,
          DMA_MISMATCHES: 1,
          CORRUPTIONS: 1,
          TORN_SECTORS: 1,
          DEMAND_FAULTS: 2,
          PINS: 2,
          UNPINS: 2,
          TLB_HITS: 1,
          TLB_MISSES: 4,
          FRAMES_ALLOCATED: 5,
          FRAMES_FREED: 2,
          STORES: 3,
          BYTES_STORED: 8 * KiB + 1,
        });
        expect(c.parityRead(0)).toEqual(fill(4096, 0xa5));
        balanced(c);
      });

      test("parity, bounce: the same store cannot reach the device", () => {
        const c = stripeScribbled(config(Device.PARITY, Policy.BOUNCE));
        expect(c.scrub()).toBe(0);
        counts(c, { BYTES_BOUNCED: 8 * KiB, DMA_MISMATCHES: 0, TORN_SECTORS: 0, PINS: 0, FRAMES_FREED: 4 });
        balanced(c);
      });

      test("pi: guards per sector at submit and DMA; a promise (level 1) is needed for stability", () => {
        const c = mk(config(Device.PI, Policy.WP_COW));
        const { pid, tid } = proc(c);
        c.map(pid, VA, 4096, RW);
        expect(c.submit(tid, Op.WRITE, VA, 1024, 0, 0)).toBe(1); // level 2: no stable pages on pi
        expect(c.submit(tid, Op.WRITE, VA, 1024, 2, IoFlag.PROMISE)).toBe(2);
        expect(c.submit(tid, Op.READ, VA, 1024, 4, IoFlag.PROMISE)).toBe(3); // reads never
        counts(c, { DIRECT_IOS: 2, PROTECTED_IOS: 1, CSUM_BYTES: 2048 });
        for (const io of [1, 2, 3]) expect(c.complete(io)).toBe(0);
        counts(c, { CSUM_BYTES: 4096, DMA_MISMATCHES: 0 });
        expect(c.diskMeta(1, 0)).toBe(0); // zero data, guard 0
        balanced(c);
      });
    });

    describe("stability levels and modes", () => {
      function modes(policy: number, device: number, stable: number, flags: number, op: number, promise = 0): string {
        const c = mk([
          [Key.POLICY, policy],
          [Key.DEVICE, device],
          [Key.STABLE, stable],
        ]);
        const { pid, tid } = proc(c, flags);
        c.map(pid, VA, 4096, RW);
        expect(c.submit(tid, op, VA, 4096, 0, promise)).toBe(1);
        const names = ["DIRECT_IOS", "BOUNCE_IOS", "PROTECTED_IOS", "VERIFY_IOS"] as const;
        return names.filter((n) => c.counter(Counter[n]) === 1).join();
      }
      const A = Stable.AUTO;
      test.each([
        [Policy.WP_COW, Device.FS_CSUM, A, 0, Op.WRITE, 0, "PROTECTED_IOS"],
        [Policy.WP_COW, Device.FS_CSUM, A, ProcFlag.KERNEL, Op.WRITE, 0, "DIRECT_IOS"], // level 0
        [Policy.WP_COW, Device.NONE, A, 0, Op.WRITE, 1, "DIRECT_IOS"],
        [Policy.WP_COW, Device.NONE, Stable.ALWAYS, ProcFlag.KERNEL, Op.WRITE, 0, "PROTECTED_IOS"],
        [Policy.WP_COW, Device.FS_CSUM, Stable.NEVER, 0, Op.WRITE, 0, "DIRECT_IOS"],
        [Policy.WP_COW, Device.PARITY, A, 0, Op.READ, 0, "DIRECT_IOS"],
        [Policy.WP_WAIT, Device.PARITY, A, 0, Op.WRITE, 0, "PROTECTED_IOS"],
        [Policy.BOUNCE, Device.FS_CSUM, A, 0, Op.READ, 0, "BOUNCE_IOS"],
        [Policy.OPT_OUT, Device.FS_CSUM, A, ProcFlag.UNSAFE, Op.WRITE, 0, "BOUNCE_IOS"],
        [Policy.OPT_OUT, Device.FS_CSUM, A, 0, Op.WRITE, 0, "DIRECT_IOS"],
        [Policy.OPT_OUT_INVERSE, Device.FS_CSUM, A, ProcFlag.TRUSTED, Op.WRITE, 0, "DIRECT_IOS"],
        [Policy.OPT_OUT_INVERSE, Device.FS_CSUM, A, 0, Op.WRITE, 0, "BOUNCE_IOS"],
        [Policy.VERIFY, Device.FS_CSUM, A, 0, Op.WRITE, 0, "VERIFY_IOS"],
        [Policy.VERIFY, Device.FS_CSUM, A, 0, Op.READ, 0, "DIRECT_IOS"],
        [Policy.WP_COW_DEGRADE, Device.PI, A, 0, Op.WRITE, 1, "PROTECTED_IOS"],
      ])("policy %i device %i stable %i flags %i op %i promise %i: %s", (p, d, s, f, op, pr, want) => {
        expect(modes(p, d, s, f, op, pr)).toBe(want);
      });

      test("POLICY changes at once; a fault acts by the policy its protecting I/O was submitted under", () => {
        const { c, tid } = populated(config(Device.FS_CSUM, Policy.WP_COW), 8 * KiB, 1);
        expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(1); // under wp-cow
        expect(c.set(Key.POLICY, Policy.WP_WAIT)).toBe(0);
        expect(c.get(Key.POLICY)).toBe(Policy.WP_WAIT);
        expect(c.store(tid, VA, 1, 2)).toBe(0); // copies (wp-cow), does not wait
        counts(c, { COW_COPIES: 1, STALLS: 0, WARNINGS: 1 });
        expect(c.submit(tid, Op.WRITE, VA + 4096, 4096, 8, 0)).toBe(2); // under wp-wait
        expect(c.store(tid, VA + 4096, 1, 2)).toBe(0);
        counts(c, { COW_COPIES: 1, STALLS: 1, WARNINGS: 1, PROTECTED_IOS: 2 });
        expect(c.ioState(2)).toBe(IoState.COMPLETED);
        expect(c.ioState(1)).toBe(IoState.SUBMITTED);
      });
    });

    describe("TLB shootdowns", () => {
      test("33 pages are invalidated one by one; 34 flush the whole TLB", () => {
        // 41 TLB entries, distinct indices.
        const { c, tid } = populated(config(Device.FS_CSUM, Policy.WP_COW), 41 * 4096, 1);
        const last = VA + 40 * 4096;
        expect(c.submit(tid, Op.WRITE, VA, 33 * 4096, 0, 0)).toBe(1);
        expect(c.store(tid, last, 1, 2)).toBe(0); // its entry survived
        expect(c.complete(1)).toBe(0);
        expect(c.store(tid, last, 1, 3)).toBe(0);
        counts(c, { TLB_HITS: 2, TLB_MISSES: 82 });
        expect(c.submit(tid, Op.WRITE, VA, 34 * 4096, 264, 0)).toBe(2);
        expect(c.store(tid, last, 1, 4)).toBe(0); // flushed: miss, walk, fill
        counts(c, { TLB_HITS: 2, TLB_MISSES: 83, SHOOTDOWNS: 3, TLB_FLUSHES: 3, PTE_FLIPS: 33 + 33 + 34 });
        expect(c.complete(2)).toBe(0);
        balanced(c);
      });

      test("overlapping I/Os: the page is writable again only when the last one completes", () => {
        const { c, tid } = populated(config(Device.FS_CSUM, Policy.WP_COW), 4096, 1);
        expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(1);
        expect(c.submit(tid, Op.WRITE, VA, 4096, 8, 0)).toBe(2); // already read-only: no change
        counts(c, { PTE_FLIPS: 1, SHOOTDOWNS: 1 });
        expect(c.complete(1)).toBe(0);
        counts(c, { PTE_FLIPS: 1, SHOOTDOWNS: 1 });
        expect(c.check()).toBe(0);
        expect(c.complete(2)).toBe(0);
        counts(c, { PTE_FLIPS: 2, SHOOTDOWNS: 2 });
        expect(c.store(tid, VA, 1, 2)).toBe(0);
        counts(c, { FAULTS: 0 });
        balanced(c);
      });
    });

    describe("exit", () => {
      test("pinned frames outlive the process and are freed at completion", () => {
        const { c, pid, tid } = populated([], 8 * KiB, 0x44);
        expect(c.submit(tid, Op.WRITE, VA, 8 * KiB, 0, 0)).toBe(1);
        expect(c.exit(pid)).toBe(0);
        expect(c.procFlags(pid)).toBe(ProcFlag.DEAD);
        expect(c.frameStats(FrameKind.PINNED)).toBe(2);
        expect(c.frameStats(FrameKind.MAPPED)).toBe(0);
        expect(c.frameStats(FrameKind.PGTABLE)).toBe(0);
        expect(c.check()).toBe(0);
        expect(c.complete(1)).toBe(0);
        expect(disk(c, 0, 16)).toEqual(fill(8 * KiB, 0x44));
        expect(c.frameStats(FrameKind.FREE)).toBe(3);
        expect(c.frameStats(FrameKind.USER)).toBe(0);
        counts(c, { EXITS: 1, FRAMES_ALLOCATED: 3, FRAMES_FREED: 3, UNPINS: 2 });
        expect(c.store(tid, VA, 1, 0)).toBe(-Err.DEAD);
        expect(c.threadPid(tid)).toBe(pid);
        balanced(c);
      });

      test("a huge folio goes back to the folio list whole and is reused whole", () => {
        const c = mk([[Key.MAX_FRAMES, 1024]]);
        const { pid, tid } = proc(c);
        c.map(pid, HVA, 2 * MiB, RW | MapFlag.HUGE);
        c.store(tid, HVA, 1, 1);
        expect(c.unmap(tid, HVA, 2 * MiB)).toBe(0);
        counts(c, { FRAMES_ALLOCATED: 512, FRAMES_FREED: 512, SHOOTDOWNS: 1 });
        expect(c.frameStats(FrameKind.FREE)).toBe(512);
        // 1024 frames: top is 512; a second folio from the folio list, not the bump region.
        c.map(pid, HVA, 2 * MiB, RW | MapFlag.HUGE);
        c.map(pid, HVA + 2 * MiB, 2 * MiB, RW | MapFlag.HUGE);
        expect(c.store(tid, HVA, 1, 1)).toBe(0);
        expect(c.store(tid, HVA + 2 * MiB, 1, 1)).toBe(0);
        expect(c.frameStats(FrameKind.TOTAL)).toBe(1024);
        balanced(c);
      });
    });

    describe("NOMEM: a call that would run out of frames changes nothing", () => {
      test("stores allocate page by page; submit, fork and huge faults report the frames they need", () => {
        const c = mk([
          [Key.MAX_FRAMES, 512],
          [Key.DEVICE, Device.FS_CSUM],
          [Key.POLICY, Policy.BOUNCE],
        ]);
        const { pid, tid } = proc(c);
        c.map(pid, VA, 16 * KiB, RW); // table: top 1
        c.store(tid, VA, 16 * KiB, 0xaa); // top 5
        c.map(pid, 2 * MiB, 2 * MiB, RW); // a second PMD's table: top 6
        // 506 frames remain: the store fills 506 pages and fails on the 507th.
        expect(c.store(tid, 2 * MiB, 2 * MiB, 0x01)).toBe(-Err.NOMEM);
        expect(c.errDetail()).toBe(1);
        counts(c, { DEMAND_FAULTS: 4 + 506, STORES: 2, BYTES_STORED: 16 * KiB + 2 * MiB, FRAMES_ALLOCATED: 512 });
        expect(bytes(c, tid, 2 * MiB + 505 * 4096, 4096)).toEqual(fill(4096, 0x01));
        const before = nonzero(c);
        expect(c.submit(tid, Op.WRITE, VA, 16 * KiB, 0, 0)).toBe(-Err.NOMEM); // 4 bounce frames
        expect(c.errDetail()).toBe(4);
        expect(c.ioState(1)).toBe(IoState.UNKNOWN);
        expect(c.fork(tid, 0)).toBe(-Err.NOMEM); // two child PTE tables
        expect(c.errDetail()).toBe(2);
        expect(c.procFlags(2)).toBe(-Err.NO_PROC);
        c.map(pid, HVA, 2 * MiB, RW | MapFlag.HUGE);
        expect(c.store(tid, HVA, 1, 1)).toBe(-Err.NOMEM); // a folio: alignUp(512) + 512 > 512
        expect(c.errDetail()).toBe(512);
        // Only the failed store counted: it started, and its page missed the TLB.
        expect(nonzero(c)).toEqual({
          ...before,
          STORES: 3,
          BYTES_STORED: 16 * KiB + 2 * MiB + 1,
          TLB_MISSES: (before.TLB_MISSES ?? 0) + 1,
        });
        expect(c.check()).toBe(0);
        // Unmapping 4 pages gives 4 frames back; the bounce submit now fits.
        expect(c.unmap(tid, 2 * MiB, 4 * 4096)).toBe(0);
        expect(c.frameStats(FrameKind.FREE)).toBe(4);
        expect(c.submit(tid, Op.WRITE, VA, 16 * KiB, 0, 0)).toBe(1);
        expect(c.frameStats(FrameKind.FREE)).toBe(0);
        expect(c.complete(1)).toBe(0);
        balanced(c);
      });

      test("map needs a PTE table per empty PMD of the range", () => {
        const c = mk([[Key.MAX_FRAMES, 512]]);
        const { pid, tid } = proc(c);
        c.map(pid, 0, 2 * MiB, RW);
        expect(c.store(tid, 0, 511 * 4096, 1)).toBe(0); // 1 table + 511 pages: the pool is full
        expect(c.map(pid, 4 * MiB, 6 * MiB, RW)).toBe(-Err.NOMEM);
        expect(c.errDetail()).toBe(3);
        expect(c.store(tid, 4 * MiB, 1, 1)).toBe(-Err.NOT_MAPPED); // nothing was mapped
      });
    });

    describe("limits", () => {
      test("255 pins of one sector, then BUSY", () => {
        const c = mk();
        const { pid, tid } = proc(c);
        c.map(pid, VA, 4096, RW);
        for (let i = 1; i <= 255; i++) expect(c.submit(tid, Op.WRITE, VA, 512, 0, 0)).toBe(i);
        expect(c.submit(tid, Op.WRITE, VA, 1024, 0, 0)).toBe(-Err.BUSY);
        expect(c.errDetail()).toBe(0);
        expect(c.submit(tid, Op.WRITE, VA + 512, 512, 0, 0)).toBe(256); // another sector
        expect(c.complete(7)).toBe(0);
        expect(c.submit(tid, Op.WRITE, VA, 1024, 0, 0)).toBe(257);
        for (let i = 1; i <= 257; i++) if (i !== 7) expect(c.complete(i)).toBe(0);
        balanced(c);
      });

      test("I/O slots and page records", () => {
        const c = mk([
          [Key.MAX_IOS, 16],
          [Key.IO_PAGES, 20],
        ]);
        const { pid, tid } = proc(c);
        c.map(pid, VA, 32 * 4096, RW);
        for (let i = 1; i <= 16; i++) expect(c.submit(tid, Op.WRITE, VA, 512, 0, 0)).toBe(i);
        expect(c.submit(tid, Op.WRITE, VA, 512, 0, 0)).toBe(-Err.LIMIT); // slot 1 holds I/O 1
        expect(c.errDetail()).toBe(16);
        expect(c.complete(1)).toBe(0);
        expect(c.submit(tid, Op.WRITE, VA, 512, 0, 0)).toBe(17);
        for (let i = 2; i <= 17; i++) expect(c.complete(i)).toBe(0);
        expect(c.submit(tid, Op.WRITE, VA, 21 * 4096, 0, 0)).toBe(-Err.LIMIT);
        expect(c.errDetail()).toBe(20);
        expect(c.submit(tid, Op.WRITE, VA + 512, 20 * 4096, 0, 0)).toBe(-Err.LIMIT); // 21 pages
        expect(c.submit(tid, Op.WRITE, VA, 20 * 4096, 0, 0)).toBe(18);
        expect(c.complete(18)).toBe(0);
        balanced(c);
      });

      test("processes and threads", () => {
        const c = mk([
          [Key.MAX_PROCS, 2],
          [Key.MAX_THREADS, 3],
        ]);
        const { pid, tid } = proc(c);
        expect(c.fork(tid, 1)).toBe(2);
        expect(c.procCreate(0)).toBe(-Err.LIMIT);
        expect(c.errDetail()).toBe(2);
        expect(c.fork(tid, 1)).toBe(-Err.LIMIT);
        expect(c.errDetail()).toBe(2);
        expect(c.threadCreate(pid, 3)).toBe(3);
        expect(c.threadCreate(pid, 3)).toBe(-Err.LIMIT);
        expect(c.errDetail()).toBe(3);
      });
    });

    describe("argument errors, in the documented order", () => {
      test("set and get", () => {
        const c = make();
        expect(c.set(Key.COUNT, 0)).toBe(-Err.INVAL);
        expect(c.errDetail()).toBe(Key.COUNT);
        expect(c.set(Key.MAX_IOS, 100)).toBe(-Err.INVAL); // not a power of two
        expect(c.errDetail()).toBe(Key.MAX_IOS);
        expect(c.set(Key.TLB_ENTRIES, 8192)).toBe(-Err.INVAL);
        expect(c.set(Key.MAX_FRAMES, 511)).toBe(-Err.INVAL);
        expect(c.set(Key.RAID_DISKS, 1)).toBe(-Err.INVAL);
        expect(c.set(Key.POLICY, Policy.COUNT)).toBe(-Err.INVAL);
        expect(c.set(Key.CPUS, -1)).toBe(-Err.INVAL);
        expect(c.get(Key.MAX_IOS)).toBe(4096);
        expect(c.get(-1)).toBe(-Err.INVAL);
        // Other keys wait for the next reset.
        expect(c.set(Key.CPUS, 2)).toBe(0);
        expect(c.get(Key.CPUS)).toBe(2);
        const { pid } = proc(c);
        expect(c.threadCreate(pid, 3)).toBe(2); // still 4 CPUs until the reset
        c.reset();
        expect(c.threadCreate(c.procCreate(0), 3)).toBe(-Err.CPU);
      });

      test("processes and threads", () => {
        const c = mk();
        expect(c.procCreate(8)).toBe(-Err.INVAL);
        expect(c.procCreate(ProcFlag.WARNED)).toBe(-Err.INVAL);
        const { pid, tid } = proc(c);
        expect(c.threadCreate(9, 0)).toBe(-Err.NO_PROC);
        expect(c.threadCreate(pid, 4)).toBe(-Err.CPU);
        expect(c.threadCreate(pid, -1)).toBe(-Err.CPU);
        expect(c.procFlags(0)).toBe(-Err.NO_PROC);
        expect(c.threadPid(0)).toBe(-Err.NO_THREAD);
        expect(c.exit(9)).toBe(-Err.NO_PROC);
        expect(c.exit(pid)).toBe(0);
        expect(c.exit(pid)).toBe(-Err.DEAD);
        expect(c.threadCreate(pid, 9)).toBe(-Err.DEAD); // DEAD before CPU
        expect(c.fork(tid, 9)).toBe(-Err.DEAD);
        expect(c.fork(9, 9)).toBe(-Err.NO_THREAD);
        const p2 = proc(c);
        expect(c.fork(p2.tid, 4)).toBe(-Err.CPU);
      });

      test("map and unmap", () => {
        const c = mk();
        const { pid, tid } = proc(c);
        expect(c.map(9, 1, 0, 99)).toBe(-Err.NO_PROC);
        expect(c.map(pid, 1, 0, 8)).toBe(-Err.INVAL); // INVAL before ALIGN
        expect(c.map(pid, VA, 0, RW)).toBe(-Err.INVAL);
        expect(c.map(pid, 1, 4096, RW)).toBe(-Err.ALIGN);
        expect(c.map(pid, VA, 4096, MapFlag.HUGE)).toBe(-Err.ALIGN);
        expect(c.map(pid, 0xfffff000, 0x2000, RW)).toBe(-Err.RANGE);
        expect(c.map(pid, 0xffe00000, 2 * MiB, RW)).toBe(0); // ends exactly at 4 GiB
        expect(c.map(pid, VA, 8192, RW)).toBe(0);
        expect(c.map(pid, VA + 4096, 8192, RW)).toBe(-Err.MAPPED);
        expect(c.map(pid, 0, 2 * MiB, RW | MapFlag.HUGE)).toBe(-Err.MAPPED); // PMD 0 has a table
        expect(c.unmap(9, VA, 4096)).toBe(-Err.NO_THREAD);
        expect(c.unmap(tid, VA, 0)).toBe(-Err.INVAL);
        expect(c.unmap(tid, VA + 1, 4096)).toBe(-Err.ALIGN);
        expect(c.unmap(tid, 0xfffff000, 0x2000)).toBe(-Err.RANGE);
        expect(c.unmap(tid, 0, 64 * MiB)).toBe(0); // unmapped pages are skipped
        expect(c.map(pid, VA + 4096, 8192, RW)).toBe(0);
        c.exit(pid);
        expect(c.map(pid, 1, 0, 99)).toBe(-Err.DEAD);
        expect(c.unmap(tid, 1, 0)).toBe(-Err.DEAD);
        expect(c.check()).toBe(0);
      });

      test("user access: a store that faults part way keeps the bytes before", () => {
        const c = mk();
        const { pid, tid } = proc(c);
        c.map(pid, VA, 8192, RW);
        c.map(pid, VA + 8192, 4096, 0); // read-only
        expect(c.store(9, VA, 1, 1)).toBe(-Err.NO_THREAD);
        expect(c.store(tid, VA, 0, 1)).toBe(-Err.INVAL);
        expect(c.store(tid, VA, 1, 256)).toBe(-Err.INVAL);
        expect(c.store(tid, 0xffffffff, 2, 1)).toBe(-Err.RANGE);
        expect(c.write(tid, VA, new Uint8Array(0))).toBe(-Err.INVAL);
        expect(c.write(tid, VA, new Uint8Array(4 * MiB + 1))).toBe(-Err.INVAL);
        expect(c.load(tid, VA, 4 * MiB + 1)).toBe(-Err.INVAL);
        counts(c, { STORES: 0 });
        // Two writable pages take the bytes, then the read-only page: demand fault, then RO.
        expect(c.store(tid, VA, 12 * KiB, 7)).toBe(-Err.RO);
        counts(c, { STORES: 1, BYTES_STORED: 12 * KiB, DEMAND_FAULTS: 3, FAULTS: 0 });
        expect(bytes(c, tid, VA + 4096, 4096)).toEqual(fill(4096, 7));
        expect(bytes(c, tid, VA + 8192, 4096)).toEqual(new Uint8Array(4096)); // a load needs no W
        expect(c.store(tid, VA + 12 * KiB, 1, 1)).toBe(-Err.NOT_MAPPED);
        const src = new Uint8Array(6000).map((_, i) => i & 255);
        expect(c.write(tid, VA + 100, src)).toBe(0);
        expect(bytes(c, tid, VA + 100, 6000)).toEqual(src);
        expect(c.check()).toBe(0);
      });

      test("submit", () => {
        const c = mk([[Key.DEVICE, Device.FS_CSUM]]);
        const { pid, tid } = proc(c);
        c.map(pid, VA, 8192, 0); // read-only
        c.map(pid, VA + 8192, 8192, RW);
        expect(c.submit(9, 5, 1, 0, 0, 9)).toBe(-Err.NO_THREAD);
        expect(c.submit(tid, 2, 1, 1, 0, 0)).toBe(-Err.INVAL); // op before ALIGN
        expect(c.submit(tid, Op.WRITE, 1, 1, 0, IoFlag.ALL + 1)).toBe(-Err.INVAL); // flags
        expect(c.submit(tid, Op.WRITE, 1, 0, 0, 0)).toBe(-Err.INVAL); // len 0
        expect(c.submit(tid, Op.WRITE, VA, 4 * MiB + 4096, 0, 0)).toBe(-Err.INVAL);
        expect(c.submit(tid, Op.WRITE, VA + 1, 4096, 0, 0)).toBe(-Err.ALIGN);
        expect(c.submit(tid, Op.WRITE, VA + 512, 4096, 0, 0)).toBe(-Err.ALIGN); // fs-csum: 4096
        expect(c.submit(tid, Op.WRITE, VA, 4096, 1, 0)).toBe(-Err.ALIGN); // fs-csum: sector
        expect(c.submit(tid, Op.WRITE, 0xfffff000, 8192, 0, 0)).toBe(-Err.RANGE);
        expect(c.submit(tid, Op.WRITE, VA, 8192, 16384 * 8 - 8, 0)).toBe(-Err.DISK_RANGE);
        expect(c.submit(tid, Op.WRITE, VA + 8192, 16 * KiB, 0, 0)).toBe(-Err.NOT_MAPPED);
        // A read into read-only pages; the unmapped page comes later but NOT_MAPPED goes first.
        expect(c.submit(tid, Op.READ, VA, 5 * 4096, 0, 0)).toBe(-Err.NOT_MAPPED);
        expect(c.submit(tid, Op.READ, VA, 4096, 0, 0)).toBe(-Err.RO);
        expect(c.submit(tid, Op.WRITE, VA, 4096, 0, 0)).toBe(1); // writing from read-only memory is fine
        expect(c.dma(0)).toBe(-Err.NO_IO);
        expect(c.dma(2)).toBe(-Err.NO_IO);
        expect(c.ioState(2)).toBe(IoState.UNKNOWN);
        expect(c.ioState(1)).toBe(IoState.SUBMITTED);
        expect(c.dma(1)).toBe(0);
        expect(c.ioState(1)).toBe(IoState.DMA_DONE);
        expect(c.dma(1)).toBe(-Err.IO_STATE);
        expect(c.complete(1)).toBe(0);
        expect(c.dma(1)).toBe(-Err.IO_DONE);
        expect(c.complete(1)).toBe(-Err.IO_DONE);
        expect(c.complete(-1)).toBe(-Err.NO_IO);
        c.exit(pid);
        expect(c.submit(tid, 7, 0, 0, 0, 0)).toBe(-Err.DEAD);
      });

      test("disk reads and metadata", () => {
        const c = mk([
          [Key.DISK_BLOCKS, 10],
          [Key.DEVICE, Device.PARITY],
          [Key.RAID_DISKS, 4],
        ]);
        expect(c.diskRead(0, 0)).toBe(-Err.INVAL);
        expect(c.diskRead(0, 8193)).toBe(-Err.INVAL); // beyond the 4 MiB staging area
        expect(c.diskRead(79, 2)).toBe(-Err.DISK_RANGE);
        expect(c.diskRead(79, 1)).toEqual(new Uint8Array(512));
        expect(c.parityRead(2)).toEqual(new Uint8Array(4096)); // 10 blocks: 3 stripes, the last short
        expect(c.parityRead(3)).toBe(-Err.DISK_RANGE);
        expect(c.diskMeta(1, 0)).toBe(-Err.INVAL); // not pi
        expect(c.diskMeta(2, 0)).toBe(-Err.INVAL); // not fs-csum
        expect(c.diskMeta(3, 0)).toBe(-Err.INVAL);
        expect(c.diskMeta(0, 79)).toBe(0x5a7fff5a); // the oracle hash of a zero sector
        expect(c.diskMeta(0, 80)).toBe(-Err.DISK_RANGE);
        const f = mk([
          [Key.DEVICE, Device.FS_CSUM],
          [Key.ORACLE, 0],
        ]);
        expect(f.parityRead(0)).toBe(-Err.INVAL);
        expect(f.diskMeta(0, 0)).toBe(-Err.INVAL);
        expect(f.diskMeta(2, 16383)).toBe(0x98f94189); // crc32c of a zero block
        expect(f.diskMeta(2, 16384)).toBe(-Err.DISK_RANGE);
        expect(f.counter(Counter.COUNT)).toBe(-Err.INVAL);
        expect(f.frameStats(FrameKind.COUNT)).toBe(-Err.INVAL);
        expect(f.warnField(0, 0)).toBe(-Err.INVAL);
      });
    });
  });
}
