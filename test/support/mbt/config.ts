// The configuration of one model-based run: small enough that every limit
// (frames, I/O slots, page records, processes, threads) is hit now and then.
import fc from "fast-check";
import { Device, Key, Policy, Restore, Stable, Walk } from "../../../assembly/abi.js";

export interface RunConfig {
  policy: number;
  device: number;
  stable: number;
  cpus: number;
  tlbEntries: number;
  diskBlocks: number;
  maxFrames: number;
  ioPages: number;
  maxProcs: number;
  maxThreads: number;
  raidDisks: number;
  oracle: number;
  dmaCheck: number;
  /** The write-protect's implementation choices (docs/model.md section 12). */
  restore: number;
  batch: number;
  walk: number;
}

/** Sixteen I/O slots: ids 16 apart share a slot, so LIMIT comes up. */
export const MAX_IOS = 16;

/** Configurations whose start-up policy is one of `policies` (shrinks toward the first). */
export function configArb(policies: readonly Policy[]): fc.Arbitrary<RunConfig> {
  return fc.record({
    policy: fc.constantFrom(...policies),
    device: fc.constantFrom(Device.PARITY, Device.PI, Device.FS_CSUM, Device.NONE),
    stable: fc.constantFrom(Stable.ALWAYS, Stable.AUTO, Stable.NEVER),
    cpus: fc.integer({ min: 1, max: 4 }),
    tlbEntries: fc.constantFrom(16, 1, 4, 64),
    diskBlocks: fc.constantFrom(64, 128, 512),
    maxFrames: fc.constantFrom(4096, 2048, 1024, 512),
    ioPages: fc.constantFrom(256, 64, 16),
    maxProcs: fc.integer({ min: 2, max: 8 }),
    maxThreads: fc.integer({ min: 3, max: 16 }),
    raidDisks: fc.integer({ min: 2, max: 5 }),
    oracle: fc.constantFrom(1, 0),
    dmaCheck: fc.constantFrom(1, 0),
    restore: fc.constantFrom(Restore.EAGER, Restore.LAZY),
    batch: fc.constantFrom(1, 4, 2),
    walk: fc.constantFrom(Walk.SEPARATE, Walk.FUSED),
  });
}

/** The sd_set calls for a configuration, in key order. */
export function configKeys(c: RunConfig): Array<[Key, number]> {
  return [
    [Key.POLICY, c.policy],
    [Key.DEVICE, c.device],
    [Key.RAID_DISKS, c.raidDisks],
    [Key.DISK_BLOCKS, c.diskBlocks],
    [Key.MAX_FRAMES, c.maxFrames],
    [Key.CPUS, c.cpus],
    [Key.STABLE, c.stable],
    [Key.ORACLE, c.oracle],
    [Key.MAX_IOS, MAX_IOS],
    [Key.MAX_PROCS, c.maxProcs],
    [Key.IO_PAGES, c.ioPages],
    [Key.TLB_ENTRIES, c.tlbEntries],
    [Key.DMA_CHECK, c.dmaCheck],
    [Key.MAX_THREADS, c.maxThreads],
    [Key.WP_RESTORE, c.restore],
    [Key.WP_BATCH, c.batch],
    [Key.WP_WALK, c.walk],
  ];
}
