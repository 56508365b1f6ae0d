// A cost profile: what the kernel's building blocks cost on one machine, in
// nanoseconds. `measured` holds native figures (stable-dio calibrate, or the
// sources docs/profiles.md lists for the shipped ones); `costs` are the unit costs
// the cost model multiplies counters by, derived from `measured` by
// decompose() (docs/cost-model.md says how, figure by figure).
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../shared/atomic.js";
import type { MachineInfo } from "../shared/machine.js";

export const PROFILE_VERSION = 1;

/** [bytes, ns] points of one copy curve, ascending bytes. */
export type CopyCurve = ReadonlyArray<readonly [number, number]>;

/** Unit costs, ns (per byte for csum_byte). docs/cost-model.md defines each. */
export interface UnitCosts {
  /** Entering and leaving the kernel (getppid). */
  readonly syscall: number;
  /** User-level only: splitting a VMA at mprotect and merging it back, per mprotect call. */
  readonly vma: number;
  /** Changing one PTE (or one PMD entry) in a range walk. */
  readonly pte: number;
  /** What a page adds when its shootdown covers at most 33 pages and invalidates page by page (INVLPG). */
  readonly flush_page: number;
  /** One local TLB flush of a shootdown: flush_tlb_mm_range's fixed work on the CPU that changed the entries. */
  readonly flush: number;
  /**
   * A page-table walk of its own that write-protects or restores an I/O's pages (counted in wp_walks): its
   * fixed work (the VMA lookup, the descent to the PTEs, the lock), apart from the PTEs and the flush. Absent
   * in a profile written before stable-dio priced it apart: there it is part of `flush`, and taken as 0.
   */
  readonly walk?: number;
  /** One remote CPU of a shootdown of at most 33 pages: the IPI, its flush and the wait for it. */
  readonly ipi: number;
  /** The same for a shootdown that flushes the remote TLB whole (more than 33 pages). */
  readonly ipi_full: number;
  /** Kernel page-fault entry, handling and return (the cheapest fault). */
  readonly fault: number;
  /** User-level only: delivering SIGSEGV to a handler and returning from it, beyond the fault. */
  readonly signal: number;
  /** Allocating (and later freeing) a page or a bounce folio. */
  readonly page_alloc: number;
  /** Pinning one user page and releasing it (GUP fast). */
  readonly pin: number;
  /** CPU of one stall: the writer blocks and is woken (two context switches). */
  readonly stall: number;
  /** Device checksum, per byte (kernel crc32c). */
  readonly csum_byte: number;
  /** memcpy of n bytes with the buffers in the caches, and with both far out of them. */
  readonly copy_hot: CopyCurve;
  readonly copy_cold: CopyCurve;
}

/**
 * Write-protect through userfaultfd, as `stable-dio native` does it at user
 * level (src/calibrate/uffd.ts derives them from the uffd_* figures), ns.
 */
export interface UffdCosts {
  /** Per page of an UFFDIO_WRITEPROTECT range. */
  readonly pte: number;
  /** What a page adds when the range (at most 33 pages) is flushed page by page. */
  readonly flush_page: number;
  /** Per UFFDIO_WRITEPROTECT call beyond the syscall: mmap lock, walk, local flush. */
  readonly fixed: number;
  /** Handler CPU per write fault: woken, reads the message (its resolution not included). */
  readonly msg: number;
  /** Handler CPU per copy-on-write beyond msg: copy 4 KiB, MADV_DONTNEED, UFFDIO_COPY (wakes the writer). */
  readonly cow: number;
  /**
   * pte, flush_page and fixed again, from pairs on 8 buffers in turn, each written just before: the walk as
   * an I/O path meets it (page-table and struct-page lines cold). Absent in profiles without those figures.
   */
  readonly walk_cold?: { readonly pte: number; readonly flush_page: number; readonly fixed: number };
}

/**
 * CPU of a `direct` I/O on this machine outside any policy (submit, pin, the
 * block layer, reap; not the workload's fill nor the oracle's checksums),
 * measured by `stable-dio native --sizes ... -p direct --save-base`:
 * per_io_ns + pages * per_page_ns, fitted to the points on relative error.
 * For the throughput projection's base cost.
 */
export interface BaseCpu {
  readonly per_io_ns: number;
  readonly per_page_ns: number;
  /** [I/O bytes, measured ns per I/O]. */
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** What measured it: workload, target, command. */
  readonly source: string;
  readonly date: string;
}

