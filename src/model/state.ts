// The whole state of the reference model (docs/model.md section 2), in plain
// objects. Each concept's file works on this one object.
import { Counter, Key } from "../../assembly/abi.js";
import type { Io } from "./io.js";
import type { Alias } from "./rmap.js";
import type { CompletionRing } from "./ring.js";
import type { Change } from "./mprotect.js";
import { FramePool } from "./alloc.js";
import { Tlbs } from "./tlb.js";
import { Disk } from "./disk.js";

export const SPACE = 2 ** 32; // a process owns [0, 2^32)
export const PMDS = 2048;

export interface Proc {
  pid: number;
  flags: number; // ProcFlag bits
  pmd: Uint32Array; // 2048 PMD entries
  cpus: Set<number>; // the cpumask: CPUs of live threads
  running: Set<number>; // the runmask: CPUs of its RUNNING threads (a shootdown interrupts them)
  stale: Set<number>; // lazy CPUs a shootdown skipped: they flush when a thread of it next runs there
  held?: { change: Change; cpu: number }; // a shootdown a submission call or reap holds back (batch.ts)
  ring?: CompletionRing; // sd_ring (ring.ts); a fork's child has none
}

export interface Thread {
  tid: number;
  pid: number;
  cpu: number;
  state: number; // ThreadState
}

export interface Warn {
  pid: number;
  va: number;
  io: number;
  kind: number;
}

export class State {
  readonly c = new Float64Array(Counter.COUNT);
  readonly pool: FramePool;
  readonly procs: Proc[] = []; // pid - 1
  readonly threads: Thread[] = []; // tid - 1
  readonly ios = new Map<number, Io>(); // in flight (not completed)
  readonly slots = new Map<number, number>(); // slot -> in-flight id
  lastIo = 0;
  ioPagesUsed = 0;
  readonly tlb: Tlbs;
  readonly disk: Disk;
  readonly warns: Warn[] = [];
  /** sd_map_alias's records, in order (rmap.ts). */
  readonly aliases: Alias[] = [];
  detail = 0;
  /** The open submission call or reap (batch.ts): its kind, thread and I/Os so far. */
  batch: { kind: number; owner: number; ios: number } | null = null;

  constructor(readonly cfg: number[]) {
    this.pool = new FramePool(cfg[Key.MAX_FRAMES], this.c);
    this.tlb = new Tlbs(cfg[Key.CPUS], cfg[Key.TLB_ENTRIES]);
    this.disk = new Disk(cfg[Key.DEVICE], cfg[Key.RAID_DISKS], cfg[Key.DISK_BLOCKS], cfg[Key.ORACLE] === 1);
  }

  /** Returns -e and records the detail of this failure. */
  fail(e: number, detail = 0): number {
    this.detail = detail;
    return -e;
  }

  proc(pid: number): Proc | undefined {
    return pid >= 1 && pid <= this.procs.length ? this.procs[pid - 1] : undefined;
  }

  thread(tid: number): Thread | undefined {
    return tid >= 1 && tid <= this.threads.length ? this.threads[tid - 1] : undefined;
  }

}
