// Frames: 4 KiB of real bytes each, and their counts (docs/model.md section
// 2, "Frames"); the allocator that hands them out is alloc.ts.
//
// ╒═══════════ frame meta: 32 bytes per frame, one array per field ═══════════╕
//   metaBase + 0N: refcount u32[N]   | mapcount + 4N: u32[N] | pincount + 8N: u32[N]
//   wpcount + 12N: u32[N]            | next + 16N: u32[N] (the free lists' link)
//   secpins + 20N: u64[N], 8 x u8: in-flight pinned I/O pages per 512 B sector
//   kind + 28N: u8[N] (FrameKind)    | large + 29N: u8[N] (1: part of a 2 MiB folio)
//   (N = MAX_FRAMES; frame f's count at base + 4f)
// └────────────────────────────────────────────────────────────────────────────┘
// A struct of arrays: the counts of consecutive frames (a folio, a buffer
// faulted in in order) are consecutive, so an I/O's protect counts change four
// frames at a time (wpGetList, wpPutList).
import { FrameKind } from "./abi";
import { cfgMaxFrames } from "./config";
import { PAGE_SHIFT, PMD_PAGES, frameBase, frameMetaBase } from "./layout";
import { free4kFrame, top } from "./alloc";

let refBase: usize = 0;
let mapBase: usize = 0;
let pinBase: usize = 0;
let wpBase: usize = 0;
let nextBase: usize = 0;
let secBase: usize = 0;
let kindBase: usize = 0;
let largeBase: usize = 0;

/** Places the meta arrays in the region layout() reserved (sd_reset). */
export function framesReset(): void {
  let n = <usize>cfgMaxFrames;
  refBase = frameMetaBase;
  mapBase = refBase + (n << 2);
  pinBase = mapBase + (n << 2);
  wpBase = pinBase + (n << 2);
  nextBase = wpBase + (n << 2);
  secBase = nextBase + (n << 2);
  kindBase = secBase + (n << 3);
  largeBase = kindBase + n;
}

@inline export function frameAddr(f: u32): usize { return frameBase + (<usize>f << PAGE_SHIFT); }

@inline export function refcount(f: u32): u32 { return load<u32>(refBase + (<usize>f << 2)); }
@inline export function mapcount(f: u32): u32 { return load<u32>(mapBase + (<usize>f << 2)); }
@inline export function pincount(f: u32): u32 { return load<u32>(pinBase + (<usize>f << 2)); }
@inline export function wpcount(f: u32): u32 { return load<u32>(wpBase + (<usize>f << 2)); }
@inline export function kind(f: u32): u32 { return load<u8>(kindBase + <usize>f); }
/**
 * Is `f` a page of a large folio (allocHuge)? It stays one after its PMD is
 * split, as a Linux folio stays large when only its mapping is split; a frame
 * freed on its own (refPut) leaves the folio.
 */
@inline export function folioLarge(f: u32): bool { return load<u8>(largeBase + <usize>f) != 0; }
@inline export function secpins(f: u32): u64 { return load<u64>(secBase + (<usize>f << 3)); }
@inline export function secpin(f: u32, s: u32): u32 { return load<u8>(secBase + (<usize>f << 3) + s); }
/** The next frame on the free list `f` is on (alloc.ts). */
@inline export function nextFree(f: u32): u32 { return load<u32>(nextBase + (<usize>f << 2)); }

@inline function setRef(f: u32, v: u32): void { store<u32>(refBase + (<usize>f << 2), v); }
@inline function setMap(f: u32, v: u32): void { store<u32>(mapBase + (<usize>f << 2), v); }
@inline function setPin(f: u32, v: u32): void { store<u32>(pinBase + (<usize>f << 2), v); }
@inline export function setKind(f: u32, k: u32): void { store<u8>(kindBase + <usize>f, <u8>k); }
@inline export function setNextFree(f: u32, next: u32): void { store<u32>(nextBase + (<usize>f << 2), next); }

