// The device's timeline: a min-heap of (time, seq) events. seq breaks ties in
// scheduling order, so equal times replay identically.

export interface IoEvent {
  readonly time: number;
  readonly seq: number;
  readonly kind: "dma" | "complete";
  readonly io: number;
  /** A reap: the I/Os of one submission call, completed together (io is the last of them). */
  readonly reap?: readonly number[];
}

export class EventQueue {
  private heap: IoEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, kind: IoEvent["kind"], io: number, reap?: readonly number[]): void {
    const h = this.heap;
    h.push({ time, seq: this.seq++, kind, io, ...(reap ? { reap } : {}) });
    let i = h.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(h[i], h[up])) break;
      [h[i], h[up]] = [h[up], h[i]];
      i = up;
    }
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    return this.heap.length ? this.heap[0].time : Infinity;
  }

  pop(): IoEvent | undefined {
    const h = this.heap;
    if (!h.length) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: IoEvent, b: IoEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
