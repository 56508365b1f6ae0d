// The submit loop most workloads share: a thread with qd buffer slots fills a
// slot, submits it, and reuses the slot only after that I/O completed, so the
// thread itself never touches a buffer in flight. Hooks let a workload add
// work per iteration, mix in reads, or hand the buffer to a misbehaving thread.
import { drain, read, store, wait, write, type Action, type Task } from "../host/actions.js";
import { diskSlots, slotSector, slotVa } from "./layout.js";
import type { Rng } from "./rng.js";
import type { Params } from "./types.js";

export interface IoLoop {
  readonly tid: number;
  /** Thread index: picks this thread's buffer slots. */
  readonly t: number;
  readonly count: number;
  readonly p: Params;
  readonly rng: Rng;
  /** Fraction of I/Os that are direct reads into the slot instead of writes. */
  readonly reads?: number;
  /** Extra actions before each I/O (heap writes, a fork...). */
  readonly each?: (i: number) => Generator<Action, void, number>;
  /** Told about every submitted I/O: its buffer and the byte it was filled with (0 for reads). */
  readonly submitted?: (io: number, va: number, byte: number) => void;
}

export function* ioLoop(o: IoLoop): Task {
  const { tid, t, p, rng } = o;
  const busy: number[] = new Array<number>(p.qd).fill(0);
  const places = diskSlots(p.region, p.size);
  for (let i = 0; i < o.count; i++) {
    const k = i % p.qd;
    if (busy[k]) yield wait(busy[k]);
    if (o.each) yield* o.each(i);
    const va = slotVa(t, k, p.qd, p.size);
    const sector = slotSector(rng.below(places), p.size);
    const reading = o.reads !== undefined && rng.chance(o.reads);
    let byte = 0;
    if (!reading) {
      byte = 1 + rng.below(255);
      yield store(tid, va, p.size, byte);
    }
    const promise = p.promise === 1;
    const io = yield reading ? read(tid, va, p.size, sector, promise) : write(tid, va, p.size, sector, promise);
    busy[k] = io;
    o.submitted?.(io, va, byte);
  }
  yield drain();
}
