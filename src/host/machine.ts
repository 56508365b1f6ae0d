// Sizing the core for a workload: the sd_set keys of one run. Every key is
// set explicitly, so a run does not depend on the core's defaults.
import { Key, Stable } from "../../assembly/abi.js";
import { MAX_FRAMES } from "../workloads/params.js";
import type { Machine, Params } from "../workloads/types.js";
import { wpKeys, type WpChoices } from "../shared/wp.js";

export const RAID_DISKS = 4;
export const TLB_ENTRIES = 64;

export interface RunConfig {
  readonly policy: number;
  readonly device: number;
  readonly stable: Stable;
  /** The write-protect's implementation choices (docs/model.md section 12). */
  readonly wp: WpChoices;
}

/** [key, value] pairs in Key order. */
export function coreKeys(m: Machine, p: Params, run: RunConfig): [Key, number][] {
  // Live frames: the mapped pages, a copy of each (COW), and per in-flight
  // page an orphaned original, a bounce frame and a scratch frame; what
  // forked children copy; plus PTE tables, and slack for folio alignment.
  // The pool is a limit, not an allocation (frames grow as they are used;
  // each costs FRAME_META_BYTES of metadata up front), so it errs high.
  const frames = m.userPages * 3 + m.inflightPages * 3 + (m.forkPages ?? 0) + m.procs * 16 + 1536;
  // An I/O lives at most min_latency + 3*latency steps and at most one I/O is
  // submitted per step, so ids more than that apart never share a slot.
  const ios = nextPow2(Math.max(1024, 4 * p.latency + (p.min_latency ?? 0) + 64));
  return [
    [Key.POLICY, run.policy],
    [Key.DEVICE, run.device],
    [Key.RAID_DISKS, RAID_DISKS],
    [Key.DISK_BLOCKS, m.diskBlocks],
    [Key.MAX_FRAMES, Math.min(MAX_FRAMES, Math.ceil(frames / 512) * 512)],
    [Key.CPUS, m.cpus],
    [Key.STABLE, run.stable],
    [Key.ORACLE, 1],
    [Key.MAX_IOS, ios],
    [Key.MAX_PROCS, m.procs],
    [Key.IO_PAGES, Math.max(16, m.inflightPages + 16)],
    [Key.TLB_ENTRIES, TLB_ENTRIES],
    [Key.DMA_CHECK, 1],
    [Key.MAX_THREADS, m.threads],
    ...wpKeys(run.wp),
  ];
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
