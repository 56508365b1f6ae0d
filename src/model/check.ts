// sd_check (docs/model.md section 7): recount everything from the page tables
// and the in-flight I/Os and compare. Frames ascending, then I/Os, then TLBs.
import { FrameKind, Invariant, Mode, ProcFlag } from "../../assembly/abi.js";
import { FOLIO } from "./frames.js";
import { frameOf, HUG, P, pageFrame, slotOf, TBL, V, W } from "./pagetable.js";
import type { State } from "./state.js";

export function check(st: State): number {
  const frames = st.pool.frames;
  const n = frames.length;
  const map = new Int32Array(n);
  const pin = new Int32Array(n);
  const wp = new Int32Array(n);
  const sec = new Int32Array(n * 8);
  const owned = new Uint8Array(n); // 1: a bounce, PTE table or scratch frame holds a reference
  const free = new Uint8Array(n);
  const writable = new Uint8Array(n); // mapped with W in some live process
  for (const f of st.pool.free4k) free[f]++;
  for (const h of st.pool.freeFolios) for (let i = 0; i < FOLIO; i++) free[h + i]++;

  for (const p of st.procs) {
    if (p.flags & ProcFlag.DEAD) continue;
    for (let i = 0; i < p.pmd.length; i++) {
      const pmd = p.pmd[i];
      if (pmd === 0) continue;
      if (pmd & HUG) {
        if (pmd & P) {
          for (let k = 0; k < FOLIO; k++) {
            map[frameOf(pmd) + k]++;
            if (pmd & W) writable[frameOf(pmd) + k] = 1;
          }
        }
      } else if (pmd & TBL) {
        const t = frameOf(pmd);
        if (frames[t].kind !== FrameKind.PGTABLE) return -Invariant.REFCOUNT;
        owned[t]++;
        for (const e of frames[t].ptes) {
          if (e === 0 || !(e & V && e & P)) continue;
          map[frameOf(e)]++;
          if (e & W) writable[frameOf(e)] = 1;
        }
      }
    }
  }
  for (const io of st.ios.values()) {
    for (const r of io.pages) {
      if (r.frame >= 0) {
        pin[r.frame]++;
        if (io.mode === Mode.WP) wp[r.frame]++;
        for (let k = Math.floor(r.off / 512); k < Math.ceil((r.off + r.len) / 512); k++) sec[r.frame * 8 + k]++;
      }
      if (r.bounce >= 0) owned[r.bounce]++;
      if (r.scratch >= 0) owned[r.scratch]++;
    }
  }

  for (let f = 0; f < n; f++) {
    const fr = frames[f];
    if (free[f] > 1) return -Invariant.FREE_LIST;
    if (free[f] === 1) {
      if (fr.ref || fr.map || fr.pin || fr.wp || fr.kind !== FrameKind.FREE) return -Invariant.FREE_LIST;
      // A free frame that a page table, an I/O or a bounce/scratch record still names: use after free.
      if (map[f] || pin[f] || owned[f]) return -Invariant.FREE_LIST;
      continue;
    }
    if (fr.ref === 0 || fr.kind === FrameKind.FREE) return -Invariant.FREE_LIST;
    if (fr.ref !== fr.map + fr.pin + owned[f]) return -Invariant.REFCOUNT;
    if (fr.map !== map[f]) return -Invariant.MAPCOUNT;
    if (fr.pin !== pin[f]) return -Invariant.PINCOUNT;
    if (fr.wp !== wp[f]) return -Invariant.WPCOUNT;
    for (let k = 0; k < 8; k++) if (fr.secpins[k] !== sec[f * 8 + k]) return -Invariant.SECTOR_PINS;
    if (fr.wp > 0 && writable[f]) return -Invariant.WRITABLE_PINNED;
    // Only process memory is mapped or pinned: never a PTE table, a bounce or a scratch frame.
    if (fr.kind !== FrameKind.USER && fr.map > 0) return -Invariant.MAPCOUNT;
    if (fr.kind !== FrameKind.USER && fr.pin > 0) return -Invariant.PINCOUNT;
    const ownerKind = fr.kind === FrameKind.BOUNCE || fr.kind === FrameKind.PGTABLE || fr.kind === FrameKind.SCRATCH;
    if (ownerKind !== (owned[f] === 1) || owned[f] > 1) return -Invariant.REFCOUNT;
  }

  let pages = 0;
  for (const io of st.ios.values()) pages += io.pages.length;
  if (pages !== st.ioPagesUsed) return -Invariant.IO;

  for (let c = 0; c < st.tlb.cpu.length; c++) {
    for (const t of st.tlb.cpu[c]) {
      if (!t) continue;
      const p = st.procs[t.pid - 1];
      if (!p || p.flags & ProcFlag.DEAD) return -Invariant.TLB;
      const s = slotOf(st, p, t.vpn);
      if (!(s.e & P) || pageFrame(s, t.vpn) !== t.frame) return -Invariant.TLB;
      // A writable entry of a write-protected page is allowed only inside the change an open submission call
      // holds back (section 12): the kernel's window between a PTE change and its flush.
      const held = p.held?.change;
      if (t.w && !(s.e & W) && !(held && held.first <= t.vpn && t.vpn < held.end)) return -Invariant.TLB;
    }
  }
  return 0;
}
