// 512-byte direct-I/O buffers (all the alignment O_DIRECT asks for) that share
// their 4 KiB page with hot data the process keeps writing from another
// thread: a lock word, a counter. The program is correct, yet write-protecting
// the page traps every one of those innocent stores: false positives. Suits
// pi, whose guard covers one 512 B sector.
import { Device, MapFlag } from "../../assembly/abi.js";
import { store, type Task } from "../host/actions.js";
import { alignUp, MiB, PAGE, SECTOR } from "../host/units.js";
import { ioLoop } from "./io-loop.js";
import { machineFor, slotVa, buffersLen } from "./layout.js";
import { ios, procFlags, qd, region, size, trusted, unsafe } from "./params.js";
import type { Rng } from "./rng.js";
import type { Params, Workload } from "./types.js";

/** The hot thread writes one cache line at a time. */
const LINE = 64;

export const subPage: Workload = {
  id: "sub-page",
  summary: "512 B buffers sharing pages with hot data another thread writes: false positives",
  device: Device.PI,
  params: [
    size(512, "bytes per I/O buffer; the rest of its page is hot data (at most 3.5 KiB)"),
    qd(8), ios(4096), region(4 * MiB), unsafe(0), trusted(0),
  ],
  machine: (p) => machineFor(p, { threads: 1, cpus: 2, extraThreads: 1 }),
  incompatible: (p) => (p.size > PAGE - SECTOR ? `size must leave room for hot data in its page (at most 3.5K)` : undefined),
  build(s) {
    const p = s.params;
    const pid = s.proc(procFlags(p));
    const io = s.thread(pid, 0);
    const hot = s.thread(pid, 1);
    s.map(pid, slotVa(0, 0, p.qd, p.size), buffersLen(p.qd, p.size), MapFlag.WRITE);
    const state = { done: false };
    const loop = ioLoop({ tid: io, t: 0, count: p.ios, p, rng: s.rng.fork() });
    s.spawn("io", (function* (): Task {
      yield* loop;
      state.done = true;
    })(), p.qd);
    s.spawn("hot", hotWriter(hot, p, s.rng.fork(), state));
  },
};

/** Keeps updating a cache line of hot data in the pages of the I/O buffers, beside the buffers. */
function* hotWriter(tid: number, p: Params, rng: Rng, state: { done: boolean }): Task {
  const first = alignUp(p.size, SECTOR); // the hot data starts at the next sector
  const lines = (PAGE - first) / LINE;
  while (!state.done) {
    const va = slotVa(0, rng.below(p.qd), p.qd, p.size) + first + rng.below(lines) * LINE;
    yield store(tid, va, LINE, 1 + rng.below(255));
  }
}
