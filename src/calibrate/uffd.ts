// The second native source of write-protect costs: UFFDIO_WRITEPROTECT pairs
// of 1, 16 and 256 pages on a userfaultfd-registered range (no VMA split; the
// mmap lock taken for read), decomposed as the mprotect pairs are
// (src/cost/decompose.ts), plus the handler's CPU per write fault and per
// copy-on-write. The kernel projection keeps the mprotect-derived units
// (DECOMPOSITION says why); these price `stable-dio native`'s user level.
import { curve, pairSlopes, type Check, type Measured } from "../cost/decompose.js";
import type { UffdCosts, UnitCosts } from "../cost/profile.js";

export const DECOMPOSITION =
  "pte, flush_page and flush come from mprotect: every machine can measure it (no root, no userfaultfd), the " +
  "reference profiles are mprotect figures, and mprotect's VMA work is measured apart (vma); UFFDIO_WRITEPROTECT " +
  "walks the same change_pte_range(), so its figures are the cross-check, and they price stable-dio native's " +
  "user-level write-protect (profile.uffd)";

const pos = (x: number): number => Math.max(0, x);

export interface UffdDecomposition {
  readonly costs?: UffdCosts;
  /** Why there are none (no uffd figures), if so. */
  readonly missing?: string;
  readonly checks: Check[];
}

/** pte, flush_page, fixed from `prefix`.1/.16/.256 pairs, as decompose() does for mprotect; undefined without them. */
function walk(m: Measured, prefix: string, syscall: number): { pte: number; flush_page: number; fixed: number } | undefined {
  const { pte, flushPage } = pairSlopes(curve(m, prefix));
  const p1 = m[`${prefix}.1`];
  if (p1 === undefined || pte === undefined || flushPage === undefined) return undefined;
  return { pte: pos(pte), flush_page: pos(flushPage), fixed: pos(p1 / 2 - syscall - pos(pte) - pos(flushPage)) };
}

/** Unit costs from the uffd_* figures; `syscall` and the mprotect-derived units come from the same run. */
export function decomposeUffd(m: Measured, c: UnitCosts): UffdDecomposition {
  const hot = walk(m, "uffd_wp_pair", c.syscall);
  const p1 = m["uffd_wp_pair.1"];
  if (!hot || p1 === undefined || m.uffd_fault === undefined || m.uffd_cow === undefined)
    return { missing: "no userfaultfd figures (calibrate needs root, or vm.unprivileged_userfaultfd=1)", checks: [] };
  const cold = walk(m, "uffd_wp_pair_rot", c.syscall);
  const u: UffdCosts = {
    ...hot,
    // The handler resolved each fault by un-protecting one page: half a 1-page pair.
    msg: pos(m.uffd_fault - p1 / 2),
    cow: pos(m.uffd_cow - pos(m.uffd_fault - p1 / 2)),
    ...(cold ? { walk_cold: cold } : {}),
  };
  const checks: Check[] = [];
  for (const n of [16, 256]) {
    const v = m[`uffd_wp_pair.${n}`];
    if (v === undefined) continue;
    checks.push({
      name: `uffd_wp_pair.${n}`,
      what: `from the mprotect units: 2 x (syscall + walk + flush + ${n} x ${n <= 33 ? "(pte + flush_page)" : "pte"})`,
      predicted: 2 * (c.syscall + c.flush + (c.walk ?? 0) + n * (c.pte + (n <= 33 ? c.flush_page : 0))),
      measured: v,
    });
  }
  for (const n of [16, 256]) {
    const rot = m[`uffd_wp_pair_rot.${n}`];
    if (rot === undefined) continue;
    checks.push({
      name: `uffd_wp_pair_rot.${n}`,
      what: `8 buffers in turn, each just written, from the hot-walk uffd units: 2 x (syscall + fixed + ${n} x ${n <= 33 ? "(pte + flush_page)" : "pte"})`,
      predicted: 2 * (c.syscall + u.fixed + n * (u.pte + (n <= 33 ? u.flush_page : 0))),
      measured: rot,
    });
  }
  const vma1 = m["mprotect_pair_vma.1"];
  if (vma1 !== undefined) {
    checks.push({
      name: "mprotect_pair_vma.1",
      what: "from the uffd units: 2 x (syscall + fixed + pte + flush_page)",
      predicted: 2 * (c.syscall + u.fixed + u.pte + u.flush_page),
      measured: vma1,
    });
  }
  return { costs: u, checks };
}

/** calibrate's text: the two sources side by side, which one the decomposition uses and why. */
export function renderUffd(d: UffdDecomposition, c: UnitCosts, fmtNs: (ns: number) => string): string[] {
  if (!d.costs) return ["", `userfaultfd: ${d.missing}; the unit costs above come from mprotect alone.`];
  const u = d.costs;
  const cold = (v: number | undefined) => (v === undefined ? "-" : fmtNs(v)).padStart(8);
  return [
    "",
    "Write-protect, two native sources (ns):",
    "  unit        mprotect  UFFDIO_WRITEPROTECT  (cold walk: 8 buffers in turn, each just written)",
    `  pte         ${fmtNs(c.pte).padStart(8)}  ${fmtNs(u.pte).padStart(8)}  ${cold(u.walk_cold?.pte)}`,
    `  flush_page  ${fmtNs(c.flush_page).padStart(8)}  ${fmtNs(u.flush_page).padStart(8)}  ${cold(u.walk_cold?.flush_page)}`,
    `  fixed       ${fmtNs(c.flush + (c.walk ?? 0)).padStart(8)}  ${fmtNs(u.fixed).padStart(8)}  ${cold(u.walk_cold?.fixed)}   (mprotect: walk + flush; uffd: per call beyond the syscall)`,
    `  userfaultfd handler per fault (msg) ${fmtNs(u.msg)}, per copy-on-write beyond it (cow) ${fmtNs(u.cow)}`,
    `The kernel projection uses the mprotect column: ${DECOMPOSITION}.`,
    "stable-dio native's user-level projection uses the cold walk where measured: an I/O path walks buffers written since their last walk.",
  ];
}
