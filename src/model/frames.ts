// Frames: 4 KiB of real bytes each, and their counts (docs/model.md section
// 2, "Frames"), as assembly/frames.ts; the allocator that hands them out is
// alloc.ts.
import { FrameKind } from "../../assembly/abi.js";
import type { State } from "./state.js";

export const PAGE = 4096;
export const FOLIO = 512; // frames per 2 MiB folio

export class Frame {
  ref = 0;
  map = 0;
  pin = 0;
  wp = 0;
  secpins = new Uint8Array(8);
  kind: number = FrameKind.FREE;
  /** A page of a large folio (allocHuge): it stays one after a PMD split; freed on its own, it leaves the folio. */
  large = false;
  readonly bytes = new Uint8Array(PAGE);
  /** PTE-table view of the bytes: 512 u32 entries. */
  readonly ptes = new Uint32Array(this.bytes.buffer, 0, 512);
}

/** A new mapping of `f` (a PTE or a PMD subpage). */
export function mapGet(st: State, f: number): void {
  st.pool.frames[f].map++;
  st.pool.frames[f].ref++;
}

/** A pin by an in-flight I/O page covering sectors [s0, s1) of `f`. */
export function pinGet(st: State, f: number, s0: number, s1: number): void {
  const fr = st.pool.frames[f];
  fr.pin++;
  fr.ref++;
  for (let k = s0; k < s1; k++) fr.secpins[k]++;
}

/** Drops a mapping; frees the frame if that was its last reference. */
export function mapPut(st: State, f: number): void {
  st.pool.frames[f].map--;
  refPut(st, f);
}

/** Drops a pin; frees the frame if that was its last reference. */
export function pinPut(st: State, f: number, s0: number, s1: number): void {
  const fr = st.pool.frames[f];
  fr.pin--;
  for (let k = s0; k < s1; k++) fr.secpins[k]--;
  refPut(st, f);
}

/** Drops one reference (bounce, page table, scratch, or the tail of mapPut/pinPut); at 0 the frame is freed. */
export function refPut(st: State, f: number): void {
  if (--st.pool.frames[f].ref === 0) st.pool.free4kFrame(f);
}

export function zeroFrame(st: State, f: number): void {
  st.pool.frames[f].bytes.fill(0);
}

/** Is any frame of the folio at `head` mapped more than once (shared copy-on-write after fork)? */
export function folioShared(st: State, head: number): boolean {
  for (let i = 0; i < FOLIO; i++) if (st.pool.frames[head + i].map > 1) return true;
  return false;
}

/**
 * folio_maybe_dma_pinned of the large folio at `head`: is any of its pages
 * pinned (mapped by a PMD or split into PTEs alike)? A frame that left the
 * folio is not one of its pages.
 */
export function folioMaybeDmaPinned(st: State, head: number): boolean {
  for (let i = 0; i < FOLIO; i++) {
    const f = st.pool.frames[head + i];
    if (f && f.pin > 0 && f.large) return true;
  }
  return false;
}

/** Is any frame of the folio at `head` write-protected by an in-flight I/O? */
export function folioProtected(st: State, head: number): boolean {
  for (let i = 0; i < FOLIO; i++) if (st.pool.frames[head + i].wp > 0) return true;
  return false;
}
