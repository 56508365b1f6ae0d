// A submitting thread's task: it fills a buffer slot, submits it, and reuses
// the slot only after that I/O completed, so the thread itself never touches
// a buffer in flight. Around each I/O it may touch hot data, fork, and hand
// the in-flight buffer to a modifier thread. Random draws come in a fixed
// order (placement, direction, size, fill, modification), one stream per task.
import { drain, exit, fork, read, store, wait, write, type Action, type Task } from "./actions.js";
import { SECTOR } from "../shared/units.js";
import type { JobPlan, Sizes, TouchPlan } from "./plan-job.js";
import type { Queued } from "./modifier-task.js";
import type { Rng } from "./rng.js";

export interface JobHooks {
  /** A child was forked (the n-th): the engine spawns its task. */
  readonly forked: (childTid: number, n: number) => void;
  /** An in-flight I/O for the modifier thread. */
  readonly queue: (q: Queued) => void;
}

export function* jobTask(tid: number, j: JobPlan, rng: Rng, hooks: JobHooks): Task {
  const busy = new Array<number>(j.qd).fill(0);
  const cursor = new Array<number>(j.files).fill(0);
  const places = Math.floor((j.fileLen - j.slotLen) / j.align) + 1;
  const every = j.forks?.count ? Math.max(1, Math.floor(j.ios / (j.forks.count + 1))) : Infinity;
  let forked = 0;
  // With a byte budget the job stops when less than its smallest I/O is left, as fio stops at size.
  let left = j.bytes ?? Infinity;
  for (let i = 0; i < j.ios && left >= j.align; i++) {
    const k = i % j.qd;
    if (busy[k]) yield wait(busy[k]);
    if (j.touch) yield touch(tid, j.touch, rng);
    if (i > 0 && i % every === 0 && forked < j.forks!.count) {
      const child = yield fork(tid, j.forks!.cpu);
      hooks.forked(child, ++forked);
    }
    const va = j.slots[k];
    const file = i % j.files;
    const place = j.pattern === "random" ? rng.below(places) : 0;
    const reading = j.direction === "read" || (j.direction === "mixed" && rng.chance(j.reads));
    const sizes = reading ? j.read : j.write;
    let len = pickLen(sizes, rng);
    // The last I/O of a byte budget is cut to what is left (a multiple of the smallest size).
    if (len > left) len = Math.floor(left / j.align) * j.align;
    let off = place * j.align;
    if (j.pattern === "sequential") {
      // A size drawn from a range or a split that runs past the end of the file is cut to fit, as fio cuts
      // it; a fixed size, or nothing left of the file, starts the next pass at the beginning.
      const room = j.fileLen - cursor[file];
      if (len > room && sizes.min !== sizes.max && room >= j.align) len = Math.floor(room / j.align) * j.align;
      if (cursor[file] + len > j.fileLen) cursor[file] = 0;
      off = cursor[file];
      cursor[file] += len;
    }
    left -= len;
    const sector = (j.base + file * j.fileLen + off) / SECTOR;
    let byte = 0;
    if (!reading && !j.readonly) {
      byte = j.fill ?? 1 + rng.below(255);
      yield store(tid, va, len, byte);
    }
    const io = yield reading ? read(tid, va, len, sector, j.promise) : write(tid, va, len, sector, j.promise);
    busy[k] = io;
    const m = j.modify;
    if (m && m.when !== "continuous" && rng.chance(m.probability)) hooks.queue({ io, va, len, slotLen: j.slotLen, byte, m });
  }
  yield drain();
}

/** A size of the range (a multiple of min, up to max), or of the split (by weight). */
function pickLen(s: Sizes, rng: Rng): number {
  if (s.split) {
    const total = s.split.reduce((n, x) => n + x.weight, 0);
    let r = rng.below(total);
    for (const x of s.split) if ((r -= x.weight) < 0) return x.len;
  }
  return s.min === s.max ? s.min : s.min * (1 + rng.below(Math.floor(s.max / s.min)));
}

/** A legitimate store into hot data: `bytes` at a random aligned place of the mapping. */
function touch(tid: number, t: TouchPlan, rng: Rng): Action {
  return store(tid, t.va + rng.below(Math.floor(t.len / t.bytes)) * t.bytes, t.bytes, 1 + rng.below(255));
}

/** A forked child: writes its copy of every buffer (and touches), then exits. */
export function* childTask(tid: number, pid: number, j: JobPlan, rng: Rng): Task {
  const f = j.forks!;
  if (f.writeBuffers || f.touch) {
    for (let k = 0; k < j.qd; k++) {
      if (f.writeBuffers) yield store(tid, j.slots[k], j.slotLen, 1 + rng.below(255));
      if (f.touch) yield touch(tid, j.touch!, rng);
    }
  }
  if (f.exit) yield exit(pid);
}
