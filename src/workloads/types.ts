// What a workload is: a name, a one-line summary, a default device, its
// parameters, the machine it needs, and a build step that creates processes,
// threads and mappings and hands the driver one task per simulated thread.
import type { Device } from "../../assembly/abi.js";
import type { Task } from "./actions.js";
import type { Rng } from "./rng.js";

export type ParamKind = "count" | "bytes" | "fraction" | "flag";

export interface ParamSpec {
  readonly name: string;
  readonly kind: ParamKind;
  readonly help: string;
  /** A number, or one that depends on the device the run uses. */
  readonly default: number | ((device: Device) => number);
  readonly min: number;
  readonly max: number;
  /** bytes: the value must be a multiple of this. */
  readonly multiple?: number;
}

/** Resolved parameter values, every spec present. */
export type Params = Readonly<Record<string, number>>;

/** What the core must be sized for (the driver turns it into sd_set keys). */
export interface Machine {
  readonly diskBlocks: number;
  readonly cpus: number;
  /** User pages the workload maps (4 KiB pages; a huge mapping counts 512). */
  readonly userPages: number;
  /** Most pages all in-flight I/Os can cover at once. */
  readonly inflightPages: number;
  /**
   * Most pages forked children can copy (the pinned pages fork copies, the
   * buffers and hot data they write), all children counted as alive at once.
   */
  readonly forkPages?: number;
  /** Of those, the pages children that never exit are sure to keep: a lower bound the run cannot do without. */
  readonly keptPages?: number;
  readonly procs: number;
  readonly threads: number;
}

/** The driver's side of a build: calls run at once, in order, and are recorded. */
export interface Setup {
  /** The workload's stream; give each task its own with rng.fork(). */
  readonly rng: Rng;
  readonly params: Params;
  readonly device: Device;
  proc(flags: number): number;
  thread(pid: number, cpu: number): number;
  /** ThreadState: an IDLE thread sleeps in the kernel most of the time (its CPU is lazy: no IPIs). */
  threadState(tid: number, state: number): void;
  /** The most I/Os a job submits in one call (and reaps together): the run's --wp batch. */
  readonly batch: number;
  map(pid: number, va: number, len: number, flags: number): void;
  /** sd_map_alias: [va, va+len) of pid maps the frames [srcVa, ...) of srcPid maps. */
  alias(pid: number, va: number, len: number, srcPid: number, srcVa: number): void;
  /** sd_ring: the process's completion ring (a Ring kind) at [va, va+len). */
  ring(pid: number, va: number, len: number, kind: number): void;
  store(tid: number, va: number, len: number, byte: number): void;
  fork(tid: number, cpu: number): number;
  /** Disk blocks [block, block+count) were never written (fs-csum only: no checksum for them). */
  unwritten(block: number, count: number): void;
  /** Adds a simulated thread. qd bounds its in-flight I/O (its submits wait). */
  spawn(name: string, task: Task, qd?: number): void;
  /** Read-only questions a thread may ask about the world: an I/O's IoState. */
  ioState(io: number): number;
  pidOf(tid: number): number;
}

export interface Workload {
  readonly id: string;
  /** The workload file it was made from, as the engine read it (sweep workers rebuild the workload from it). */
  readonly spec?: import("./spec.js").WorkloadSpec;
  readonly summary: string;
  readonly device: Device;
  readonly params: readonly ParamSpec[];
  machine(p: Params, device: Device): Machine;
  /** Why this workload cannot run with these params on this device, if so. */
  incompatible?(p: Params, device: Device): string | undefined;
  build(s: Setup): void;
  /** The write-protect's implementation choices the workload asks for (its file's "wp"); --wp overrides them key by key. */
  wp?(p: Params, device: Device): Partial<import("../shared/wp.js").WpChoices>;
  /** The resolved plan (processes, threads, jobs) for these params: what `stable-dio native` runs on the real kernel. */
  plan?(p: Params, device: Device): import("./plan.js").Plan;
}
