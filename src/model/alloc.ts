// The exact frame allocator of docs/model.md section 2 (huge allocations
// depend on it), as assembly/alloc.ts: a bump region, a LIFO list of free
// 4 KiB frames and a LIFO list of free 2 MiB folios; and the dry run that runs
// it on counts only, for the NOMEM checks. Frame numbers need not match the
// Wasm core's; only the counts of the free lists and `top` are observable, and
// those follow the spec step by step.
import { Counter, FrameKind } from "../../assembly/abi.js";
import { FOLIO, Frame } from "./frames.js";

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
    fr.large = false;
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
    for (let i = 0; i < FOLIO; i++) {
      this.frames[head + i].kind = FrameKind.USER;
      this.frames[head + i].large = true;
    }
    this.c[Counter.FRAMES_ALLOCATED] += FOLIO;
    return head;
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

  /** A frame whose last reference went (refPut) goes to the 4 KiB list. */
  free4kFrame(f: number): void {
    this.frames[f].kind = FrameKind.FREE;
    this.frames[f].large = false;
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
      for (let i = 0; i < FOLIO; i++) {
        this.frames[head + i].kind = FrameKind.FREE;
        this.frames[head + i].large = false;
      }
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