/** Frames [f, f+n) as never used: every count 0, kind FREE. */
export function clearMeta(f: u32, n: u32): void {
  let c = <usize>n << 2;
  memory.fill(refBase + (<usize>f << 2), 0, c);
  memory.fill(mapBase + (<usize>f << 2), 0, c);
  memory.fill(pinBase + (<usize>f << 2), 0, c);
  memory.fill(wpBase + (<usize>f << 2), 0, c);
  memory.fill(nextBase + (<usize>f << 2), 0, c);
  memory.fill(secBase + (<usize>f << 3), 0, <usize>n << 3);
  memory.fill(kindBase + <usize>f, <u8>FrameKind.FREE, n);
  memory.fill(largeBase + <usize>f, 0, n);
}

/** Frames [f, f+n) are (1) or are no longer (0) the pages of a large folio. */
export function setFolioLarge(f: u32, n: u32, large: u8): void {
  memory.fill(largeBase + <usize>f, large, n);
}

/** A frame just taken: kind `k`, refcount `ref`, no maps, pins or protect counts. */
export function takeMeta(f: u32, k: u32, ref: u32): void {
  clearMeta(f, 1);
  setRef(f, ref);
  setKind(f, k);
}

/** A new mapping of `f` (a PTE or a PMD subpage). */
@inline export function mapGet(f: u32): void {
  setMap(f, mapcount(f) + 1);
  setRef(f, refcount(f) + 1);
}

/** A pin by an in-flight I/O page covering sectors [s0, s1) of `f`. */
export function pinGet(f: u32, s0: u32, s1: u32): void {
  setPin(f, pincount(f) + 1);
  setRef(f, refcount(f) + 1);
  let m = secBase + (<usize>f << 3);
  for (let s = s0; s < s1; s++) store<u8>(m + s, load<u8>(m + s) + 1);
}

/** Drops a mapping; frees the frame if that was its last reference. */
export function mapPut(f: u32): void {
  assert(mapcount(f) > 0);
  setMap(f, mapcount(f) - 1);
  refPut(f);
}

/** Drops a pin; frees the frame if that was its last reference. */
export function pinPut(f: u32, s0: u32, s1: u32): void {
  assert(pincount(f) > 0);
  setPin(f, pincount(f) - 1);
  let m = secBase + (<usize>f << 3);
  for (let s = s0; s < s1; s++) store<u8>(m + s, load<u8>(m + s) - 1);
  refPut(f);
}

/** Drops one reference (bounce, page table, scratch, or the tail of mapPut/pinPut); at 0 the frame is freed. */
export function refPut(f: u32): void {
  assert(refcount(f) > 0);
  let r = refcount(f) - 1;
  setRef(f, r);
  if (r == 0) free4kFrame(f);
}

/**
 * A PMD mapping of the folio at `head` drops: its frames' map and ref counts
 * (zeroed whole when nothing else holds any of them: the caller frees the
 * folio whole; returns true then).
 */
export function folioMapPut(head: u32): bool {
  let whole = true;
  for (let i: u32 = 0; i < PMD_PAGES; i++) {
    if (refcount(head + i) != 1) { whole = false; break; }
  }
  if (!whole) {
    for (let i: u32 = 0; i < PMD_PAGES; i++) mapPut(head + i);
    return false;
  }
  let c = <usize>PMD_PAGES << 2;
  memory.fill(refBase + (<usize>head << 2), 0, c);
  memory.fill(mapBase + (<usize>head << 2), 0, c);
  memory.fill(pinBase + (<usize>head << 2), 0, c);
  memory.fill(wpBase + (<usize>head << 2), 0, c);
  return true;
}

// An I/O's protect counts. A list of frames that is one run f, f+1, ... (a
// folio, a buffer faulted in in order: `run`) changes four counts per vector
// operation; any other list one count at a time.

/** Is the list of `n` frames at `list` one run f, f+1, ...? (A debug check of `run`.) */
function isRun(list: usize, n: u32): bool {
  for (let k: u32 = 1; k < n; k++) if (load<u32>(list + (<usize>k << 2)) != load<u32>(list) + k) return false;
  return true;
}

/** wpcount++ for each of the `n` frames listed (u32s) at `list`: an in-flight WP I/O covers them. `run`: one run. */
export function wpGetList(list: usize, n: u32, run: bool): void {
  if (!ASC_NO_ASSERT) assert(!run || isRun(list, n));
  let p = list, end = list + (<usize>n << 2);
  if (ASC_FEATURE_SIMD && run) {
    let a = wpBase + (<usize>load<u32>(list) << 2), stop = a + (<usize>(n & ~3) << 2);
    let one = i32x4.splat(1);
    for (; a < stop; a += 16) v128.store(a, i32x4.add(v128.load(a), one));
    p += <usize>(n & ~3) << 2;
  }
  for (; p < end; p += 4) wpGet(load<u32>(p));
}

