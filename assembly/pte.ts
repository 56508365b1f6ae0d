// Page-table entries and walking them.
//
//  PTE / PMD entry (u32)
//  31                       12 11  8  7   6   5   4   3   2   1   0
// +---------------------------+-----+---+---+---+---+---+---+---+---+
// |   frame (PTE table, folio |  0  |TBL|HUG|DWP|SHR|MAY| W | V | P |
// |   head, or 4 KiB frame)   |     |   |   |   |   |   |   |   |   |
// +---------------------------+-----+---+---+---+---+---+---+---+---+
//
// Per process a PGD of 2048 u32 PMD entries (one per 2 MiB of the 4 GiB
// space) sits in the pgd region; a PMD with TBL points to a frame holding 512
// u32 PTEs, a PMD with HUG maps a 2 MiB folio (frame = its head).
import { frameAddr, mapcount, wpcount } from "./frames";
import { PAGE_SHIFT, PGD_BYTES, PMD_PAGES, pgdBase } from "./layout";

export const P: u32 = 1;
export const V: u32 = 2;
export const W: u32 = 4;
export const MAY: u32 = 8;
export const SHR: u32 = 16;
export const DWP: u32 = 32;
export const HUG: u32 = 64;
export const TBL: u32 = 128;
export const FLAGS: u32 = 0xFFF;

@inline export function frameOf(e: u32): u32 {
  return e >>> PAGE_SHIFT;
}

@inline export function pmdIndex(vpn: u32): u32 {
  return vpn >>> 9;
}

@inline export function pmdAddr(pid: u32, vpn: u32): usize {
  return pgdBase + <usize>pid * PGD_BYTES + (<usize>(vpn >>> 9) << 2);
}

@inline export function pmdAddrByIndex(pid: u32, i: u32): usize {
  return pgdBase + <usize>pid * PGD_BYTES + (<usize>i << 2);
}

/** The PTE slot for `vpn` in the table a TBL PMD points to. */
@inline export function pteAddr(pmd: u32, vpn: u32): usize {
  return frameAddr(frameOf(pmd)) + (<usize>(vpn & 511) << 2);
}

/**
 * The entry that maps `vpn`: its PTE, or its huge PMD. Returns the address of
 * the entry, 0 if nothing maps it (empty PMD).
 */
export function entryAddr(pid: u32, vpn: u32): usize {
  let pa = pmdAddr(pid, vpn);
  let pmd = load<u32>(pa);
  if (pmd & TBL) return pteAddr(pmd, vpn);
  if (pmd & HUG) return pa;
  return 0;
}

/** The frame `e` maps for `vpn` (for a huge PMD: head + subpage). `e` must be present. */
@inline export function frameFor(e: u32, vpn: u32): u32 {
  return (e & HUG) ? frameOf(e) + (vpn & 511) : frameOf(e);
}

/**
 * canWrite (docs/model.md section 2): may this entry be made writable again?
 * For a huge PMD every frame of the folio must qualify.
 */
export function canWrite(e: u32, f: u32): bool {
  if (!(e & MAY)) return false;
  if (e & HUG) {
    let head = frameOf(e);
    for (let i: u32 = 0; i < PMD_PAGES; i++) {
      let g = head + i;
      if (wpcount(g) != 0) return false;
      if (!(e & SHR) && mapcount(g) != 1) return false;
    }
    return true;
  }
  return wpcount(f) == 0 && ((e & SHR) != 0 || mapcount(f) == 1);
}
