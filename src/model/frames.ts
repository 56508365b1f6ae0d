// The frame pool and the exact allocator of docs/model.md section 2.
// Frame numbers need not match the Wasm core's; only the counts of the free
// lists and `top` are observable, and those follow the spec step by step.
import { Counter, FrameKind } from "../../assembly/abi.js";

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

/** One planned allocation for the NOMEM dry run. */
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

  /** alloc4k, or -1. The caller sets counts; `zero` zero-fills (user and PTE table frames). */
  alloc4k(kind: number, zero: boolean): number {
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
    if (zero) fr.bytes.fill(0);
    this.c[Counter.FRAMES_ALLOCATED]++;
    return f;
  }

  /** allocHuge: a folio head, 512 zeroed user frames, or -1. */
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
    for (let i = 0; i < FOLIO; i++) {
      const fr = this.frames[head + i];
      fr.kind = FrameKind.USER;
      fr.bytes.fill(0);
    }
    this.c[Counter.FRAMES_ALLOCATED] += FOLIO;
    return head;
  }

  /**
   * The NOMEM dry run: runs the allocator on counts only. Returns 0 if every
   * allocation would succeed, else the frames the whole sequence needs.
   */
  plan(seq: Alloc[]): number {
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

  /** Drop one reference; a frame whose refcount reaches 0 goes to the 4 KiB list. */
  put(f: number): void {
    const fr = this.frames[f];
    if (--fr.ref === 0) this.release(f);
  }

  release(f: number): void {
    const fr = this.frames[f];
    fr.kind = FrameKind.FREE;
    this.free4k.push(f);
    this.c[Counter.FRAMES_FREED]++;
  }

  /**
   * A PMD mapping removed whole: drop the map and ref of its 512 frames. If no
   * frame keeps a reference the folio goes back whole, else the frames that
   * reached 0 go to the 4 KiB list one by one.
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
      for (let i = 0; i < FOLIO; i++) if (this.frames[head + i].ref === 0) this.release(head + i);
    }
  }
}

export function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}
