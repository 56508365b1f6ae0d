// sd_check: the invariants of docs/model.md section 7, recomputed from
// scratch. Slow (it walks every page table, I/O and TLB); for tests and the
// debug build, never the hot path.
//
// Tallies, 16 bytes per frame, just past the last frame handed out (memory
// there is free until the pool grows into it):
//   map u16 +0 | pin u16 +2 | wp u16 +4 | (pad) +6 | secpins 8 x u8 +8
import { FrameKind, Invariant, IoState, Mode } from "./abi";
import { frameAddr, kind, mapcount, pincount, refcount, secpin, wpcount } from "./frames";
import { top } from "./alloc";
import { ioEnd, ioFirst, ioMode, ioRec, ioRecordsConsistent, ioStateOf, nextId, recFrame, recLen, recOff } from "./io";
import { NIL, PMD_COUNT, PMD_PAGES, ensureMemory, setDetail } from "./layout";
import { cfgCpus, cfgTlbEntries } from "./config";
import { changeEnd, changeFirst } from "./mprotect";
import { procAlive, procCount, procHeld } from "./proc";
import { HUG, P, TBL, W, frameOf, pageFrame, pmdAddrAt, pteAddr } from "./pagetable";
import { tlbPeek } from "./tlb";

let tally: usize = 0;

@inline function t(f: u32): usize {
  return tally + (<usize>f << 4);
}

function tallyMap(f: u32, writable: bool): bool {
  store<u16>(t(f), load<u16>(t(f)) + 1);
  return !(writable && wpcount(f) > 0);
}

function walkTables(): i32 {
  for (let pid: u32 = 1; pid <= procCount; pid++) {
    if (!procAlive(pid)) continue;
    for (let i: u32 = 0; i < PMD_COUNT; i++) {
      let e = load<u32>(pmdAddrAt(pid, i));
      if ((e & HUG) && (e & P)) {
        for (let k: u32 = 0; k < PMD_PAGES; k++) {
          if (!tallyMap(frameOf(e) + k, (e & W) != 0)) return Invariant.WRITABLE_PINNED;
        }
      } else if (e & TBL) {
        let base = frameAddr(frameOf(e));
        for (let k: u32 = 0; k < PMD_PAGES; k++) {
          let pte = load<u32>(base + (<usize>k << 2));
          if ((pte & P) && !tallyMap(frameOf(pte), (pte & W) != 0)) {
            setDetail(<f64>pid * 0x100000 + <f64>((i << 9) + k)); // which pid and page
            return Invariant.WRITABLE_PINNED;
          }
        }
      }
    }
  }
  return 0;
}

function walkIos(): i32 {
  if (!ioRecordsConsistent()) return Invariant.IO;
  for (let id: u32 = 1; id < nextId; id++) {
    let st = ioStateOf(id);
    if (st != IoState.SUBMITTED && st != IoState.DMA_DONE) continue;
    let r = ioRec(id);
    let wp = ioMode(r) == Mode.WP;
    for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) {
      let f = recFrame(i);
      if (f == NIL) { if (wp) return Invariant.IO; continue; }
      if (f >= top) return Invariant.IO;
      store<u16>(t(f), load<u16>(t(f), 2) + 1, 2);
      if (wp) store<u16>(t(f), load<u16>(t(f), 4) + 1, 4);
      let off = recOff(i), len = recLen(i);
      for (let s = off >>> 9; s < (off + len) >>> 9; s++) store<u8>(t(f) + s, load<u8>(t(f) + s, 8) + 1, 8);
    }
  }
  return 0;
}

function checkTlbs(): i32 {
  for (let cpu: u32 = 0; cpu < cfgCpus; cpu++) {
    for (let idx: u32 = 0; idx < cfgTlbEntries; idx++) {
      let e = tlbPeek(cpu, idx);
      let value = <u32>(e >>> 32);
      if (!(value & 1)) continue;
      let tag = <u32>e;
      let pid = tag >>> 20, vpn = tag & 0xFFFFF;
      if (pid == 0 || pid > procCount || !procAlive(pid)) return Invariant.TLB;
      let pmd = load<u32>(pmdAddrAt(pid, vpn >>> 9));
      let ent: u32 = pmd;
      if (pmd & TBL) ent = load<u32>(pteAddr(pmd, vpn));
      else if (!(pmd & HUG)) return Invariant.TLB;
      if (!(ent & P)) return Invariant.TLB;
      let f = pageFrame(ent, vpn);
      if ((value >>> 12) != f) return Invariant.TLB;
      // A writable entry of a write-protected page is allowed only inside the change an open
      // submission call holds back (batch.ts): the kernel's window between a PTE change and its flush.
      if ((value & 2) && !(ent & W) && !heldCovers(pid, vpn)) return Invariant.TLB;
    }
  }
  return 0;
}

/** Does the change `pid` holds back for an open submission call cover page `vpn`? */
function heldCovers(pid: u32, vpn: u32): bool {
  let c = procHeld(pid);
  return c != 0 && vpn >= changeFirst(c) && vpn < changeEnd(c);
}

/**
 * 0, or the first invariant that fails (frames ascending, then I/Os, then
 * TLBs); -1 if memory cannot grow to hold the tallies.
 */
export function check(): i32 {
  tally = (frameAddr(top) + 15) & ~15;
  if (!ensureMemory(<u64>tally + (<u64>top << 4))) return -1;
  memory.fill(tally, 0, <usize>top << 4);
  let r = walkTables();
  if (r) return r;
  r = walkIos();
  if (r) return r;
  for (let f: u32 = 0; f < top; f++) {
    setDetail(<f64>f); // which frame, if this one fails
    let k = kind(f);
    let ref = refcount(f), map = mapcount(f), pin = pincount(f);
    if (k == FrameKind.FREE) {
      if (ref != 0 || map != 0 || pin != 0) return Invariant.FREE_LIST;
      continue;
    }
    if (ref == 0) return Invariant.FREE_LIST;
    let extra: u32 = k == FrameKind.USER ? 0 : 1;
    if (ref != map + pin + extra) return Invariant.REFCOUNT;
    if (map != <u32>load<u16>(t(f))) return Invariant.MAPCOUNT;
    if (pin != <u32>load<u16>(t(f), 2)) return Invariant.PINCOUNT;
    if (wpcount(f) != <u32>load<u16>(t(f), 4)) return Invariant.WPCOUNT;
    for (let s: u32 = 0; s < 8; s++) if (secpin(f, s) != <u32>load<u8>(t(f) + s, 8)) return Invariant.SECTOR_PINS;
  }
  setDetail(0);
  return checkTlbs();
}

/** The message the debug build stops with when invariant `c` fails. */
export function invariantName(c: i32): string {
  switch (c) {
    case Invariant.REFCOUNT: return "invariant REFCOUNT failed (see sd_err_detail for the frame)";
    case Invariant.MAPCOUNT: return "invariant MAPCOUNT failed";
    case Invariant.PINCOUNT: return "invariant PINCOUNT failed";
    case Invariant.WRITABLE_PINNED: return "invariant WRITABLE_PINNED failed";
    case Invariant.WPCOUNT: return "invariant WPCOUNT failed";
    case Invariant.FREE_LIST: return "invariant FREE_LIST failed";
    case Invariant.SECTOR_PINS: return "invariant SECTOR_PINS failed";
    case Invariant.TLB: return "invariant TLB failed";
    default: return "invariant IO failed";
  }
}
