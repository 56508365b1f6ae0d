// From native figures to unit costs (docs/cost-model.md, "Decomposition").
// Native mprotect, faults and signals bundle several kernel steps; the cost
// model needs them apart, because in-kernel write-protect pays for the PTEs
// and the flushes but not for the syscall or the VMA split, and a COW fault
// inside the kernel pays no signal delivery.
import type { CopyCurve, UnitCosts } from "./profile.js";
import { copyNs } from "./copy.js";

export type Measured = Readonly<Record<string, number>>;

/** A prediction from the unit costs beside the native figure it should match. */
export interface Check {
  readonly name: string;
  readonly what: string;
  readonly predicted: number;
  readonly measured: number;
}

export interface Decomposition {
  readonly costs: UnitCosts;
  /** Unit costs taken from the fallback because `measured` lacks what they need. */
  readonly assumed: string[];
  readonly checks: Check[];
}

const pos = (x: number): number => Math.max(0, x);

export function curve(m: Measured, prefix: string): [number, number][] {
  const pts: [number, number][] = [];
  for (const [k, v] of Object.entries(m)) {
    if (!k.startsWith(prefix + ".")) continue;
    const bytes = Number(k.slice(prefix.length + 1));
    if (Number.isInteger(bytes) && bytes > 0 && v > 0) pts.push([bytes, v]);
  }
  return pts.sort((a, b) => a[0] - b[0]);
}

/** Linux flushes a range of at most this many pages page by page (tlb_single_page_flush_ceiling), else all. */
export const FLUSH_CEILING = 33;

/** Per-page slope of the pair in ns between two measured sizes. */
const slope = (a: [number, number], b: [number, number]): number => (b[1] - a[1]) / (b[0] - a[0]);

/**
 * pte: the per-page cost of large ranges, where the flush is one full flush
 * (the slope from the largest range flushed page by page to the largest
 * range); flushPage: what a page adds on top when its range is flushed page
 * by page (the slope among the small ranges, minus pte). Halved: a pair
 * changes each page twice.
 */
export function pairSlopes(pairs: [number, number][]): { pte?: number; flushPage?: number } {
  const small = pairs.filter(([n]) => n <= FLUSH_CEILING);
  const large = pairs.filter(([n]) => n > FLUSH_CEILING);
  let pte: number | undefined;
  if (large.length && small.length) pte = slope(small[small.length - 1], large[large.length - 1]) / 2;
  else if (large.length > 1) pte = slope(large[0], large[large.length - 1]) / 2;
  const flushPage = small.length > 1 && pte !== undefined ? slope(small[0], small[small.length - 1]) / 2 - pte : undefined;
  return { pte, flushPage };
}

/**
 * Where a profile has no uffd_wp_again figure, the share of the write-protect's
 * fixed work (mprotect's, beyond the syscall, the PTE and its invalidation) that is
 * the walk rather than the local flush: an assumption. Four calibrations on a
 * 2-vCPU Intel Xeon KVM VM (Linux 6.18.44, shared with other work) split it
 * 0.32, 0.34, 0.40 and 0.54 (docs/cost-model.md section 3).
 */
export const ASSUMED_WALK_SHARE = 0.4;

/**
 * The local flush of a write-protect, and the walk as the rest of its fixed
 * work `fixed` (mprotect's), from the userfaultfd figures: a 1-page
 * UFFDIO_WRITEPROTECT of a page already protected (uffd_wp_again.1) is the
 * syscall and the walk with nothing to flush, half a 1-page pair is the same
 * plus the PTE's invalidation and the flush:
 *   flush = uffd_wp_pair.1 / 2 - uffd_wp_again.1 - uffd flush_page
 * (the PTE's own cost is in both and cancels). Undefined without those figures.
 */
export function walkSplit(m: Measured, fixed: number | undefined): { walk: number; flush: number } | undefined {
  const u1 = m["uffd_wp_pair.1"];
  const again = m["uffd_wp_again.1"];
  const { flushPage } = pairSlopes(curve(m, "uffd_wp_pair"));
  if (fixed === undefined || u1 === undefined || again === undefined || flushPage === undefined) return undefined;
  const flush = Math.min(fixed, pos(u1 / 2 - again - pos(flushPage)));
  return { walk: fixed - flush, flush };
}

/**
 * Unit costs from native figures. Anything `measured` cannot give comes from
 * `fallback` and is listed in `assumed`.
 */
