// A thread that changes bytes of other threads' direct-I/O buffers: a QEMU
// guest's vCPU, a PostgreSQL backend setting hint bits, a program touching
// its read buffer, generic/761's zeroing thread, or hot data beside 512 B
// buffers. Per I/O (queued by the submitter with the job's probability) it
// stores when the I/O is in the window the job asks for; continuously it
// keeps storing into random buffers whatever their state.
import { IoState } from "../../assembly/abi.js";
import { sleep, store, type Action, type Task } from "./actions.js";
import { SECTOR } from "../shared/units.js";
import { neighbourSpan, type JobPlan, type ModifyPlan } from "./plan-job.js";
import type { Rng } from "./rng.js";

/** An in-flight I/O handed to the modifier. */
export interface Queued {
  readonly io: number;
  readonly va: number;
  readonly len: number;
  readonly slotLen: number;
  /** The byte the buffer was filled with (0 for reads): modifications store another. */
  readonly byte: number;
  readonly m: ModifyPlan;
}

/** What the modifier shares with the jobs it serves. */
export class ModifierState {
  readonly items: Queued[] = [];
  /** Jobs still running: the modifier stops when none is left (and, queued, nothing is pending). */
  constructor(public writers: number) {}

  /** Wraps a job so the modifier knows when it is done. */
  counted(task: Task): Task {
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

export function* queuedModifier(tid: number, st: ModifierState, rng: Rng, ioState: (io: number) => number): Task {
  while (st.writers > 0 || st.items.length) {
    const it = st.items.shift();
    if (!it) {
      yield sleep(1);
      continue;
    }
    const state = ioState(it.io);
    if (state === IoState.COMPLETED) continue; // the I/O finished first
    if (it.m.when === "before-dma" && state !== IoState.SUBMITTED) continue;
    if (it.m.when === "after-dma" && state === IoState.SUBMITTED) {
      st.items.unshift(it);
      yield sleep(1);
      continue;
    }
    yield modification(tid, it.m, it.va, it.len, it.slotLen, it.byte, rng);
  }
}

export function* continuousModifier(tid: number, jobs: readonly JobPlan[], st: ModifierState, rng: Rng): Task {
  while (st.writers > 0) {
    const j = jobs[rng.below(jobs.length)];
    const va = j.slots[rng.below(j.qd)];
    yield modification(tid, j.modify!, va, j.slotLen, j.slotLen, j.fill ?? 0, rng);
  }
}

function modification(tid: number, m: ModifyPlan, buf: number, len: number, slotLen: number, fill: number, rng: Rng): Action {
  const other = () => m.byte ?? (fill + 1 + rng.below(255)) & 255;
  const va = buf + (m.shift ?? 0); // through the modifier's alias of the buffers' mapping (modify.via)
  switch (m.bytes) {
    case "buffer":
      return store(tid, va, len, other());
    case "range": {
      const sectors = len / SECTOR;
      const n = 1 + rng.below(Math.min(sectors, m.max / SECTOR));
      const off = rng.below(sectors - n + 1) * SECTOR;
      return store(tid, va + off, n * SECTOR, other());
    }
    case "neighbour": {
      const { first, end } = neighbourSpan(va, slotLen);
      const at = first + rng.below(Math.floor((end - first) / m.line)) * m.line;
      return store(tid, at, m.line, m.byte ?? 1 + rng.below(255));
    }
  }
}
