// The numbers that cross the Wasm boundary: configuration keys, policy and
// device ids, error codes, counter indices, flags. This one file is compiled
// by both AssemblyScript (the core) and TypeScript (the host, the reference
// model, embedders), so the two sides cannot drift. Plain enums only: no
// AssemblyScript-only types, no strings. docs/abi.md explains every value.

/** ABI version: bump when a function, key, code or counter changes meaning. */
export const ABI_VERSION = 1;

/** Configuration keys for sd_set / sd_get, applied by sd_reset. Values: KeyMin..KeyMax below. */
export enum Key {
  POLICY = 0,       // Policy id
  DEVICE = 1,       // Device id
  RAID_DISKS = 2,   // data disks of the parity device
  DISK_BLOCKS = 3,  // disk size in 4 KiB blocks
  MAX_FRAMES = 4,   // frame pool limit in 4 KiB frames
  CPUS = 5,         // CPUs
  STABLE = 6,       // Stable: when stability is enforced
  ORACLE = 7,       // 1: record a hash of each written sector at submit, for the scrub
  MAX_IOS = 8,      // I/O slots (a power of two)
  MAX_PROCS = 9,    // process slots
  IO_PAGES = 10,    // per-page I/O records shared by all in-flight I/Os
  TLB_ENTRIES = 11, // software TLB entries per CPU (a power of two)
  DMA_CHECK = 12,   // 1: the device re-checks the bytes at the DMA point
  MAX_THREADS = 13, // thread slots
  // The implementation choices of the write-protect policies (docs/model.md section 12):
  WP_RESTORE = 14,  // Restore: what completion does to the pages it protected
  WP_BATCH = 15,    // the most I/Os of one submission call or reap under one shootdown (1: each its own)
  WP_WALK = 16,     // Walk: the write-protect's page-table walk
  COUNT = 17,
}

export enum Policy {
  DIRECT = 0,
  BOUNCE = 1,
  WP_COW = 2,
  WP_COW_DEGRADE = 3,
  WP_WAIT = 4,
  OPT_OUT = 5,         // Chinner: processes flagged UNSAFE bounce, the rest go direct
  OPT_OUT_INVERSE = 6, // Hellwig's opt-outs: processes flagged TRUSTED go direct, the rest bounce
  VERIFY = 7,
  COUNT = 8,
}

export enum Device {
  NONE = 0,
  PI = 1,      // T10-DIF CRC16 guard per 512 B sector
  PARITY = 2,  // RAID5: N data disks + parity, 4 KiB chunks
  FS_CSUM = 3, // crc32c per 4 KiB block (btrfs-like)
  COUNT = 4,
}

/** Key.WP_RESTORE: what completion does to the PTEs its I/O write-protected. */
export enum Restore {
  EAGER = 0, // make them writable again, one shootdown (today's wp-*)
  LAZY = 1,  // leave them read-only: the next store takes a write fault that reuses the page (wp_page_reuse)
}

/** Key.WP_WALK: where the write-protect at submit walks the page table. */
export enum Walk {
  SEPARATE = 0, // a walk of its own after GUP pinned the pages (change_protection over the buffer)
  FUSED = 1,    // in GUP's walk, as it pins each page
}

/** sd_thread_state: whether a thread's CPU runs its process's mm (x86's should_flush_tlb asks). */
export enum ThreadState {
  RUNNING = 0, // on its CPU: a shootdown of its process interrupts it (an IPI)
  IDLE = 1,    // asleep in the kernel (lazy TLB): no IPI; its CPU flushes when the thread next runs
}

/** When a policy's mechanism is applied. */
export enum Stable {
  AUTO = 0,   // Hellwig's levels decide per device and I/O (docs/model.md section 5)
  ALWAYS = 1, // every I/O needs stability (isolates a policy's mechanism from the device)
  NEVER = 2,  // no I/O needs stability (every policy behaves as direct)
}

// Each key's smallest, largest and default value, member for member with Key.
// Both cores' sd_set checks them, the host's workload limits and docs/abi.md's
// key table come from them (test/abi-docs.test.ts holds the table to them).
// MAX_IOS and TLB_ENTRIES must also be powers of two (POW2_KEYS).

export enum KeyMin {
  POLICY = 0,
  DEVICE = 0,
  RAID_DISKS = 2,
  DISK_BLOCKS = 1,
  MAX_FRAMES = 512, // one 2 MiB folio
  CPUS = 1,
  STABLE = 0,
  ORACLE = 0,
  MAX_IOS = 16,
  MAX_PROCS = 1,
  IO_PAGES = 16,
  TLB_ENTRIES = 1,
  DMA_CHECK = 0,
  MAX_THREADS = 1,
  WP_RESTORE = 0,
  WP_BATCH = 1,
  WP_WALK = 0,
}

