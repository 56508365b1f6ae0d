// What the Wasm and the model side of a benchmark share: the configuration,
// where buffers go, the bytes the checksums run over, and the runner shape.
import { Device, Key, Policy, Stable } from "../../assembly/abi.js";
import { Rng } from "../workloads/rng.js";

/** sd_set keys, applied in order before the reset. */
export type BenchConfig = ReadonlyArray<readonly [Key, number]>;

/** One CPU (a shootdown is a local flush), small tables, a 4 MiB disk. */
export const BASE_CONFIG: BenchConfig = [
  [Key.POLICY, Policy.DIRECT], [Key.DEVICE, Device.NONE], [Key.RAID_DISKS, 4], [Key.DISK_BLOCKS, 1024],
  [Key.MAX_FRAMES, 8192], [Key.CPUS, 1], [Key.STABLE, Stable.AUTO], [Key.ORACLE, 0], [Key.MAX_IOS, 1024],
  [Key.MAX_PROCS, 4], [Key.IO_PAGES, 4096], [Key.TLB_ENTRIES, 64], [Key.DMA_CHECK, 1], [Key.MAX_THREADS, 4],
];

/** Adds or replaces keys. */
export function withKeys(base: BenchConfig, more: BenchConfig): BenchConfig {
  const m = new Map<Key, number>(base.map(([k, v]) => [k, v]));
  for (const [k, v] of more) m.set(k, v);
  return [...m.entries()];
}

export const BUF_VA = 0x1000_0000;
export const HUGE_VA = 0x4000_0000;

export interface Runner {
  /** Does k operations; returns an accumulator (throws on a core error). */
  run(k: number): number;
  /** Runs untimed before every timed call. */
  prepare?(): void;
  /** Undoes the setup (completes an I/O left in flight). */
  finish?(): void;
}

/** Seeded pseudo-random bytes: what the checksums and copies run over. */
export function fillerBytes(n: number): Uint8Array {
  const rng = new Rng(42);
  const out = new Uint8Array(n);
  const words = new Uint32Array(out.buffer, 0, n >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = rng.u32();
  return out;
}
