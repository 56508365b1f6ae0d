// The main table's counter columns: compact header, the counter behind it,
// and one line of help (the CLI's --help prints these).
import type { RunResult } from "../host/result.js";

export interface Column {
  readonly header: string;
  /** snake_case counter name in RunResult.counters. */
  readonly counter: string;
  readonly help: string;
  /** Print as a byte size (64K, 1.5M). */
  readonly bytes?: boolean;
}

export const COLUMNS: readonly Column[] = [
  { header: "corrupt", counter: "corruptions", help: "blocks (pi, fs-csum) or stripes (parity) whose stored check disagrees with the data, found by the scrub" },
  { header: "lost", counter: "lost_reads", help: "direct reads whose data landed in a page the process no longer maps (COW or unmap before the DMA)" },
  { header: "rdfail", counter: "read_verify_failures", help: "reads whose checksum failed: the process changed the buffer after the DMA, or the block was corrupt on disk (fs-csum)" },
  { header: "falsepos", counter: "false_positives", help: "write faults on a protected page outside any in-flight buffer (sub-page neighbours)" },
  { header: "warn", counter: "warnings", help: "once-per-process warnings logged (contract broken, or verify mismatch)" },
  { header: "degr", counter: "degraded", help: "processes degraded: their later direct I/O is bounced" },
  { header: "copied", counter: "bytes_copied", help: "bytes copied: bounce + COW + fork + unshare + buffered rewrite", bytes: true },
  { header: "pteflip", counter: "pte_flips", help: "PTE permission changes (write-protect, restore, COW, reuse)" },
  { header: "pmdflip", counter: "pmd_flips", help: "2 MiB PMD permission changes (a huge mapping write-protected whole)" },
  { header: "flush", counter: "tlb_flushes", help: "per-CPU TLB flushes (each shootdown flushes every CPU of the process)" },
  { header: "ipi", counter: "ipis", help: "inter-processor interrupts: one per remote CPU of a shootdown" },
  { header: "fault", counter: "faults", help: "write faults on present pages (demand faults not counted)" },
  { header: "cow", counter: "cow_copies", help: "copy-on-write copies made by the fault handler" },
  { header: "stall", counter: "stalls", help: "writers that waited for an I/O to complete (wp-wait, shared pages)" },
];

export function cell(r: RunResult, c: Column): number {
  return r.counters[c.counter] ?? 0;
}
