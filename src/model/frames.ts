// The frame pool: 4 KiB frames of real bytes, their counts, and the exact
// allocator of docs/model.md section 2, as assembly/frames.ts. Frame numbers
// need not match the Wasm core's; only the counts of the free lists and `top`
// are observable, and those follow the spec step by step.
import { Counter, FrameKind } from "../../assembly/abi.js";
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
  readonly bytes = new Uint8Array(PAGE);
  /** PTE-table view of the bytes: 512 u32 entries. */
  readonly ptes = new Uint32Array(this.bytes.buffer, 0, 512);
}

/** One planned allocation for the NOMEM check. */
export type Alloc = "4k" | "huge";

export class FramePool {
  readonly frames: Frame[] = [];
  top = 0;
  readonly free4k: number[] = []; // LIFO
  readonly freeFolios: number[] = []; // LIFO, folio heads

  constructor(readonly max: number, private readonly c: Float64Array) {}

  private create(upTo: number): void {
    while (this.frames.length < upTo) this.frames.push(new Frame());
  }

  /**
   * alloc4k: pop the 4 KiB list; else bump; else break a free folio. -1 if
   * none is left. The frame gets kind `kind`, refcount `ref`; its bytes are
   * not cleared (zeroFrame).
   */
  alloc4k(kind: number, ref: number): number {
    let f: number;
    if (this.free4k.length > 0) f = this.free4k.pop()!;
    else if (this.top < this.max) {
      f = this.top++;
      this.create(this.top);
    } else if (this.freeFolios.length > 0) {
      // Break a folio: its frames become 4 KiB frames for good.
      const head = this.freeFolios.pop()!;
      for (let i = 0; i < FOLIO; i++) this.free4k.push(head + i);
      f = this.free4k.pop()!;
    } else return -1;
    const fr = this.frames[f];
    fr.kind = kind;
    fr.ref = ref;
    this.c[Counter.FRAMES_ALLOCATED]++;
    return f;
  }

  /** allocHuge: pop the folio list; else bump at a 512-frame boundary. A folio head of 512 user frames, or -1. */
  allocHuge(): number {
    let head: number;
    if (this.freeFolios.length > 0) head = this.freeFolios.pop()!;
    else {
      const a = alignUp(this.top, FOLIO);
      if (a + FOLIO > this.max) return -1;
      this.create(a + FOLIO);
      // Alignment waste goes to the 4 KiB list.
      for (let f = this.top; f < a; f++) this.free4k.push(f);
      this.top = a + FOLIO;
      head = a;
    }
    for (let i = 0; i < FOLIO; i++) this.frames[head + i].kind = FrameKind.USER;
    this.c[Counter.FRAMES_ALLOCATED] += FOLIO;
    return head;
  }

  zeroFrame(f: number): void {
    this.frames[f].bytes.fill(0);
  }

  /**
   * The NOMEM check: runs the allocator on counts only. Returns 0 if every
   * allocation of `seq` would succeed, else the frames the whole sequence needs.
   */
  simCommit(seq: Alloc[]): number {
    let n4k = this.free4k.length;
    let top = this.top;
    let folios = this.freeFolios.length;
    let ok = true;
    let need = 0;
    for (const a of seq) {
      need += a === "4k" ? 1 : FOLIO;
      if (!ok) continue;
      if (a === "4k") {
        if (n4k > 0) n4k--;
        else if (top < this.max) top++;
        else if (folios > 0) {
          folios--;
          n4k += FOLIO - 1;
        } else ok = false;
      } else {
        if (folios > 0) folios--;
        else {
          const al = alignUp(top, FOLIO);
          if (al + FOLIO <= this.max) {
            n4k += al - top;
            top = al + FOLIO;
          } else ok = false;
        }
      }
    }
    return ok ? 0 : need;
  }

  /** A new mapping of `f` (a PTE or a PMD subpage). */
  mapGet(f: number): void {
    this.frames[f].map++;
    this.frames[f].ref++;
  }

  /** A pin by an in-flight I/O page covering sectors [s0, s1) of `f`. */
  pinGet(f: number, s0: number, s1: number): void {
    const fr = this.frames[f];
    fr.pin++;
    fr.ref++;
    for (let k = s0; k < s1; k++) fr.secpins[k]++;
  }

  /** Drops a mapping; frees the frame if that was its last reference. */
  mapPut(f: number): void {
    this.frames[f].map--;
    this.refPut(f);
  }

  /** Drops a pin; frees the frame if that was its last reference. */
  pinPut(f: number, s0: number, s1: number): void {
    const fr = this.frames[f];
    fr.pin--;
    for (let k = s0; k < s1; k++) fr.secpins[k]--;
    this.refPut(f);
  }

  /** Drops one reference (bounce, page table, scratch, or the tail of mapPut/pinPut); at 0 the frame is freed. */
  refPut(f: number): void {
    const fr = this.frames[f];
    if (--fr.ref === 0) this.free4kFrame(f);
  }

  private free4kFrame(f: number): void {
    this.frames[f].kind = FrameKind.FREE;
    this.free4k.push(f);
    this.c[Counter.FRAMES_FREED]++;
  }

  /**
   * A PMD mapping of the folio at `head` is removed: map and ref of its 512
   * frames drop. If no frame keeps a reference the folio goes back whole, else
   * the frames that reached 0 go to the 4 KiB list one by one.
   */
  unmapFolio(head: number): void {
    let alive = 0;
    for (let i = 0; i < FOLIO; i++) {
      const fr = this.frames[head + i];
      fr.map--;
      if (--fr.ref > 0) alive++;
    }
    if (alive === 0) {
      for (let i = 0; i < FOLIO; i++) this.frames[head + i].kind = FrameKind.FREE;
      this.freeFolios.push(head);
      this.c[Counter.FRAMES_FREED] += FOLIO;
    } else {
      for (let i = 0; i < FOLIO; i++) if (this.frames[head + i].ref === 0) this.free4kFrame(head + i);
    }
  }
}

export function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** Is any frame of the folio at `head` mapped more than once (shared copy-on-write after fork)? */
export function folioShared(st: State, head: number): boolean {
  for (let i = 0; i < FOLIO; i++) if (st.pool.frames[head + i].map > 1) return true;
  return false;
}

/** Is any frame of the folio at `head` pinned (folio_maybe_dma_pinned)? */
export function folioPinned(st: State, head: number): boolean {
  for (let i = 0; i < FOLIO; i++) if (st.pool.frames[head + i].pin > 0) return true;
  return false;
}

/** Is any frame of the folio at `head` write-protected by an in-flight I/O? */
export function folioProtected(st: State, head: number): boolean {
  for (let i = 0; i < FOLIO; i++) if (st.pool.frames[head + i].wp > 0) return true;
  return false;
}
