// The exact frame allocator of docs/model.md section 2 (huge allocations
// depend on it): a bump region, a LIFO list of free 4 KiB frames and a LIFO
// list of free 2 MiB folios, linked through the frames' `next` (frames.ts);
// and the dry run that runs it on counts only, for the NOMEM checks.
import { Counter, FrameKind } from "./abi";
import { cfgMaxFrames } from "./config";
import { countN } from "./counters";
import { clearMeta, folioMapPut, frameAddr, nextFree, setFolioLarge, setKind, setNextFree, takeMeta } from "./frames";
import { NIL, PMD_PAGES, ensureMemory, setDetail } from "./layout";

/** Frames ever handed out from the bump region: [0, top). */
export let top: u32 = 0;
let free4k: u32 = NIL;
let free4kCount: u32 = 0;
let freeHuge: u32 = NIL;
let freeHugeCount: u32 = 0;

/** No frames handed out yet (sd_reset). Frame meta is cleared as the bump region reaches it. */
export function allocReset(): void {
  top = 0;
  free4k = NIL;
  free4kCount = 0;
  freeHuge = NIL;
  freeHugeCount = 0;
}

/**
 * Grows memory for frames [0, n) and for sd_check's tallies of them, which
 * it keeps just past the last frame (16 B per frame): the check can run
 * whenever the core has run. False if the host refuses.
 */
function ensureFrames(n: u32): bool {
  return ensureMemory(<u64>frameAddr(n) + (<u64>n << 4) + 16);
}

function push4k(f: u32): void {
  setNextFree(f, free4k);
  free4k = f;
  free4kCount++;
}

/** Takes `n` fresh frames from the bump region: their meta starts cleared, FREE. */
function bump(n: u32): u32 {
  let f = top;
  top += n;
  clearMeta(f, n);
  return f;
}

/**
 * alloc4k: pop the 4 KiB list; else bump; else break a free folio. Returns NIL
 * if none is left or memory cannot grow. The frame gets kind `k`, refcount
 * `ref`, no maps or pins; its bytes are not cleared (zeroFrame).
 */
export function alloc4k(k: u32, ref: u32): u32 {
  let f = free4k;
  if (f != NIL) {
    free4k = nextFree(f);
    free4kCount--;
  } else if (top < cfgMaxFrames) {
    if (!ensureFrames(top + 1)) return NIL;
    f = bump(1);
  } else if (freeHuge != NIL) {
    let h = freeHuge;
    freeHuge = nextFree(h);
    freeHugeCount--;
    // Push in descending order so the list hands them out ascending.
    for (let i: i32 = <i32>PMD_PAGES - 1; i >= 1; i--) push4k(h + <u32>i);
    f = h;
  } else {
    return NIL;
  }
  takeMeta(f, k, ref);
  countN(Counter.FRAMES_ALLOCATED, 1);
  return f;
}

/** allocHuge: pop the folio list; else bump at a 512-frame boundary. NIL if neither. */
export function allocHuge(): u32 {
  let h = freeHuge;
  if (h != NIL) {
    freeHuge = nextFree(h);
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
  for (let i: u32 = 0; i < PMD_PAGES; i++) takeMeta(h + i, FrameKind.USER, 0);
  setFolioLarge(h, PMD_PAGES, 1);
  countN(Counter.FRAMES_ALLOCATED, PMD_PAGES);
  return h;
}

/** A frame whose last reference went (refPut) goes to the 4 KiB list. */
export function free4kFrame(f: u32): void {
  setKind(f, FrameKind.FREE);
  setFolioLarge(f, 1, 0);
  push4k(f);
  countN(Counter.FRAMES_FREED, 1);
}

/**
 * A PMD mapping of the folio at `head` is removed. The folio returns whole to
 * the folio list if nothing else holds any of its frames; otherwise its
 * frames go one by one as their references end.
 */
export function unmapFolio(head: u32): void {
  if (!folioMapPut(head)) return;
  assert((head & (PMD_PAGES - 1)) == 0);
  for (let i: u32 = 0; i < PMD_PAGES; i++) setKind(head + i, FrameKind.FREE);
  setFolioLarge(head, PMD_PAGES, 0);
  setNextFree(head, freeHuge);
  freeHuge = head;
  freeHugeCount++;
  countN(Counter.FRAMES_FREED, PMD_PAGES);
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

/** True if every simulated allocation succeeds; memory is grown for them now. Else NOMEM's detail: the frames needed. */
export function simCommit(): bool {
  if (!sFail && (sTop == top || ensureFrames(sTop))) return true;
  setDetail(<f64>sNeed);
  return false;
}
