// The cost model: a run's counters (measured by the core) times a profile's
// unit costs (measured natively) = projected CPU time, per I/O and per GiB.
// docs/cost-model.md maps every counter to its term. Two levels:
//   kernel: the policy as the kernel would do it: no syscalls, no VMA
//           splits, no signals; pins and page allocations paid;
//   user:   the user-level emulation that `calibrate --validate` measures:
//           one mprotect call (syscall + VMA split/merge) per protect,
//           restore and COW, a SIGSEGV per fault, copies into preallocated
//           buffers, no pins.
import { copyNs } from "./copy.js";
import { FLUSH_CEILING } from "./decompose.js";
import type { UnitCosts } from "./profile.js";

export type Cache = "hot" | "cold";
export type Level = "kernel" | "user";

export const TERMS = [
  "pin", "pte", "flush_page", "flush", "walk", "ipi", "fault", "signal", "syscall", "page_copy", "bulk_copy", "alloc", "split", "stall", "csum",
] as const;
export type Term = (typeof TERMS)[number];

export interface ProjectOptions {
  readonly cache: Cache;
  readonly level?: Level;
  /** How long a stalled writer waits: the rest of the I/O's latency (ns). Not CPU time. */
  readonly stallWaitNs?: number;
}

export interface Projection {
  readonly ios: number;
  readonly bytes: number;
  /** Projected CPU ns per I/O, and per GiB transferred. */
  readonly perIoNs: number;
  readonly perGiBNs: number;
  /** Each term's share, ns per I/O. */
  readonly terms: Readonly<Record<Term, number>>;
  /** Time writers spend stalled per I/O (ns): latency, not CPU. */
  readonly waitNs: number;
}

/** Default wait of a stalled writer: half of a 20 us device write latency. */
export const DEFAULT_STALL_WAIT_NS = 10_000;

type Counters = Readonly<Record<string, number>>;

/** Total ns per term over the whole run. */
export function termTotals(c: Counters, u: UnitCosts, o: ProjectOptions): Record<Term, number> {
  const n = (k: string): number => c[k] ?? 0;
  const user = (o.level ?? "kernel") === "user";
  const curve = o.cache === "hot" ? u.copy_hot : u.copy_cold;
  const page4k = copyNs(4096, curve);
  const pageCopies = n("cow_copies") + n("unshare_copies") + n("fork_copies");
  // Bulk copies: bounce buffers (one per bounce I/O) and verify's buffered rewrites, at the copy's own size.
  const bounces = n("bounce_ios");
  const bounceCopy = bounces > 0 && n("bytes_bounced") > 0 ? bounces * copyNs(n("bytes_bounced") / bounces, curve) : 0;
  const rewrites = n("verify_failures");
  const rewriteCopy = rewrites > 0 && n("bytes_rewrite") > 0 ? rewrites * copyNs(n("bytes_rewrite") / rewrites, curve) : 0;
  const localFlushes = n("tlb_flushes") - n("ipis");
  // Shootdowns of at most 33 pages invalidate page by page: judged on the run's average shootdown (a PMD is 512 pages).
  const shot = n("pte_flips") + 512 * (n("pmd_flips") + n("pmd_splits"));
  const small = n("shootdowns") > 0 && shot / n("shootdowns") <= FLUSH_CEILING;
  return {
    pin: user ? 0 : n("pins") * u.pin,
    pte: (n("pte_flips") + n("pmd_flips")) * u.pte,
    flush_page: small ? n("pte_flips") * u.flush_page : 0,
    flush: localFlushes * u.flush,
    // A write-protect's or restore's walk of its own (none when fused into GUP's, none for a lazy restore).
    walk: n("wp_walks") * (u.walk ?? 0),
    ipi: n("ipis") * (small ? u.ipi : u.ipi_full),
    // A spurious fault (a write through a stale read-only TLB entry) is a fault the handler finds nothing to do for.
    fault: (n("faults") + n("spurious_faults")) * u.fault,
    signal: user ? n("faults") * u.signal : 0,
    // One mprotect per protect and per restore of an I/O, and one per COW (the handler's).
    syscall: user ? (2 * n("protected_ios") + n("cow_copies")) * (u.syscall + u.vma) : 0,
    page_copy: pageCopies * page4k,
    bulk_copy: bounceCopy + rewriteCopy,
    // User level copies into buffers it already has.
    alloc: user ? 0 : (pageCopies + bounces + n("pmd_splits")) * u.page_alloc,
    // A split fills a new PTE table: 512 entries.
    split: n("pmd_splits") * 512 * u.pte,
    stall: n("stalls") * u.stall,
    csum: n("csum_bytes") * u.csum_byte,
  };
}

export function project(c: Counters, u: UnitCosts, o: ProjectOptions): Projection {
  const ios = (c.writes ?? 0) + (c.reads ?? 0);
  const bytes = (c.bytes_written ?? 0) + (c.bytes_read ?? 0);
  const totals = termTotals(c, u, o);
  let sum = 0;
  const terms = {} as Record<Term, number>;
  for (const t of TERMS) {
    sum += totals[t];
    terms[t] = ios > 0 ? totals[t] / ios : 0;
  }
  const wait = (c.stalls ?? 0) * (o.stallWaitNs ?? DEFAULT_STALL_WAIT_NS);
  return {
    ios,
    bytes,
    perIoNs: ios > 0 ? sum / ios : 0,
    perGiBNs: bytes > 0 ? (sum / bytes) * 2 ** 30 : 0,
    terms,
    waitNs: ios > 0 ? wait / ios : 0,
  };
}
