// PMD and PTE entries (docs/model.md section 2), canWrite, the PMD split
// (6.8), the demand fault (6.6 step 1) and the page copy shared by the COW
// fault and the unshare before a pin (6.6 step 5, 6.7 step 2).
import { Counter, Err, FrameKind } from "../../assembly/abi.js";
import { FOLIO, PAGE, type Frame } from "./frames.js";
import type { Proc, State } from "./state.js";
import { shootdown } from "./tlb.js";

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

export function canWrite(e: number, f: Frame): boolean {
  return (e & MAY) !== 0 && f.wp === 0 && ((e & SHR) !== 0 || f.map === 1);
}

/** canWrite for a huge PMD: the frame conditions hold for all 512 frames. */
export function canWritePmd(st: State, e: number): boolean {
  const head = frameOf(e);
  for (let i = 0; i < FOLIO; i++) if (!canWrite(e, st.pool.frames[head + i])) return false;
  return true;
}

export function folioAny(st: State, head: number, pred: (f: Frame) => boolean): boolean {
  for (let i = 0; i < FOLIO; i++) if (pred(st.pool.frames[head + i])) return true;
  return false;
}

/** 6.8: split a present huge PMD into a PTE table, from `cpu`; subpages keep the PMD's W. */
export function split(st: State, p: Proc, pmdi: number, cpu: number): number {
  const t = st.pool.alloc4k(FrameKind.PGTABLE, true);
  if (t < 0) return st.fail(Err.NOMEM, 1);
  const tf = st.pool.frames[t];
  tf.ref = 1;
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
  shootdown(st, p.pid, cpu, pmdi * FOLIO, FOLIO);
  return 0;
}

/**
 * A huge PMD that is mapped but not present, unmapped in part: nothing is
 * mapped yet (no frames, no TLB entries), so only its V bits move into a
 * PTE table. Not a split of a folio: no PMD_SPLITS, no shootdown.
 */
export function splitUnpopulated(st: State, p: Proc, pmdi: number): number {
  const t = st.pool.alloc4k(FrameKind.PGTABLE, true);
  if (t < 0) return st.fail(Err.NOMEM, 1);
  const tf = st.pool.frames[t];
  tf.ref = 1;
  const bits = V | (p.pmd[pmdi] & (MAY | SHR));
  for (let i = 0; i < FOLIO; i++) tf.ptes[i] = bits;
  p.pmd[pmdi] = entry(t, TBL);
  return 0;
}

/** 6.6 step 1: a mapped, not present page gets a zeroed frame (a folio for a huge PMD). */
export function demandFault(st: State, p: Proc, vpn: number): number {
  const s = slotOf(st, p, vpn);
  const w = s.e & MAY ? W : 0;
  if (s.huge) {
    const head = st.pool.allocHuge();
    if (head < 0) return st.fail(Err.NOMEM, FOLIO);
    for (let i = 0; i < FOLIO; i++) {
      const f = st.pool.frames[head + i];
      f.map = 1;
      f.ref = 1;
    }
    p.pmd[vpn >>> 9] = entry(head, (s.e & 0xfff) | P | w);
  } else {
    const f = st.pool.alloc4k(FrameKind.USER, true);
    if (f < 0) return st.fail(Err.NOMEM, 1);
    const fr = st.pool.frames[f];
    fr.map = 1;
    fr.ref = 1;
    setSlot(st, p, vpn, entry(f, (s.e & 0xfff) | P | w));
  }
  st.c[Counter.DEMAND_FAULTS]++;
  return 0;
}

/**
 * 6.6 step 5: the PTE at `vpn` moves to a copy of its frame, present, W if
 * MAY and `mkwrite`, without DWP. The old frame loses the mapping (an in-flight
 * I/O keeps its pin and the original bytes). One shootdown of the page from
 * `cpu`. 6.7 step 2: a WRITE's unshare copy is read-only (FAULT_FLAG_UNSHARE).
 */
export function copyPage(st: State, p: Proc, vpn: number, cpu: number, unshare: boolean, mkwrite: boolean): number {
  const s = slotOf(st, p, vpn);
  const old = frameOf(s.e);
  const nf = st.pool.alloc4k(FrameKind.USER, false);
  if (nf < 0) return st.fail(Err.NOMEM, 1);
  const n = st.pool.frames[nf];
  n.bytes.set(st.pool.frames[old].bytes);
  n.map = 1;
  n.ref = 1;
  const bits = (s.e & (V | MAY | SHR)) | P | (mkwrite && s.e & MAY ? W : 0);
  setSlot(st, p, vpn, entry(nf, bits));
  const of = st.pool.frames[old];
  of.map--;
  st.pool.put(old);
  if (unshare) {
    st.c[Counter.UNSHARE_COPIES]++;
    st.c[Counter.BYTES_UNSHARE] += PAGE;
  } else {
    st.c[Counter.COW_COPIES]++;
    st.c[Counter.BYTES_COW] += PAGE;
  }
  st.c[Counter.BYTES_COPIED] += PAGE;
  st.c[Counter.PTE_FLIPS]++;
  shootdown(st, p.pid, cpu, vpn, 1);
  return 0;
}
