// A process that forks while its direct I/O (writes and reads) is in flight,
// as a server spawning helpers does. Modern Linux copies pinned pages into the
// child at fork, so the parent keeps the pages its I/O uses; the child then
// writes its copies and the heap, and exits; the parent keeps writing its
// heap (copy-on-write after fork) and reuses its buffers. Nobody breaks the
// contract: every policy must stay correct, at the price of the copies.
import { Device, MapFlag } from "../../assembly/abi.js";
import { exit, fork, store, type Action, type Task } from "../host/actions.js";
import { KiB, MiB, PAGE } from "../host/units.js";
import { ioLoop } from "./io-loop.js";
import { buffersLen, buffersTooBig, HEAP_VA, machineFor, slotVa } from "./layout.js";
import { ios, procFlags, qd, region, size, trusted, unsafe } from "./params.js";
import type { Rng } from "./rng.js";
import type { Params, Setup, Workload } from "./types.js";

const HEAP_PAGES = 8;

export const forkDuringIo: Workload = {
  id: "fork-during-io",
  summary: "forks while writes and reads are in flight; child and parent then write",
  device: Device.FS_CSUM,
  params: [
    size(16 * KiB), qd(4), ios(1024),
    { name: "forks", kind: "count", min: 0, max: 4000, default: 16, help: "forks spread evenly over the run" },
    { name: "reads", kind: "fraction", min: 0, max: 1, default: 0.25, help: "fraction of I/Os that are direct reads" },
    region(16 * MiB), unsafe(0), trusted(0),
  ],
  machine: (p) => machineFor(p, {
    threads: 1, cpus: 2, extraPages: HEAP_PAGES, procs: p.forks + 1, extraThreads: p.forks,
  }),
  incompatible: (p) => buffersTooBig(1, p.qd, p.size),
  build(s) {
    const p = s.params;
    const pid = s.proc(procFlags(p));
    const parent = s.thread(pid, 0);
    s.map(pid, slotVa(0, 0, p.qd, p.size), buffersLen(p.qd, p.size), MapFlag.WRITE);
    s.map(pid, HEAP_VA, HEAP_PAGES * PAGE, MapFlag.WRITE);
    const rng = s.rng.fork();
    const every = p.forks ? Math.max(1, Math.floor(p.ios / (p.forks + 1))) : Infinity;
    let forked = 0;
    const each = function* (i: number): Generator<Action, void, number> {
      yield heapStore(parent, rng);
      if (i > 0 && i % every === 0 && forked < p.forks) {
        const child = yield fork(parent, 1);
        forked++;
        s.spawn(`child${forked}`, childTask(s, child, p, s.rng.fork()));
      }
    };
    s.spawn("parent", ioLoop({ tid: parent, t: 0, count: p.ios, p, rng, reads: p.reads, each }), p.qd);
  },
};

function heapStore(tid: number, rng: Rng): Action {
  return store(tid, HEAP_VA + rng.below((HEAP_PAGES * PAGE) / 64) * 64, 64, 1 + rng.below(255));
}

/** The child writes its copy of every buffer and some heap, then exits. */
function* childTask(s: Setup, tid: number, p: Params, rng: Rng): Task {
  for (let k = 0; k < p.qd; k++) {
    yield store(tid, slotVa(0, k, p.qd, p.size), p.size, 1 + rng.below(255));
    yield heapStore(tid, rng);
  }
  yield exit(s.pidOf(tid));
}
