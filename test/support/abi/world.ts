// The state the ABI fuzzer starts from, built through the Core interface on
// the Wasm core and the reference model alike: two live processes (one a
// fork) and a dead one, mappings of every kind (private, shared, read-only,
// huge), touched pages, and I/Os in every state (submitted, DMA done,
// completed), so that random ids and addresses land on something real.
import fc from "fast-check";
import { Device, IoFlag, Key, KeyDefault, MapFlag, Op, Policy, ProcFlag, Stable } from "../../../assembly/abi.js";
import type { Core } from "../../../src/core/core.js";

export interface FuzzConfig {
  policy: number;
  device: number;
  stable: number;
  cpus: number;
  maxFrames: number;
  ioPages: number;
  maxProcs: number;
  maxThreads: number;
  diskBlocks: number;
}

export const fuzzConfigArb: fc.Arbitrary<FuzzConfig> = fc.record({
  policy: fc.integer({ min: 0, max: Policy.COUNT - 1 }),
  device: fc.integer({ min: 0, max: Device.COUNT - 1 }),
  stable: fc.constantFrom(Stable.ALWAYS, Stable.AUTO, Stable.NEVER),
  cpus: fc.integer({ min: 1, max: 4 }),
  maxFrames: fc.constantFrom(4096, 1024, 512),
  ioPages: fc.constantFrom(64, 16),
  maxProcs: fc.integer({ min: 3, max: 6 }),
  maxThreads: fc.integer({ min: 4, max: 8 }),
  diskBlocks: fc.constantFrom(64, 512),
});

/** Runs `f` on every core and insists they agree; returns the common result. */
function all(cores: readonly Core[], what: string, f: (c: Core) => number): number {
  const rs = cores.map(f);
  if (rs.some((r) => r !== rs[0])) throw new Error(`building the fuzz world: ${what} returned ${rs.join(" vs ")}`);
  return rs[0];
}

export function buildWorld(cores: readonly Core[], cfg: FuzzConfig): void {
  const keys: Array<[Key, number]> = [
    [Key.POLICY, cfg.policy], [Key.DEVICE, cfg.device], [Key.RAID_DISKS, 3], [Key.DISK_BLOCKS, cfg.diskBlocks],
    [Key.MAX_FRAMES, cfg.maxFrames], [Key.CPUS, cfg.cpus], [Key.STABLE, cfg.stable], [Key.ORACLE, 1], [Key.MAX_IOS, 16],
    [Key.MAX_PROCS, cfg.maxProcs], [Key.IO_PAGES, cfg.ioPages], [Key.TLB_ENTRIES, 16], [Key.DMA_CHECK, 1], [Key.MAX_THREADS, cfg.maxThreads],
    // Every key, so that what an earlier case's sd_set left pending in the reused instance does not apply.
    [Key.WP_RESTORE, KeyDefault.WP_RESTORE], [Key.WP_BATCH, KeyDefault.WP_BATCH], [Key.WP_WALK, KeyDefault.WP_WALK],
  ];
  for (const [k, v] of keys) all(cores, `set(${k}, ${v})`, (c) => c.set(k, v));
  all(cores, "reset", (c) => c.reset());
  const pid = all(cores, "proc", (c) => c.procCreate(0));
  const t1 = all(cores, "thread", (c) => c.threadCreate(pid, 0));
  const t2 = all(cores, "thread", (c) => c.threadCreate(pid, cfg.cpus - 1));
  all(cores, "map", (c) => c.map(pid, 0x10_0000, 0x1_0000, MapFlag.WRITE));
  all(cores, "map", (c) => c.map(pid, 0x20_0000, 0x4000, MapFlag.WRITE | MapFlag.SHARED));
  all(cores, "map", (c) => c.map(pid, 0x30_0000, 0x4000, 0));
  all(cores, "map", (c) => c.map(pid, 0x4000_0000, 2 << 20, MapFlag.WRITE | MapFlag.HUGE));
  all(cores, "store", (c) => c.store(t1, 0x10_0000, 20000, 7));
  all(cores, "store", (c) => c.store(t2, 0x20_0000, 100, 1));
  const w = all(cores, "submit", (c) => c.submit(t1, Op.WRITE, 0x10_0000, 8192, 0, IoFlag.PROMISE));
  const r = all(cores, "submit", (c) => c.submit(t1, Op.READ, 0x10_2000, 4096, 64, 0));
  const s = all(cores, "submit", (c) => c.submit(t2, Op.WRITE, 0x20_0000, 4096, 128, IoFlag.PROMISE));
  all(cores, "dma", (c) => c.dma(r));
  all(cores, "complete", (c) => c.complete(s));
  all(cores, "fork", (c) => c.fork(t1, 0));
  const dead = all(cores, "proc", (c) => c.procCreate(ProcFlag.KERNEL));
  all(cores, "exit", (c) => c.exit(dead));
  if (w <= 0) throw new Error("the fuzz world has no write in flight");
}