/**
 * wpcount-- for each of the `n` frames listed at `list`: the I/O no longer
 * covers them. Returns whether every frame listed is now clear: no protect
 * count left and mapped once (so canWrite of an entry mapping it asks only MAY).
 */
export function wpPutList(list: usize, n: u32, run: bool): bool {
  if (!ASC_NO_ASSERT) assert(!run || isRun(list, n));
  let p = list, end = list + (<usize>n << 2);
  let dirty: u32 = 0; // ORed: each frame's wpcount after the put, and mapcount ^ 1
  if (ASC_FEATURE_SIMD && run) {
    let f0 = <usize>load<u32>(list);
    let a = wpBase + (f0 << 2), m = mapBase + (f0 << 2), stop = a + (<usize>(n & ~3) << 2);
    let one = i32x4.splat(1), dirty4 = i32x4.splat(0);
    for (; a < stop; a += 16, m += 16) {
      // The load of mapcount before the store of wpcount: the arrays are a multiple of
      // 4 KiB apart, and a load after a store at the same offset in a page waits for it.
      let m4 = v128.load(m);
      let w4 = v128.load(a);
      assert(i32x4.all_true(w4));
      w4 = i32x4.sub(w4, one);
      dirty4 = v128.or(dirty4, v128.or(w4, v128.xor(m4, one)));
      v128.store(a, w4);
    }
    dirty = <u32>(i32x4.extract_lane(dirty4, 0) | i32x4.extract_lane(dirty4, 1) | i32x4.extract_lane(dirty4, 2) | i32x4.extract_lane(dirty4, 3));
    p += <usize>(n & ~3) << 2;
  }
  for (; p < end; p += 4) dirty |= wpPut(load<u32>(p));
  return dirty == 0;
}

@inline function wpGet(f: u32): void {
  store<u32>(wpBase + (<usize>f << 2), wpcount(f) + 1);
}

/** wpcount-- of one frame; returns the new count ORed with mapcount ^ 1 (0: clear). */
@inline function wpPut(f: u32): u32 {
  let m = mapcount(f), w = wpcount(f);
  assert(w > 0);
  store<u32>(wpBase + (<usize>f << 2), w - 1);
  return (w - 1) | (m ^ 1);
}

/** Is any frame of the folio at `head` mapped more than once (shared copy-on-write after fork)? */
export function folioShared(head: u32): bool {
  for (let i: u32 = 0; i < PMD_PAGES; i++) if (mapcount(head + i) > 1) return true;
  return false;
}

/**
 * folio_maybe_dma_pinned of the large folio at `head`: is any of its pages
 * pinned? For a large folio Linux counts pins per folio (_pincount), mapped
 * by a PMD or split into PTEs alike; a frame that left the folio (freed, then
 * taken again as a 4 KiB frame) is not one of its pages.
 */
export function folioMaybeDmaPinned(head: u32): bool {
  for (let i: u32 = 0; i < PMD_PAGES; i++) if (pincount(head + i) > 0 && folioLarge(head + i)) return true;
  return false;
}

/** Is any frame of the folio at `head` write-protected by an in-flight I/O? */
export function folioProtected(head: u32): bool {
  for (let i: u32 = 0; i < PMD_PAGES; i++) if (wpcount(head + i) > 0) return true;
  return false;
}

@inline export function zeroFrame(f: u32): void {
  memory.fill(frameAddr(f), 0, 4096);
}

@inline export function copyFrame(dst: u32, src: u32): void {
  memory.copy(frameAddr(dst), frameAddr(src), 4096);
}

/** Frames in each state, for sd_frame_stats and the balance checks. */
export function frameStat(k: i32): u32 {
  if (k == FrameKind.TOTAL) return top;
  let n: u32 = 0;
  for (let f: u32 = 0; f < top; f++) {
    if (k == FrameKind.PINNED) { if (pincount(f) > 0) n++; }
    else if (k == FrameKind.MAPPED) { if (mapcount(f) > 0) n++; }
    else if (<i32>kind(f) == k) n++;
  }
  return n;
}