export enum KeyMax {
  POLICY = Policy.COUNT - 1,
  DEVICE = Device.COUNT - 1,
  RAID_DISKS = 16,
  DISK_BLOCKS = 262144, // 1 GiB
  MAX_FRAMES = 1048576, // 4 GiB: frame numbers fit a PTE's 20 bits
  CPUS = 64,            // a cpumask is one u64
  STABLE = Stable.NEVER,
  ORACLE = 1,
  MAX_IOS = 1048576,
  MAX_PROCS = 4095,     // a TLB tag holds pid << 20 | vpn in a u32
  IO_PAGES = 1048576,
  TLB_ENTRIES = 4096,
  DMA_CHECK = 1,
  MAX_THREADS = 65535,
  WP_RESTORE = Restore.LAZY,
  WP_BATCH = 256,       // a job's deepest queue
  WP_WALK = Walk.FUSED,
}

/** What sd_reset applies for a key never set (and what the module starts with). */
export enum KeyDefault {
  POLICY = Policy.DIRECT,
  DEVICE = Device.NONE,
  RAID_DISKS = 4,
  DISK_BLOCKS = 16384, // 64 MiB
  MAX_FRAMES = 65536,  // 256 MiB
  CPUS = 4,
  STABLE = Stable.AUTO,
  ORACLE = 1,
  MAX_IOS = 4096,
  MAX_PROCS = 64,
  IO_PAGES = 65536,
  TLB_ENTRIES = 64,
  DMA_CHECK = 1,
  MAX_THREADS = 256,
  WP_RESTORE = Restore.EAGER,
  WP_BATCH = 1,
  WP_WALK = Walk.SEPARATE,
}

/** Keys whose value must be a power of two, as a bit set of Key ids. */
export const POW2_KEYS = (1 << Key.MAX_IOS) | (1 << Key.TLB_ENTRIES);

/** The largest direct I/O sd_submit takes, in bytes. */
export const MAX_IO_BYTES = 4 << 20;
/** The staging area sd_write, sd_load and the disk readers copy through (sd_staging_size). */
export const STAGING_BYTES = 4 << 20;
/** Warnings kept for sd_warn_field (WARNINGS counts all of them). */
export const WARN_KEEP = 1024;
/** Mappings sd_map_alias makes between two resets (LIMIT past it): the rmap's shared mappings. */
export const MAX_ALIASES = 64;

/** Per-I/O modes chosen at submit from the policy, the process and the device. */
export enum Mode {
  DIRECT = 0,
  BOUNCE = 1,
  WP = 2,     // write-protect at submit, restore at completion
  VERIFY = 3,
}

export enum Op {
  WRITE = 0,
  READ = 1,
}

export enum IoState {
  UNKNOWN = 0,
  SUBMITTED = 1,
  DMA_DONE = 2,
  COMPLETED = 3,
}

/** sd_proc_create flags (inputs) and sd_proc_flags bits (outputs). */
export enum ProcFlag {
  UNSAFE = 1,    // Chinner's "DIO not supported" flag: bounced under opt-out
  TRUSTED = 2,   // opted out of bouncing: direct under opt-out-inverse
  KERNEL = 4,    // in-kernel caller: Hellwig's level 0
  INPUTS = 7,
  WARNED = 16,   // the once-per-process warning was logged
  DEGRADED = 32, // later direct I/O of this process is bounced
  DEAD = 64,     // exited
}

/** sd_map flags. */
export enum MapFlag {
  WRITE = 1,
  SHARED = 2,
  HUGE = 4, // 2 MiB PMD mappings; va and len must be 2 MiB aligned
  ALL = 7,
}

/** sd_submit flags. */
export enum IoFlag {
  PROMISE = 1, // the caller promises stability: Hellwig's level 1
  MORE = 2,    // another I/O of the same submission call follows (an io_uring SQE or io_submit iocb after this one)
  ALL = 3,
}

/** Error codes: calls return -Err. sd_err_detail() adds a number. */
export enum Err {
  OK = 0,
  INVAL = 1,      // an argument outside its allowed values
  NO_PROC = 2,    // unknown pid
  NO_THREAD = 3,  // unknown tid
  NO_IO = 4,      // unknown I/O id
  IO_DONE = 5,    // the I/O already completed
  IO_STATE = 6,   // the I/O already passed its DMA point
  ALIGN = 7,      // misaligned address, length or sector
  RANGE = 8,      // address range wraps past 4 GiB
  NOT_MAPPED = 9, // part of the range is not mapped (EFAULT)
  MAPPED = 10,    // part of the range is already mapped (EEXIST)
  NOMEM = 11,     // not enough frames; detail: frames the call needed
  LIMIT = 12,     // a table is full (processes, threads, I/O slots, I/O pages); detail: the limit
  DISK_RANGE = 13,// the sector range runs past the end of the disk
  CPU = 14,       // cpu outside 0..CPUS-1
  RO = 15,        // a store or a read I/O into a mapping without write permission
  DEAD = 16,      // the process has exited
  BUSY = 17,      // more than 255 in-flight I/Os on one sector of a frame
  NOT_READY = 18, // sd_reset has not run (or failed)
  COUNT = 19,
}

