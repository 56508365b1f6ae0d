// The names the trace and the JSON use, in the index order of assembly/abi.ts
// (the host derives the same names from the enums; the tests compare the two
// outputs byte for byte). StaticArray literals of string literals are static
// data: looking names up allocates nothing. No string concatenation here: it
// would allocate at start, inside memory the core owns.

export const KEY_NAMES: StaticArray<string> = [
  "policy", "device", "raid_disks", "disk_blocks", "max_frames", "cpus", "stable", "oracle", "max_ios",
  "max_procs", "io_pages", "tlb_entries", "dma_check", "max_threads", "wp_restore", "wp_batch", "wp_walk",
];

export const COUNTER_NAMES: StaticArray<string> = [
  "writes", "reads", "completions", "bytes_written", "bytes_read", "direct_ios", "bounce_ios", "protected_ios",
  "verify_ios", "dma_mismatches", "corruptions", "torn_sectors", "lost_reads", "read_verify_failures",
  "verify_failures", "faults", "violations", "false_positives", "warnings", "degraded", "stalls", "shared_waits",
  "cow_copies", "wp_reuse", "bytes_copied", "bytes_bounced", "bytes_cow", "bytes_fork", "bytes_unshare",
  "bytes_rewrite", "fork_copies", "unshare_copies", "pte_flips", "pmd_flips", "pmd_splits", "tlb_flushes", "ipis",
  "shootdowns", "demand_faults", "pins", "unpins", "tlb_hits", "tlb_misses", "frames_allocated", "frames_freed",
  "stores", "bytes_stored", "csum_bytes", "forks", "exits", "wp_walks", "restore_faults", "spurious_faults",
  "ipis_skipped", "gup_write_faults", "kernel_stores", "kernel_stores_inflight", "unwritten_reads",
];

export const ERR_NAMES: StaticArray<string> = [
  "OK", "INVAL", "NO_PROC", "NO_THREAD", "NO_IO", "IO_DONE", "IO_STATE", "ALIGN", "RANGE", "NOT_MAPPED", "MAPPED",
  "NOMEM", "LIMIT", "DISK_RANGE", "CPU", "RO", "DEAD", "BUSY", "NOT_READY",
];

/** The op lines, in src/trace/format.ts OP_ARGS order, and their arguments. */
export const OP_NAMES: StaticArray<string> = [
  "proc", "thread", "map", "unmap", "store", "load", "submit", "dma", "complete", "fork", "exit", "scrub",
  "thread_state", "complete_more", "unwritten", "alias", "ring",
];

export const OP_ARGS: StaticArray<string> = [
  "flags", "pid cpu", "pid va len flags", "tid va len", "tid va len byte", "tid va len", "tid dir va len sector flags",
  "io", "io", "tid cpu", "pid", "", "tid state", "io", "block count", "pid va len srcpid srcva", "pid va len kind",
];

export const LINE_WORDS =
  "set, reset, proc, thread, map, unmap, store, load, submit, dma, complete, fork, exit, scrub, thread_state, complete_more, unwritten, alias, ring, counter, end";

/** Index of the name whose ASCII equals bytes [p, p+n), or -1. */
export function lookup(names: StaticArray<string>, p: usize, n: usize): i32 {
  for (let i = 0; i < names.length; i++) if (equals(unchecked(names[i]), p, n)) return i;
  return -1;
}

export function equals(s: string, p: usize, n: usize): bool {
  if (<usize>s.length != n) return false;
  let w = changetype<usize>(s);
  for (let i: usize = 0; i < n; i++) if (<u32>load<u16>(w + (i << 1)) != <u32>load<u8>(p + i)) return false;
  return true;
}

/** Words in a space-separated list such as an OP_ARGS entry. */
export function wordCount(s: string): i32 {
  let n = s.length;
  if (n == 0) return 0;
  let count = 1;
  let w = changetype<usize>(s);
  for (let i = 0; i < n; i++) if (load<u16>(w + (<usize>i << 1)) == 0x20) count++;
  return count;
}
