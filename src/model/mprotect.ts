// Changing write permission over a range of pages: the kernel's
// change_protection -> change_pte_range / change_huge_pmd, as
// assembly/mprotect.ts. An I/O's write-protect takes W off and sets DWP; its
// restore does the reverse. The TLB flush is the caller's, once for
// everything it changed (flushChange).
import { Counter } from "../../assembly/abi.js";
import { FOLIO } from "./frames.js";
import { DWP, entry, frameOf, HUG, TBL, W } from "./pagetable.js";
import type { Proc, State } from "./state.js";
import { batchHold } from "./batch.js";
import { flushTlbMmRange } from "./tlb.js";

/**
 * What changeProtection did: the pages it changed, [first, end) (a huge PMD
 * counts as its 512); end 0: nothing. The flips are counted where they happen.
 */
export interface Change {
  readonly first: number;
  readonly end: number;
}

export const NO_CHANGE: Change = { first: 0, end: 0 };

/** Both changes, as one (for one flush over both). */
export function changeJoin(a: Change, b: Change): Change {
  if (!a.end) return b;
  if (!b.end) return a;
  return { first: Math.min(a.first, b.first), end: Math.max(a.end, b.end) };
}

/**
 * One shootdown over what `c` changed in `pid`'s table, from `cpu`; none if
 * nothing changed. An open submission call or reap holds it back (batch.ts).
 */
export function flushChange(st: State, pid: number, cpu: number, c: Change): void {
  if (c.end && !batchHold(st, pid, cpu, c)) flushTlbMmRange(st, pid, cpu, c.first, c.end - c.first);
}

/**
 * change_protection over pages [v0, v1] of `p`: `newprot` DWP write-protects
 * every writable entry (W off, DWP on); W makes every DWP entry writable
 * again (the caller checked that each may be: canWrite, and it still maps the
 * frame its I/O pinned). A huge PMD is one entry for its 512 pages.
 */
export function changeProtection(st: State, p: Proc, v0: number, v1: number, newprot: number): Change {
  const from = newprot === DWP ? W : DWP;
  let first = 0;
  let end = 0;
  for (let v = v0; v <= v1; ) {
    const i = v >>> 9;
    const stop = Math.min(v1, i * FOLIO + FOLIO - 1);
    const pmd = p.pmd[i];
    if (pmd & HUG) {
      if (pmd & from) {
        // change_huge_pmd
        p.pmd[i] = entry(frameOf(pmd), ((pmd & 0xfff) & ~from) | newprot);
        st.c[Counter.PMD_FLIPS]++;
        if (!end) first = i * FOLIO;
        end = i * FOLIO + FOLIO;
      }
    } else if (pmd & TBL) {
      // change_pte_range
      const ptes = st.pool.frames[frameOf(pmd)].ptes;
      for (let vpn = v; vpn <= stop; vpn++) {
        const e = ptes[vpn & 511];
        if (!(e & from)) continue;
        ptes[vpn & 511] = entry(frameOf(e), ((e & 0xfff) & ~from) | newprot);
        st.c[Counter.PTE_FLIPS]++;
        if (!end) first = vpn;
        end = vpn + 1;
      }
    }
    v = stop + 1;
  }
  return end ? { first, end } : NO_CHANGE;
}