/** Counter indices for sd_counter. docs/model.md section 9 says where each is incremented. */
export enum Counter {
  WRITES = 0,
  READS = 1,
  COMPLETIONS = 2,
  BYTES_WRITTEN = 3,
  BYTES_READ = 4,
  DIRECT_IOS = 5,
  BOUNCE_IOS = 6,
  PROTECTED_IOS = 7,
  VERIFY_IOS = 8,
  DMA_MISMATCHES = 9,
  CORRUPTIONS = 10,
  TORN_SECTORS = 11,
  LOST_READS = 12,
  READ_VERIFY_FAILURES = 13,
  VERIFY_FAILURES = 14,
  FAULTS = 15,
  VIOLATIONS = 16,
  FALSE_POSITIVES = 17,
  WARNINGS = 18,
  DEGRADED = 19,
  STALLS = 20,
  SHARED_WAITS = 21,
  COW_COPIES = 22,
  WP_REUSE = 23,
  BYTES_COPIED = 24,
  BYTES_BOUNCED = 25,
  BYTES_COW = 26,
  BYTES_FORK = 27,
  BYTES_UNSHARE = 28,
  BYTES_REWRITE = 29,
  FORK_COPIES = 30,
  UNSHARE_COPIES = 31,
  PTE_FLIPS = 32,
  PMD_FLIPS = 33,
  PMD_SPLITS = 34,
  TLB_FLUSHES = 35,
  IPIS = 36,
  SHOOTDOWNS = 37,
  DEMAND_FAULTS = 38,
  PINS = 39,
  UNPINS = 40,
  TLB_HITS = 41,
  TLB_MISSES = 42,
  FRAMES_ALLOCATED = 43,
  FRAMES_FREED = 44,
  STORES = 45,
  BYTES_STORED = 46,
  CSUM_BYTES = 47,
  FORKS = 48,
  EXITS = 49,
  WP_WALKS = 50,        // page-table walks of their own that write-protect or restore an I/O's pages
  RESTORE_FAULTS = 51,  // write faults that made a page writable again after its I/O completed (lazy restore)
  SPURIOUS_FAULTS = 52, // writes through a stale read-only TLB entry whose PTE is writable (x86 faults, nothing to do)
  IPIS_SKIPPED = 53,    // CPUs of a shootdown that did not run the mm (lazy TLB): no IPI, a flush when it next runs
  // The pinned-page cases (docs/model.md 6.7 step 2, 6.9, 6.10 step 5).
  GUP_WRITE_FAULTS = 54,       // write faults a read's pin (FOLL_WRITE) took on a page an in-flight WP I/O protects
  KERNEL_STORES = 55,          // stores by the kernel through its own mapping (completion ring events), past every page table
  KERNEL_STORES_INFLIGHT = 56, // of those, stores into a sector an in-flight I/O pins
  UNWRITTEN_READS = 57,        // read pages of a block never written (no checksum on fs-csum: nothing verified)
  COUNT = 58,
}

/** sd_ring kinds: a completion ring the kernel writes through its own mapping (docs/model.md 6.10 step 5). */
export enum Ring {
  AIO = 0,      // io_setup's ring: struct aio_ring (32 B, tail at +12), then 32 B struct io_event each
  IO_URING = 1, // io_uring's CQ ring: struct io_rings (cq.tail at +12, CQEs from +64), 16 B struct io_uring_cqe each
  COUNT = 2,
}

/** sd_frame_stats kinds. */
export enum FrameKind {
  FREE = 0,     // on a free list
  USER = 1,     // anonymous or shared process memory (mapped, or pinned after being unmapped or copied away)
  BOUNCE = 2,   // bounce buffers of in-flight I/O
  PGTABLE = 3,  // PTE tables
  SCRATCH = 4,  // the parity device's stripe cache
  TOTAL = 5,    // frames ever taken from the top of the pool
  PINNED = 6,   // frames with a pin count above zero
  MAPPED = 7,   // frames with a map count above zero
  COUNT = 8,
}

/** sd_warn_field fields. */
export enum WarnField {
  PID = 0,
  VA = 1,
  IO = 2,
  KIND = 3,
}

export enum WarnKind {
  VIOLATION = 0,      // a store into an in-flight buffer faulted
  FALSE_POSITIVE = 1, // a store beside an in-flight buffer, on a protected page, faulted
  VERIFY = 2,         // the verify policy found the buffer changed after the write
}

/** sd_check result codes (negated), naming the invariant that failed. */
export enum Invariant {
  OK = 0,
  REFCOUNT = 1,      // refcount != mapcount + pincount + (bounce, page table or scratch ? 1 : 0)
  MAPCOUNT = 2,      // mapcount != PTEs and PMD subpages mapping the frame in live processes
  PINCOUNT = 3,      // pincount != in-flight I/O pages pinning the frame
  WRITABLE_PINNED = 4, // a protected frame (wpcount > 0) is writable in some page table
  WPCOUNT = 5,       // wpcount != in-flight protecting I/O pages on the frame
  FREE_LIST = 6,     // a free frame with a reference, or a frame with no reference not free
  SECTOR_PINS = 7,   // sector pin counts disagree with in-flight I/O pages
  TLB = 8,           // a TLB entry disagrees with the page table
  IO = 9,            // an I/O record is inconsistent
}
