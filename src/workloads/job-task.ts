// A submitting thread's task: it fills a buffer slot, submits it, and reuses
// the slot only after that I/O completed, so the thread itself never touches
// a buffer in flight. Around each I/O it may touch hot data, fork, and hand
// the in-flight buffer to a modifier thread. Random draws come in a fixed
// order (placement, direction, size, fill, modification), one stream per task.
// With a batch above 1 it prepares (touch, fork, fill) up to that many I/Os
// before it submits them all in one call; their modification draws follow the call.
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

/**
 * `batch`: the most I/Os one submission call takes (the run's --wp batch,
 * capped by the depth): the thread fills the buffers of up to that many I/Os,
 * then submits them in one call (every submit but the last with IoFlag.MORE),
 * as fio's iodepth_batch_submit does with io_uring_enter or io_submit.
 */
export function* jobTask(tid: number, j: JobPlan, rng: Rng, hooks: JobHooks, batch = 1): Task {
  const busy = new Array<number>(j.qd).fill(0);
  const group = Math.max(1, Math.min(batch, j.qd));
  const call: Array<{ readonly k: number; readonly va: number; readonly len: number; readonly sector: number; readonly reading: boolean; readonly byte: number }> = [];
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
    call.push({ k, va, len, sector, reading, byte });
    if (call.length < group && i + 1 < j.ios && left >= j.align) continue;
    // The call: every I/O prepared so far, in one step of the thread.
    for (let c = 0; c < call.length; c++) {
      const x = call[c];
      const more = c < call.length - 1;
      const io = yield x.reading ? read(tid, x.va, x.len, x.sector, j.promise, more) : write(tid, x.va, x.len, x.sector, j.promise, more);
      busy[x.k] = io;
      const m = j.modify;
      if (m && m.when !== "continuous" && rng.chance(m.probability)) hooks.queue({ io, va: x.va, len: x.len, slotLen: j.slotLen, byte: x.byte, m });
    }
    call.length = 0;
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
