// A thread that breaks the direct-I/O contract on request: writers queue some
// of their in-flight buffers, and this thread stores into a random run of
// sectors of each while (if it gets there in time) the I/O is still in flight.
// It stands for a QEMU guest's vCPU, a PostgreSQL backend setting hint bits, a
// program touching its read buffer.
import { sleep, store, type Task } from "../host/actions.js";
import { SECTOR } from "../host/units.js";
import type { Rng } from "./rng.js";
import type { Setup } from "./types.js";

export interface Scribble {
  readonly io: number;
  readonly va: number;
  readonly len: number;
  /** The byte the buffer was filled with: the scribble stores a different one. */
  readonly byte: number;
}

export class ScribbleQueue {
  readonly items: Scribble[] = [];
  /** Writers still running: the scribbler stops when none is left and the queue is empty. */
  writers = 0;

  /** Wraps a writer so the queue knows when it is done (counted from now, not from its first step). */
  counted(task: Task): Task {
    this.writers++;
    const self = this;
    return (function* (): Task {
      try {
        yield* task;
      } finally {
        self.writers--;
      }
    })();
  }
}

/** Stores up to `maxBytes` (whole sectors) into each queued buffer that is still in flight. */
export function* scribbler(s: Setup, tid: number, q: ScribbleQueue, rng: Rng, maxBytes = 4096): Task {
  while (q.writers > 0 || q.items.length) {
    const it = q.items.shift();
    if (!it) {
      yield sleep(1);
      continue;
    }
    if (!s.inFlight(it.io)) continue; // the I/O finished first
    const sectors = it.len / SECTOR;
    const n = 1 + rng.below(Math.min(sectors, maxBytes / SECTOR));
    const off = rng.below(sectors - n + 1) * SECTOR;
    yield store(tid, it.va + off, n * SECTOR, (it.byte + 1 + rng.below(255)) & 255);
  }
}
