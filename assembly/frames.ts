// The frame pool: 4 KiB frames of real bytes, their counts, and the exact
// allocator of docs/model.md section 2 (huge allocations depend on it).
//
// Frame meta, 32 bytes per frame:
//   ┌──────────┬──────────┬──────────┬──────────┬─────────────────────┬──────┬──────────┐
//   │ refcount │ mapcount │ pincount │ wpcount  │ secpins: 8 x u8     │ kind │ next     │
//   │ u32  +0  │ u32  +4  │ u32  +8  │ u32 +12  │ +16 (one per sector)│ u8+24│ u32 +28  │
//   └──────────┴──────────┴──────────┴──────────┴─────────────────────┴──────┴──────────┘
// `next` links a free frame into the 4 KiB list, or a free folio's head into
// the folio list. Free lists are LIFO, as the spec says.
import { Counter, FrameKind } from "./abi";
import { countN } from "./counters";
import { NIL, PAGE_SHIFT, PMD_PAGES, ensureMemory, frameBase, frameMetaBase, setDetail } from "./layout";
import { cfgMaxFrames } from "./config";

const M_REF: usize = 0;
const M_MAP: usize = 4;
const M_PIN: usize = 8;
const M_WP: usize = 12;
const M_SEC: usize = 16;
const M_KIND: usize = 24;
const M_NEXT: usize = 28;

export let top: u32 = 0;
let free4k: u32 = NIL;
let free4kCount: u32 = 0;
let freeHuge: u32 = NIL;
let freeHugeCount: u32 = 0;

@inline export function meta(f: u32): usize {
  return frameMetaBase + (<usize>f << 5);
}

@inline export function frameAddr(f: u32): usize {
  return frameBase + (<usize>f << PAGE_SHIFT);
}

@inline export function refcount(f: u32): u32 { return load<u32>(meta(f), M_REF); }
@inline export function mapcount(f: u32): u32 { return load<u32>(meta(f), M_MAP); }
@inline export function pincount(f: u32): u32 { return load<u32>(meta(f), M_PIN); }
@inline export function wpcount(f: u32): u32 { return load<u32>(meta(f), M_WP); }
@inline export function kind(f: u32): u32 { return load<u8>(meta(f), M_KIND); }
@inline export function secpins(f: u32): u64 { return load<u64>(meta(f), M_SEC); }
@inline export function secpin(f: u32, s: u32): u32 { return load<u8>(meta(f) + s, M_SEC); }

/**
 * An in-flight WP I/O covers each of the `n` frames listed (u32s) at `list`:
 * wpcount++ (protect), or no longer does: wpcount-- (restore). wpPutList
 * returns whether every frame listed is now clear: no protect count left and
 * mapped once (so canWrite of an entry mapping it asks only MAY).
 */
export function wpGetList(list: usize, n: u32): void {
  let mb = frameMetaBase;
  for (let p = list, end = list + (<usize>n << 2); p < end; p += 4) {
    let m = mb + (<usize>load<u32>(p) << 5);
    store<u32>(m, load<u32>(m, M_WP) + 1, M_WP);
  }
}

export function wpPutList(list: usize, n: u32): bool {
  let mb = frameMetaBase;
  let dirty: u32 = 0; // ORed: each frame's wpcount after the put, and mapcount ^ 1
  for (let p = list, end = list + (<usize>n << 2); p < end; p += 4) {
    let m = mb + (<usize>load<u32>(p) << 5);
    let w = load<u32>(m, M_WP);
    assert(w > 0);
    store<u32>(m, w - 1, M_WP);
    dirty |= (w - 1) | (load<u32>(m, M_MAP) ^ 1);
  }
  return dirty == 0;
}

/** Is any frame of the folio at `head` mapped more than once (shared copy-on-write after fork)? */
export function folioShared(head: u32): bool {
  for (let i: u32 = 0; i < PMD_PAGES; i++) if (mapcount(head + i) > 1) return true;
  return false;
}

/** Is any frame of the folio at `head` pinned (folio_maybe_dma_pinned)? */
export function folioPinned(head: u32): bool {
  for (let i: u32 = 0; i < PMD_PAGES; i++) if (pincount(head + i) > 0) return true;
  return false;
}

/** Is any frame of the folio at `head` write-protected by an in-flight I/O? */
export function folioProtected(head: u32): bool {
  for (let i: u32 = 0; i < PMD_PAGES; i++) if (wpcount(head + i) > 0) return true;
  return false;
}