export interface CostProfile {
  readonly tool: "stable-dio";
  readonly kind: "cost-profile";
  readonly version: number;
  /** "built-in" or "calibrated". */
  readonly name: string;
  /** Where the measured figures come from. */
  readonly source: string;
  /** ISO date of the measurement. */
  readonly date: string;
  readonly machine: MachineInfo;
  /** Native figures, ns per operation, by name (docs/cost-model.md lists them). */
  readonly measured: Readonly<Record<string, number>>;
  readonly costs: UnitCosts;
  /** Unit costs that are assumptions rather than derived from `measured`. */
  readonly assumed: readonly string[];
  /** userfaultfd write-protect unit costs, where calibrate could measure them (root or unprivileged userfaultfd). */
  readonly uffd?: UffdCosts;
  /** Which native figures `costs` (pte, flush_page, flush) come from, and why. */
  readonly decomposition?: string;
  /** Base CPU of a direct I/O by size (stable-dio native). */
  readonly base_cpu?: BaseCpu;
  /** Set in the reference profiles the package ships (src/cost/reference.ts). */
  readonly reference?: ReferenceInfo;
}

/** What a shipped reference profile is and where its figures come from (docs/profiles.md). */
export interface ReferenceInfo {
  /** `--profile ref:<id>`. */
  readonly id: string;
  readonly title: string;
  /** "virtual machine" or "bare metal". */
  readonly kind: string;
  /** Where each group of figures comes from; what is not measured there is listed in `assumed`. */
  readonly sources: readonly string[];
}

const SCALARS = ["syscall", "vma", "pte", "flush_page", "flush", "ipi", "ipi_full", "fault", "signal", "page_alloc", "pin", "stall", "csum_byte"] as const;

/** Why a parsed JSON value is not a usable profile, or undefined. */
export function profileProblem(x: unknown): string | undefined {
  if (typeof x !== "object" || x === null) return "not a JSON object";
  const p = x as Record<string, unknown>;
  if (p.kind !== "cost-profile") return `"kind" is not "cost-profile"`;
  if (p.version !== PROFILE_VERSION) return `"version" is ${String(p.version)}, expected ${PROFILE_VERSION}`;
  if (typeof p.name !== "string") return `"name" is missing`;
  const c = p.costs as Record<string, unknown> | undefined;
  if (typeof c !== "object" || c === null) return `"costs" is missing`;
  for (const k of SCALARS) {
    const v = c[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) return `costs.${k} must be a number >= 0`;
  }
  if (c.walk !== undefined && (typeof c.walk !== "number" || !Number.isFinite(c.walk) || c.walk < 0)) return "costs.walk must be a number >= 0";
  for (const k of ["copy_hot", "copy_cold"]) {
    const curve = c[k];
    if (!Array.isArray(curve) || curve.length === 0) return `costs.${k} must be a list of [bytes, ns]`;
    let last = 0;
    for (const pt of curve) {
      if (!Array.isArray(pt) || pt.length !== 2 || !pt.every((v) => typeof v === "number" && Number.isFinite(v) && v > 0))
        return `costs.${k} must be a list of [bytes, ns] with positive numbers`;
      if (pt[0] <= last) return `costs.${k} must be in ascending bytes`;
      last = pt[0];
    }
  }
  if (p.uffd !== undefined) {
    const u = p.uffd as Record<string, unknown> | null;
    for (const k of ["pte", "flush_page", "fixed", "msg", "cow"]) {
      const v = u?.[k];
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) return `uffd.${k} must be a number >= 0`;
    }
  }
  if (p.base_cpu !== undefined) {
    const b = p.base_cpu as Record<string, unknown> | null;
    for (const k of ["per_io_ns", "per_page_ns"]) {
      const v = b?.[k];
      if (typeof v !== "number" || !Number.isFinite(v)) return `base_cpu.${k} must be a number`;
    }
  }
  return undefined;
}

/** Reads a profile file; throws an Error naming the file and the problem. */
export function readProfile(file: string): CostProfile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read profile ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch {
    throw new Error(`profile ${file} is not JSON`);
  }
  const why = profileProblem(x);
  if (why) throw new Error(`bad profile ${file}: ${why}`);
  return x as CostProfile;
}

export function profileJson(p: CostProfile): string {
  return JSON.stringify(p, null, 2) + "\n";
}

/** Writes the profile atomically (src/shared/atomic.ts): a temporary file beside it, then a rename. */
export function writeProfile(file: string, p: CostProfile): void {
  writeFileAtomic(file, profileJson(p));
}

/** "built-in (AMD EPYC (virtual machine), 2 CPUs, 2026-02-01)"; cores 0: not known (published figures). */
export function profileLabel(p: CostProfile): string {
  const cores = p.machine.cores > 0 ? `, ${p.machine.cores} CPUs` : "";
  return `${p.name} (${p.machine.cpu}${cores}, ${p.date.slice(0, 10)})`;
}
