// One MAP_SHARED frame mapped at two addresses (a memfd or System V segment
// mapped twice, or by two processes not related by fork): sd_map_alias, and
// the reverse-map walk that finds those mappings when an I/O write-protects
// or restores the frame (docs/model.md 6.4a, 6.7 step 4, 6.10 step 3).
// Linux's folio_mkclean walks the rmap of a shared folio (rmap_walk ->
// page_mkclean_one over every VM_SHARED vma of its address_space's i_mmap)
// and write-protects each PTE that maps it. The model keeps the shared
// mappings it was told of as alias records, and walks addresses: from a page,
// every address an alias record translates it to (and back, transitively);
// at each, every live process's entry that maps the very frame. A fork's
// copies sit at the same address and are wp.ts's sharers.
//
// ╒═══ alias record (16 B), MAX_ALIASES of them ═══╕
//   +0 vpn u32: the alias's first page | +4 npages u32 | +8 src u32: the first page it maps the frames of
// └─────────────────────────────────────────────────┘  (a page v of one side is page v - vpn + src, or back)
import { Counter, Err, MAX_ALIASES } from "./abi";
import { allocPteTables, anyMapped } from "./mmap";
import { count } from "./counters";
import { mapGet, wpcount } from "./frames";
import { ioCpu, ioEnd, ioFirst, recFrame, recVpn } from "./io";
import { setDetail } from "./layout";
import { NO_CHANGE, changeJoin, changeProtection, flushChange } from "./mprotect";
import {
  DWP, HUG, MAY, P, SHR, TBL, V, W, canWrite, entry, entryAddr, frameOf, pageFrame, pmdAddrAt, pteAddr,
} from "./pagetable";
import { procAlive, procCount, procExists } from "./proc";

const ALIASES: usize = memory.data(MAX_ALIASES * 16, 16);
/** The addresses one page reaches through the alias records: itself first. */
const REACHED: usize = memory.data((2 * MAX_ALIASES + 1) * 4, 16);

/** Alias records made since the reset: while 0, nothing here runs. */
export let aliasCount: u32 = 0;

export function rmapReset(): void {
  aliasCount = 0;
}

@inline function aliasVpn(a: u32): u32 { return load<u32>(ALIASES + (<usize>a << 4)); }
@inline function aliasPages(a: u32): u32 { return load<u32>(ALIASES + (<usize>a << 4), 4); }
@inline function aliasSrc(a: u32): u32 { return load<u32>(ALIASES + (<usize>a << 4), 8); }

/** Is every page of [v0, v0+n) of `pid` mapped by a present MAP_SHARED PTE? NOT_MAPPED or INVAL otherwise. */
export function sharedSource(pid: u32, v0: u32, n: u32): i32 {
  for (let v = v0; v < v0 + n; v++) {
    let pmd = load<u32>(pmdAddrAt(pid, v >>> 9));
    let e = (pmd & TBL) ? load<u32>(pteAddr(pmd, v)) : pmd;
    if (!(e & V)) return -Err.NOT_MAPPED;
  }
  for (let v = v0; v < v0 + n; v++) {
    let pmd = load<u32>(pmdAddrAt(pid, v >>> 9));
    if (pmd & HUG) return -Err.INVAL;
    let e = load<u32>(pteAddr(pmd, v));
    if ((e & (P | SHR)) != (P | SHR)) return -Err.INVAL;
  }
  return 0;
}

/**
 * 6.4a, sd_map_alias: [va, va+len) of `pid` maps the frames that
 * [srcVa, srcVa+len) of `srcPid` maps (present MAP_SHARED PTEs), MAP_SHARED
 * with the source's write permission: W where no in-flight WP I/O protects
 * the frame, DWP where one does. No flips counted, no shootdown (new entries).
 */