/** A new mapping of `f` (a PTE or a PMD subpage). */
@inline export function mapGet(f: u32): void {
  let m = meta(f);
  store<u32>(m, load<u32>(m, M_MAP) + 1, M_MAP);
  store<u32>(m, load<u32>(m, M_REF) + 1, M_REF);
}

/** A pin by an in-flight I/O page covering sectors [s0, s1) of `f`. */
export function pinGet(f: u32, s0: u32, s1: u32): void {
  let m = meta(f);
  store<u32>(m, load<u32>(m, M_PIN) + 1, M_PIN);
  store<u32>(m, load<u32>(m, M_REF) + 1, M_REF);
  for (let s = s0; s < s1; s++) store<u8>(m + s, load<u8>(m + s, M_SEC) + 1, M_SEC);
}

/** Drops a mapping; frees the frame if that was its last reference. */
export function mapPut(f: u32): void {
  let m = meta(f);
  assert(load<u32>(m, M_MAP) > 0);
  store<u32>(m, load<u32>(m, M_MAP) - 1, M_MAP);
  refPut(f);
}

/** Drops a pin; frees the frame if that was its last reference. */
export function pinPut(f: u32, s0: u32, s1: u32): void {
  let m = meta(f);
  assert(load<u32>(m, M_PIN) > 0);
  store<u32>(m, load<u32>(m, M_PIN) - 1, M_PIN);
  for (let s = s0; s < s1; s++) store<u8>(m + s, load<u8>(m + s, M_SEC) - 1, M_SEC);
  refPut(f);
}

/** Drops one reference (bounce, page table, scratch, or the tail of mapPut/pinPut). */
export function refPut(f: u32): void {
  let m = meta(f);
  assert(load<u32>(m, M_REF) > 0);
  let r = load<u32>(m, M_REF) - 1;
  store<u32>(m, r, M_REF);
  if (r == 0) free4kFrame(f);
}

function free4kFrame(f: u32): void {
  let m = meta(f);
  store<u8>(m, <u8>FrameKind.FREE, M_KIND);
  store<u32>(m, free4k, M_NEXT);
  free4k = f;
  free4kCount++;
  countN(Counter.FRAMES_FREED, 1);
}

/**
 * A PMD mapping of the folio at `head` is removed. The folio returns whole to
 * the folio list if nothing else holds any of its frames; otherwise its
 * frames go one by one as their references end.
 */
export function unmapFolio(head: u32): void {
  let whole = true;
  for (let i: u32 = 0; i < PMD_PAGES; i++) {
    if (refcount(head + i) != 1) { whole = false; break; }
  }
  if (whole) {
    for (let i: u32 = 0; i < PMD_PAGES; i++) memory.fill(meta(head + i), 0, 16);
    freeFolio(head);
  } else {
    for (let i: u32 = 0; i < PMD_PAGES; i++) mapPut(head + i);
  }
}

/** Frees a whole folio to the folio list (its frames must have no references). */
function freeFolio(head: u32): void {
  assert((head & (PMD_PAGES - 1)) == 0);
  if (!ASC_NO_ASSERT) for (let i: u32 = 0; i < PMD_PAGES; i++) assert(refcount(head + i) == 0);
  for (let i: u32 = 0; i < PMD_PAGES; i++) store<u8>(meta(head + i), <u8>FrameKind.FREE, M_KIND);
  store<u32>(meta(head), freeHuge, M_NEXT);
  freeHuge = head;
  freeHugeCount++;
  countN(Counter.FRAMES_FREED, PMD_PAGES);
}

/**
 * Grows memory for frames [0, n) and for sd_check's tallies of them, which
 * it keeps just past the last frame (16 B per frame): the check can run
 * whenever the core has run. False if the host refuses.
 */
function ensureFrames(n: u32): bool {
  return ensureMemory(<u64>frameAddr(n) + (<u64>n << 4) + 16);
}

/** Resets the pool: no frames handed out yet. Frame meta is zeroed lazily, on first use. */
export function framesReset(): void {
  top = 0;
  free4k = NIL;
  free4kCount = 0;
  freeHuge = NIL;
  freeHugeCount = 0;
}

function push4k(f: u32): void {
  store<u32>(meta(f), free4k, M_NEXT);
  free4k = f;
  free4kCount++;
}

/** Takes a fresh frame from the bump region: its meta starts zeroed and FREE. */
function bump(n: u32): u32 {
  let f = top;
  top += n;
  memory.fill(meta(f), 0, <usize>n << 5);
  return f;
}