export function decompose(m: Measured, fallback: Partial<UnitCosts>): Decomposition {
  const assumed: string[] = [];
  const from = <K extends keyof UnitCosts>(k: K, v: UnitCosts[K] | undefined): UnitCosts[K] => {
    if (v !== undefined && (typeof v !== "number" || Number.isFinite(v))) return v;
    const f = fallback[k];
    if (f === undefined) throw new Error(`the profile cannot give ${k}: no native figure and no fallback`);
    assumed.push(k);
    return f;
  };
  const has = (k: string): boolean => typeof m[k] === "number" && Number.isFinite(m[k]);
  const get = (k: string): number | undefined => (has(k) ? m[k] : undefined);

  const syscall = from("syscall", get("syscall"));
  // mprotect RO then RW of n pages of a larger mapping: 2 x (syscall + VMA split/merge + flush + n PTEs).
  // A source that toggled whole mappings (published figures) gives mprotect_pair_vma.N instead: the VMA work
  // is per call, so either curve has the same slopes.
  const split = curve(m, "mprotect_pair");
  const slopes = pairSlopes(split.length > 1 ? split : curve(m, "mprotect_pair_vma"));
  // A slope at or below zero is noise (a loaded machine timed the small range slower), not a free PTE: assumed.
  const pte = from("pte", slopes.pte !== undefined && slopes.pte > 0 ? slopes.pte : undefined);
  const flush_page = from("flush_page", slopes.flushPage === undefined ? undefined : pos(slopes.flushPage));
  const p1 = get("mprotect_pair.1");
  // A page that is a VMA of its own needs no split: 2 x (syscall + PTE + its single-page flush + walk + flush).
  const pv = get("mprotect_pair_vma.1") ?? p1;
  const fixed = pv === undefined ? undefined : pos(pv / 2 - syscall - pte - flush_page);
  // The walk and the local flush, apart: the uffd figures give the flush, the rest of the fixed work is the walk.
  const parts = walkSplit(m, fixed);
  const flush = from("flush", parts?.flush ?? (fixed === undefined ? undefined : fixed * (1 - ASSUMED_WALK_SHARE)));
  if (parts === undefined && fixed !== undefined) assumed.push("walk");
  const walk = fixed === undefined ? from("walk", undefined) : fixed - flush;
  const vma = from("vma", p1 === undefined || pv === undefined ? undefined : pos((p1 - pv) / 2));
  // With k other threads of the process running, each of the pair's two flushes is a shootdown to k CPUs.
  // A range flushed page by page and a range flushed whole cost the remote CPU differently: kept apart.
  const extra: Record<"small" | "full", number[]> = { small: [], full: [] };
  for (const [k, v] of Object.entries(m)) {
    const r = /^mprotect_pair_remote\.(\d+)\.(\d+)$/.exec(k);
    const alone = r ? get(`mprotect_pair.${r[2]}`) : undefined;
    if (r && alone !== undefined && Number(r[1]) > 0)
      extra[Number(r[2]) <= FLUSH_CEILING ? "small" : "full"].push((v - alone) / (2 * Number(r[1])));
  }
  const mean = (xs: number[]) => (xs.length ? pos(xs.reduce((a, b) => a + b, 0) / xs.length) : undefined);
  const ipi = from("ipi", mean(extra.small) ?? mean(extra.full));
  const ipi_full = from("ipi_full", mean(extra.full) ?? mean(extra.small));
  // The cheapest fault: a read of a fresh anonymous page maps the zero page.
  const fault = from("fault", get("fault_zero_read"));
  const trap = get("trap");
  const signal = from("signal", trap === undefined ? undefined : pos(trap - fault));
  const hot = curve(m, "memcpy_hot");
  const cold = curve(m, "memcpy_cold");
  const copy_hot: CopyCurve = from("copy_hot", hot.length ? hot : undefined);
  const copy_cold: CopyCurve = from("copy_cold", cold.length ? cold : undefined);
  // A first write allocates and zeroes a page; the zero-page read is the same fault without them.
  const anon = get("fault_anon_write");
  const zero4k = copyNs(4096, copy_hot);
  const page_alloc = from("page_alloc", anon === undefined || !has("fault_zero_read") ? undefined : pos(anon - fault - zero4k));
  const g1 = get("gup_vmsplice.1");
  const g16 = get("gup_vmsplice.16");
  const pin = from("pin", g1 === undefined || g16 === undefined ? undefined : pos((g16 - g1) / 15));
  // Half a pipe ping-pong: a write, a wake-up, a block in read and a switch; a stall has two switches, no syscalls.
  const ws = get("wake_switch");
  const stall = from("stall", ws === undefined ? undefined : pos(2 * ws - 4 * syscall));
  const csum_byte = from("csum_byte", get("csum_byte"));

  const costs: UnitCosts = {
    syscall, vma, pte, flush_page, flush, walk, ipi, ipi_full, fault, signal, page_alloc, pin, stall, csum_byte, copy_hot, copy_cold,
  };
  return { costs, assumed, checks: checks(m, costs) };
}

/** Figures that the decomposition did not use, predicted from the unit costs. */
function checks(m: Measured, c: UnitCosts): Check[] {
  const out: Check[] = [];
  const copy4k = copyNs(4096, c.copy_hot);
  const p1 = m["mprotect_pair.1"];
  if (m.fault_cow_fork !== undefined) {
    out.push({
      name: "fault_cow_fork",
      what: "kernel COW fault = fault + page_alloc + copy 4 KiB hot + pte + flush_page + flush",
      predicted: c.fault + c.page_alloc + copy4k + c.pte + c.flush_page + c.flush,
      measured: m.fault_cow_fork,
    });
  }
  if (m.user_cow !== undefined && p1 !== undefined && m.trap !== undefined) {
    out.push({
      name: "user_cow",
      what: "user COW cycle = mprotect pair (1 page) + trap + copy 4 KiB hot",
      predicted: p1 + m.trap + copy4k,
      measured: m.user_cow,
    });
  }
  for (const [k, v] of Object.entries(m)) {
    const r = /^user_cow_remote\.(\d+)$/.exec(k);
    if (!r || m.user_cow === undefined) continue;
    out.push({
      name: k,
      what: `user COW cycle with ${r[1]} other CPU(s) running = alone + 2 x ${r[1]} ipi (1-page shootdowns)`,
      predicted: m.user_cow + 2 * Number(r[1]) * c.ipi,
      measured: v,
    });
  }
  return out;
}