export function doMmapAlias(pid: u32, va: u32, len: u32, srcPid: u32, srcVa: u32): i32 {
  if (!procExists(pid) || !procExists(srcPid)) return -Err.NO_PROC;
  if (!procAlive(pid) || !procAlive(srcPid)) return -Err.DEAD;
  if (len == 0) return -Err.INVAL;
  if (((va | len | srcVa) & 4095) != 0) return -Err.ALIGN;
  if (<u64>va + <u64>len > 0x1_0000_0000 || <u64>srcVa + <u64>len > 0x1_0000_0000) return -Err.RANGE;
  let v0 = va >>> 12, s0 = srcVa >>> 12, n = len >>> 12;
  if (anyMapped(pid, v0, v0 + n - 1)) return -Err.MAPPED;
  let src = sharedSource(srcPid, s0, n);
  if (src < 0) return src;
  if (aliasCount >= <u32>MAX_ALIASES) { setDetail(<f64>MAX_ALIASES); return -Err.LIMIT; }
  if (!allocPteTables(pid, v0 >>> 9, (v0 + n - 1) >>> 9)) return -Err.NOMEM;
  for (let k: u32 = 0; k < n; k++) {
    let e = load<u32>(entryAddr(srcPid, s0 + k));
    let f = frameOf(e);
    let bits = P | V | SHR | (e & MAY);
    if (e & MAY) bits |= wpcount(f) > 0 ? DWP : W;
    mapGet(f);
    store<u32>(entryAddr(pid, v0 + k), entry(f, bits));
  }
  let a = ALIASES + (<usize>aliasCount << 4);
  aliasCount++;
  store<u32>(a, v0);
  store<u32>(a, n, 4);
  store<u32>(a, s0, 8);
  return 0;
}

/** Adds `v` to the `n` reached addresses unless it is there; returns the new count. */
@inline function reach(v: u32, n: u32): u32 {
  for (let i: u32 = 0; i < n; i++) if (load<u32>(REACHED + (<usize>i << 2)) == v) return n;
  store<u32>(REACHED + (<usize>n << 2), v);
  return n + 1;
}

/** Every address page `v` reaches through the alias records, both ways, transitively, into REACHED ([0] = v); the count. */
function reached(v: u32): u32 {
  store<u32>(REACHED, v);
  let n: u32 = 1;
  for (let i: u32 = 0; i < n; i++) {
    let u = load<u32>(REACHED + (<usize>i << 2));
    for (let a: u32 = 0; a < aliasCount; a++) {
      let d = aliasVpn(a), s = aliasSrc(a), k = aliasPages(a);
      if (u - d < k) n = reach(s + (u - d), n);
      if (u - s < k) n = reach(d + (u - s), n);
    }
  }
  return n;
}

/**
 * The rmap walk of 6.7 step 4 and 6.10 step 3 for I/O `r`: at every address
 * other than its own that one of its pages reaches through the alias records,
 * each live process ascending (the submitter too) whose entry there maps the
 * pinned frame, is present and MAP_SHARED, and has W (protect: `restore`
 * false) or DWP and passes canWrite (restore) gets the change; one shootdown
 * per process, from the submitter's CPU. A process where the walk finds such
 * a mapping is a page-table walk of its own (WP_WALKS), as wp.ts's sharers.
 */
export function rmapWalk(r: usize, restore: bool): void {
  for (let q: u32 = 1; q <= procCount; q++) {
    if (!procAlive(q)) continue;
    let c = NO_CHANGE;
    let found = false;
    for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) {
      let f = recFrame(i);
      let n = reached(recVpn(i));
      for (let j: u32 = 1; j < n; j++) {
        let u = load<u32>(REACHED + (<usize>j << 2));
        let ea = entryAddr(q, u);
        if (!ea) continue;
        let e = load<u32>(ea);
        // Aliases are PTEs (sd_map_alias maps no PMD), and so are their forks' copies.
        if ((e & (P | SHR | HUG)) != (P | SHR) || pageFrame(e, u) != f) continue;
        found = true;
        if (restore ? !(e & DWP) || !canWrite(e, f) : !(e & W)) continue;
        c = changeJoin(c, changeProtection(q, u, u, restore ? W : DWP));
      }
    }
    if (found) count(Counter.WP_WALKS);
    flushChange(q, ioCpu(r), c);
  }
}