function initTaken(f: u32, k: u32, ref: u32): void {
  let m = meta(f);
  memory.fill(m, 0, 32);
  store<u32>(m, ref, M_REF);
  store<u8>(m, <u8>k, M_KIND);
}

/**
 * alloc4k: pop the 4 KiB list; else bump; else break a free folio. Returns NIL
 * if none is left or memory cannot grow. The frame gets kind `k`, refcount
 * `ref`, no maps or pins; its bytes are not cleared (see zeroFrame).
 */
export function alloc4k(k: u32, ref: u32): u32 {
  let f = free4k;
  if (f != NIL) {
    free4k = load<u32>(meta(f), M_NEXT);
    free4kCount--;
  } else if (top < cfgMaxFrames) {
    if (!ensureFrames(top + 1)) return NIL;
    f = bump(1);
  } else if (freeHuge != NIL) {
    let h = freeHuge;
    freeHuge = load<u32>(meta(h), M_NEXT);
    freeHugeCount--;
    // Push in descending order so the list hands them out ascending.
    for (let i: i32 = <i32>PMD_PAGES - 1; i >= 1; i--) push4k(h + <u32>i);
    f = h;
  } else {
    return NIL;
  }
  initTaken(f, k, ref);
  countN(Counter.FRAMES_ALLOCATED, 1);
  return f;
}

/** allocHuge: pop the folio list; else bump at a 512-frame boundary. NIL if neither. */
export function allocHuge(): u32 {
  let h = freeHuge;
  if (h != NIL) {
    freeHuge = load<u32>(meta(h), M_NEXT);
    freeHugeCount--;
  } else {
    let a = (top + PMD_PAGES - 1) & ~(PMD_PAGES - 1);
    if (<u64>a + PMD_PAGES > <u64>cfgMaxFrames) return NIL;
    if (!ensureFrames(a + PMD_PAGES)) return NIL;
    // The frames skipped to reach the boundary become ordinary free frames.
    let waste = bump(a - top);
    for (let f = waste; f < a; f++) push4k(f);
    h = bump(PMD_PAGES);
  }
  for (let i: u32 = 0; i < PMD_PAGES; i++) initTaken(h + i, FrameKind.USER, 0);
  countN(Counter.FRAMES_ALLOCATED, PMD_PAGES);
  return h;
}

@inline export function zeroFrame(f: u32): void {
  memory.fill(frameAddr(f), 0, 4096);
}

@inline export function copyFrame(dst: u32, src: u32): void {
  memory.copy(frameAddr(dst), frameAddr(src), 4096);
}

// ---- The dry run: the allocator on counts only (docs/model.md section 2). ----

let s4k: u32 = 0;
let sHuge: u32 = 0;
let sTop: u32 = 0;
let sFail = false;
let sNeed: u32 = 0;

export function simBegin(): void {
  s4k = free4kCount;
  sHuge = freeHugeCount;
  sTop = top;
  sFail = false;
  sNeed = 0;
}

export function simAlloc4k(): void {
  sNeed += 1;
  if (s4k > 0) s4k--;
  else if (sTop < cfgMaxFrames) sTop++;
  else if (sHuge > 0) { sHuge--; s4k += PMD_PAGES - 1; }
  else sFail = true;
}

export function simAllocHuge(): void {
  sNeed += PMD_PAGES;
  if (sHuge > 0) { sHuge--; return; }
  let a = (sTop + PMD_PAGES - 1) & ~(PMD_PAGES - 1);
  if (<u64>a + PMD_PAGES > <u64>cfgMaxFrames) { sFail = true; return; }
  s4k += a - sTop;
  sTop = a + PMD_PAGES;
}

/** True if every simulated allocation succeeds; memory is grown for them now. */
export function simCommit(): bool {
  if (!sFail && (sTop == top || ensureFrames(sTop))) return true;
  setDetail(<f64>sNeed);
  return false;
}

/** Frames in each state, for sd_frame_stats and the balance checks. */
export function frameStat(k: i32): u32 {
  if (k == FrameKind.TOTAL) return top;
  let n: u32 = 0;
  for (let f: u32 = 0; f < top; f++) {
    let m = meta(f);
    if (k == FrameKind.PINNED) { if (load<u32>(m, M_PIN) > 0) n++; }
    else if (k == FrameKind.MAPPED) { if (load<u32>(m, M_MAP) > 0) n++; }
    else if (<i32>load<u8>(m, M_KIND) == k) n++;
  }
  return n;
}
