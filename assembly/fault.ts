// The page fault handler (docs/model.md 6.6): demand faults, and write faults
// on present read-only entries: direct-I/O protection (copy or wait), fork
// COW, reuse of an exclusive page.
import { Counter, Err, Policy, WarnKind } from "./abi";
import { count } from "./counters";
import { ioPolicy, lowestProtector, waitFor } from "./dio";
import { mapcount, secpins, wpcount } from "./frames";
import { PMD_PAGES, setDetail } from "./layout";
import { copyPage, demandHuge, demandPte, folioShared, splitPmd } from "./pagetable";
import { DWP, HUG, MAY, P, SHR, TBL, V, W, frameOf, pmdAddr, pteAddr } from "./pte";
import { degrade, warnOnce } from "./warn";

function nomem(frames: u32): i32 {
  setDetail(<f64>frames);
  return -Err.NOMEM;
}

/** A demand fault, if the page is mapped but not present. 0, or -Err. */
export function demandFault(pid: u32, vpn: u32): i32 {
  let pa = pmdAddr(pid, vpn);
  let pmd = load<u32>(pa);
  if (pmd & HUG) {
    if (!(pmd & P) && !demandHuge(pa)) return nomem(PMD_PAGES);
    return 0;
  }
  if (!(pmd & TBL)) return -Err.NOT_MAPPED;
  let ea = pteAddr(pmd, vpn);
  let e = load<u32>(ea);
  if (!(e & V)) return -Err.NOT_MAPPED;
  if (!(e & P) && !demandPte(ea)) return nomem(1);
  return 0;
}

/** Any frame of the folio at `head` protected by an in-flight I/O? */
function folioProtected(head: u32): bool {
  for (let i: u32 = 0; i < PMD_PAGES; i++) if (wpcount(head + i) > 0) return true;
  return false;
}

/** Does the access [off, off+n) touch a sector of `f` that an in-flight buffer covers? */
function overlaps(f: u32, off: u32, n: u32): bool {
  let pins = secpins(f);
  for (let s = off >>> 9; s <= (off + n - 1) >>> 9; s++) {
    if ((pins >> (<u64>s << 3)) & 0xFF) return true;
  }
  return false;
}

const WAIT = 1;
const COPY = 2;

/**
 * A write hit a page protected for direct I/O: count it, warn and degrade as
 * the protecting I/O's policy says, and choose wait or copy.
 */
function protectedFault(pid: u32, vpn: u32, off: u32, n: u32, f: u32, e: u32, f0: u32, nf: u32): i32 {
  let hit = overlaps(f, off, n);
  count(hit ? Counter.VIOLATIONS : Counter.FALSE_POSITIVES);
  let w = lowestProtector(f0, nf);
  let policy = ioPolicy(w);
  let cow = policy == Policy.WP_COW || policy == Policy.WP_COW_DEGRADE;
  if (cow) {
    warnOnce(pid, (vpn << 12) | off, w, hit ? WarnKind.VIOLATION : WarnKind.FALSE_POSITIVE);
    if (policy == Policy.WP_COW_DEGRADE) degrade(pid);
  }
  if (!cow || (e & SHR)) {
    if (cow) count(Counter.SHARED_WAITS);
    return WAIT;
  }
  return COPY;
}

/** COW of a present PTE: the process gets a copy, the old frame keeps its pins. */
function cowPte(pid: u32, cpu: u32, vpn: u32, ea: usize, e: u32, f: u32): i32 {
  return copyPage(pid, cpu, vpn, ea, e, f, false, true) ? 0 : nomem(1);
}

/** A write fault on `vpn` for bytes [off, off+n) of the page, on `cpu`. 0 = retry the access. */
export function writeFault(pid: u32, cpu: u32, vpn: u32, off: u32, n: u32): i32 {
  let pa = pmdAddr(pid, vpn);
  let pmd = load<u32>(pa);
  if (!(pmd & HUG)) return pteFault(pid, cpu, vpn, off, n, false);
  if (!(pmd & P)) return demandHuge(pa) ? 0 : nomem(PMD_PAGES);
  if (!(pmd & MAY)) return -Err.RO;
  if (pmd & W) return 0;
  count(Counter.FAULTS);
  let head = frameOf(pmd);
  let f = head + (vpn & 511);
  if (folioProtected(head)) {
    if (protectedFault(pid, vpn, off, n, f, pmd, head, PMD_PAGES) == WAIT) {
      count(Counter.STALLS);
      waitFor(head, PMD_PAGES);
      return 0;
    }
    if (!splitPmd(pid, vpn >>> 9, cpu)) return nomem(1);
    // The split left this page read-only (the PMD was): not protected, it is
    // handled as a PTE fault (reuse), without counting another fault.
    if (wpcount(f) == 0) return pteFault(pid, cpu, vpn, off, n, true);
    let ea = pteAddr(load<u32>(pa), vpn);
    return cowPte(pid, cpu, vpn, ea, load<u32>(ea), f);
  }
  // A huge PMD is exclusive only if every frame of its folio is.
  if (!(pmd & SHR) && folioShared(head)) {
    if (!splitPmd(pid, vpn >>> 9, cpu)) return nomem(1);
    return pteFault(pid, cpu, vpn, off, n, true);
  }
  store<u32>(pa, (pmd | W) & ~DWP);
  count(Counter.PMD_FLIPS);
  count(Counter.WP_REUSE);
  return 0;
}

function pteFault(pid: u32, cpu: u32, vpn: u32, off: u32, n: u32, counted: bool): i32 {
  let pmd = load<u32>(pmdAddr(pid, vpn));
  if (!(pmd & TBL)) return -Err.NOT_MAPPED;
  let ea = pteAddr(pmd, vpn);
  let e = load<u32>(ea);
  if (!(e & V)) return -Err.NOT_MAPPED;
  if (!(e & P)) return demandPte(ea) ? 0 : nomem(1);
  if (!(e & MAY)) return -Err.RO;
  if (e & W) return 0;
  if (!counted) count(Counter.FAULTS);
  let f = frameOf(e);
  // Protection is the frame's, not the entry's: an entry that was read-only
  // (shared after fork) when the I/O pinned the frame has no DWP to restore.
  if (wpcount(f) > 0) {
    if (protectedFault(pid, vpn, off, n, f, e, f, 1) == WAIT) {
      count(Counter.STALLS);
      waitFor(f, 1);
      return 0;
    }
    return cowPte(pid, cpu, vpn, ea, e, f);
  }
  if (!(e & SHR) && mapcount(f) > 1) return cowPte(pid, cpu, vpn, ea, e, f);
  // Write-notify on a shared page, or reuse of an exclusive anonymous page.
  store<u32>(ea, (e | W) & ~DWP);
  count(Counter.PTE_FLIPS);
  count(Counter.WP_REUSE);
  return 0;
}
