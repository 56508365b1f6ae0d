// The workload file format (docs/workloads.md), as TypeScript sees it after
// schema/workload.schema.json accepted the JSON. Numbers may be written as
// numbers, as byte counts users type ("64k", "4M"), or as "$name", a
// reference to one of the workload's parameters (--param name=value).

/** A number, a byte count string, or "$param". */
export type Value = number | string;
/** true/false, 0/1, or "$param". */
export type FlagValue = boolean | number | string;

export interface WorkloadSpec {
  readonly $schema?: string;
  readonly format: 1;
  readonly id: string;
  readonly summary: string;
  readonly note?: string | readonly string[];
  /** Default device: none, pi, parity, fs-csum. */
  readonly device: string;
  /** CPUs of the machine; default: the highest CPU a thread or fork uses, plus one. */
  readonly cpus?: Value;
  readonly params?: Readonly<Record<string, Value | ParamDecl>>;
  /** The write-protect's implementation choices for wp-cow, wp-cow-degrade and wp-wait (--wp overrides them). */
  readonly wp?: WpSpec;
  readonly processes: readonly ProcessSpec[];
}

export interface WpSpec {
  readonly restore?: "eager" | "lazy";
  readonly batch?: Value;
  readonly walk?: "separate" | "fused";
}

export interface ParamDecl {
  readonly default: Value;
  readonly help?: string;
  /** Only for names stable-dio does not know (src/workloads/params.ts KNOWN). */
  readonly kind?: "count" | "bytes" | "fraction" | "flag";
  readonly min?: number;
  readonly max?: number;
}

export interface ProcessSpec {
  readonly name: string;
  readonly note?: string | readonly string[];
  readonly flags?: { readonly unsafe?: FlagValue; readonly trusted?: FlagValue; readonly kernel?: FlagValue };
  /** Created by fork() of this thread at setup: inherits flags and memory; its first thread is the fork's. */
  readonly fork?: string;
  readonly mappings?: readonly MappingSpec[];
  readonly threads: readonly ThreadSpec[];
}

export interface MappingSpec {
  readonly name: string;
  readonly note?: string | readonly string[];
  readonly size: Value;
  readonly shared?: boolean;
  readonly huge?: boolean;
  readonly readonly?: boolean;
  readonly prefault?: boolean;
  /**
   * The frames of another MAP_SHARED mapping (of this process, above, or of an earlier one): one segment
   * mapped twice (a memfd, System V shm, by a process not related by fork). Its size, at most the other's.
   */
  readonly alias?: { readonly process: string; readonly mapping: string };
  /** The process's completion ring lives at the start of this MAP_SHARED mapping: the kernel writes its events there. */
  readonly ring?: "aio" | "io_uring";
}

export interface ThreadSpec {
  readonly name: string;
  readonly note?: string | readonly string[];
  readonly cpu: Value;
  /** Clones of this thread (each its own buffers and share of the I/Os). */
  readonly count?: Value;
  /** The clones run round-robin on this many CPUs from `cpu` (default: count). */
  readonly spread?: Value;
  /** Threads (of any process) that must have ended before this one starts (fio's stonewall, wait_for). */
  readonly after?: readonly string[];
  /** "running" (default) or "idle": asleep in the kernel most of the time, so its CPU gets no IPIs; or "$param" (1: idle). */
  readonly state?: string;
  readonly io?: IoSpec;
}

/** One size, a range (each I/O a multiple of min up to max), or weighted sizes (fio's bssplit). */
export type SizeSpec =
  | Value
  | { readonly min: Value; readonly max: Value }
  | { readonly split: readonly SplitSpec[] };

export interface SplitSpec {
  readonly size: Value;
  /** Relative share of the I/Os that have this size. */
  readonly weight: Value;
}

export type Direction = "write" | "read" | "mixed";
export type Pattern = "random" | "sequential";

export interface IoSpec {
  readonly note?: string | readonly string[];
  readonly direction?: Direction;
  /** mixed: the fraction of I/Os that are reads. */
  readonly reads?: Value;
  readonly pattern?: Pattern;
  readonly size: SizeSpec;
  /** Reads use this size instead of `size`. */
  readonly readSize?: SizeSpec;
  readonly qd?: Value;
  /** I/Os of the thread, split evenly over its clones; with `bytes`, the most it does. */
  readonly ios: Value;
  /** Bytes of I/O of the thread, split evenly over its clones: it stops there, the last I/O cut to what is left. */
  readonly bytes?: Value;
  /** Disk bytes the I/Os go to (default: ios x the largest size). */
  readonly region?: Value;
  /** Disk byte offset of the region. */
  readonly offset?: Value;
  /** The region is split into this many files; I/Os go round-robin over them. */
  readonly files?: Value;
  readonly promise?: FlagValue;
  /**
   * The job's file (its region) was written before the run (default): a read finds data with its checksums.
   * false: never written, a hole or a preallocated extent: btrfs (fs-csum) has no checksum and verifies nothing.
   */
  readonly written?: FlagValue;
  /** The byte a write's buffer is filled with (default: a random one per I/O). */
  readonly fill?: Value;
  readonly buffers?: BufferSpec;
  readonly touch?: TouchSpec;
  readonly forks?: ForkSpec;
  readonly modify?: ModifySpec;
}

export interface BufferSpec {
  /** A mapping of the process; default: one of the thread's own. */
  readonly mapping?: string;
  /**
   * Another job's buffers: this job's slot k is that thread's slot k mod its qd (an earlier thread of the same
   * process), so one job's I/O can be in flight on a buffer while the other's is (a shared buffer pool).
   */
  readonly of?: string;
  /** Buffer alignment: 512, 1024, 2048 or 4096 (default 4096: each buffer starts a page). */
  readonly align?: number;
  /** Where the first buffer starts in its mapping (multiple of 512). */
  readonly offset?: Value;
  readonly shared?: boolean;
  readonly huge?: boolean;
  readonly readonly?: boolean;
  readonly prefault?: boolean;
}

/** Before each I/O, the thread stores `bytes` at a random place of a mapping (legitimate hot data). */
export interface TouchSpec {
  readonly mapping: string;
  readonly bytes?: Value;
}

export interface ForkSpec {
  readonly count: Value;
  readonly cpu: Value;
  readonly child?: { readonly writeBuffers?: boolean; readonly touch?: boolean; readonly exit?: boolean };
}

export type When = "in-flight" | "before-dma" | "after-dma" | "continuous";
export type ModifyBytes = "buffer" | "range" | "neighbour";

export interface ModifySpec {
  /** The thread that modifies (of any process; not the submitting thread). */
  readonly by: string;
  readonly when?: When;
  /** Per I/O; not with `continuous`. */
  readonly probability?: Value;
  readonly bytes?: ModifyBytes;
  /** range: the most bytes per modification (whole sectors). */
  readonly max?: Value;
  /** neighbour: bytes per store. */
  readonly line?: Value;
  readonly byte?: Value;
  /** A mapping of the modifier's process that aliases the buffers' mapping: it stores there, at the same offset. */
  readonly via?: string;
}
