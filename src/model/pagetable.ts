// Page tables (docs/model.md sections 2 and 6.8), as assembly/pagetable.ts:
// entries, finding the entry that maps a page (a slot), canWrite, and
// splitting a huge PMD into a PTE table.
import { Counter, Err, FrameKind } from "../../assembly/abi.js";
import { FOLIO, type Frame, PAGE, zeroFrame } from "./frames.js";
import type { Proc, State } from "./state.js";
import { flushTlbMmRange } from "./tlb.js";

// Entry bits.
export const P = 1; // present: the frame number is valid
export const V = 2; // mapped: a VMA covers it
export const W = 4; // writable (hardware bit)
export const MAY = 8; // VM_WRITE
export const SHR = 16; // MAP_SHARED
export const DWP = 32; // write-protected for direct I/O
export const HUG = 64; // PMD only: maps a 2 MiB folio
export const TBL = 128; // PMD only: points to a PTE table

export function entry(frame: number, bits: number): number {
  return frame * PAGE + bits;
}

export function frameOf(e: number): number {
  return e >>> 12;
}

/** The entry that maps `vpn`: a PTE, or a huge PMD (huge = true), or 0. */
export interface Slot {
  e: number;
  huge: boolean;
}

export function slotOf(st: State, p: Proc, vpn: number): Slot {
  const pmd = p.pmd[vpn >>> 9];
  if (pmd & HUG) return { e: pmd, huge: true };
  if (pmd & TBL) return { e: st.pool.frames[frameOf(pmd)].ptes[vpn & 511], huge: false };
  return { e: 0, huge: false };
}

/** Writes the entry that maps `vpn` (the PTE, or the whole huge PMD). */
export function setSlot(st: State, p: Proc, vpn: number, e: number): void {
  const i = vpn >>> 9;
  const pmd = p.pmd[i];
  if (pmd & HUG) p.pmd[i] = e;
  else st.pool.frames[frameOf(pmd)].ptes[vpn & 511] = e;
}

/** The 4 KiB frame a present slot maps at `vpn`. */
export function pageFrame(s: Slot, vpn: number): number {
  return frameOf(s.e) + (s.huge ? vpn & 511 : 0);
}

/** canWrite (section 2): may the PTE `e` mapping frame `f` be made writable again? */
export function canWrite(e: number, f: Frame): boolean {
  return (e & MAY) !== 0 && f.wp === 0 && ((e & SHR) !== 0 || f.map === 1);
}

/** canWrite for a huge PMD: the frame conditions hold for all 512 frames. */
export function canWritePmd(st: State, e: number): boolean {
  const head = frameOf(e);
  for (let i = 0; i < FOLIO; i++) if (!canWrite(e, st.pool.frames[head + i])) return false;
  return true;
}

/** A zeroed PTE table frame (its one reference is its PMD), or -1. */
export function allocTable(st: State): number {
  const t = st.pool.alloc4k(FrameKind.PGTABLE, 1);
  if (t >= 0) zeroFrame(st, t);
  return t;
}

/**
 * 6.8, __split_huge_pmd_locked: the present huge PMD `pmdi` of `p` becomes a
 * PTE table from `cpu`; subpages keep the PMD's W (a write-protected PMD
 * leaves 512 read-only PTEs), DWP only where an I/O is in flight on the frame.
 */
export function splitHugePmd(st: State, p: Proc, pmdi: number, cpu: number): number {
  const t = allocTable(st);
  if (t < 0) return st.fail(Err.NOMEM, 1);
  const tf = st.pool.frames[t];
  const e = p.pmd[pmdi];
  const head = frameOf(e);
  for (let i = 0; i < FOLIO; i++) {
    const f = st.pool.frames[head + i];
    // The PMD's write permission (__split_huge_pmd_locked: write = pmd_write(old_pmd)).
    let bits = P | V | (e & (MAY | SHR | W));
    if (f.wp > 0) bits |= DWP;
    tf.ptes[i] = entry(head + i, bits);
  }
  p.pmd[pmdi] = entry(t, TBL);
  st.c[Counter.PMD_SPLITS]++;
  flushTlbMmRange(st, p.pid, cpu, pmdi * FOLIO, FOLIO);
  return 0;
}

/**
 * A huge PMD that is mapped but not present, unmapped in part: nothing is
 * mapped yet (no frames, no TLB entries), so only its V bits move into a
 * PTE table. Not a split of a folio: no PMD_SPLITS, no shootdown.
 */
export function splitEmptyPmd(st: State, p: Proc, pmdi: number): number {
  const t = allocTable(st);
  if (t < 0) return st.fail(Err.NOMEM, 1);
  const tf = st.pool.frames[t];
  const bits = V | (p.pmd[pmdi] & (MAY | SHR));
  for (let i = 0; i < FOLIO; i++) tf.ptes[i] = bits;
  p.pmd[pmdi] = entry(t, TBL);
  return 0;
}
