// PostgreSQL-like: the buffer pool is a MAP_SHARED mapping, and while a page
// of it is being written out with direct I/O another backend (a second
// process sharing the mapping) sets hint bits in it. A shared page cannot be
// copied on write without breaking the sharing, so write-protect policies can
// only make the writer wait. Not flagged: nobody told PostgreSQL.
import { Device, MapFlag } from "../../assembly/abi.js";
import { KiB, MiB } from "../host/units.js";
import { ioLoop } from "./io-loop.js";
import { buffersLen, buffersTooBig, machineFor, slotVa } from "./layout.js";
import { fraction, ios, procFlags, qd, region, size, trusted, unsafe } from "./params.js";
import { scribbler, ScribbleQueue } from "./scribble.js";
import type { Workload } from "./types.js";

export const sharedMapping: Workload = {
  id: "shared-mapping",
  summary: "writer on a MAP_SHARED pool that another process modifies in flight: waits, not copies",
  device: Device.PARITY,
  params: [
    size(16 * KiB), qd(4), ios(1024),
    fraction(0.1, "fraction of in-flight buffers the other backend modifies (hint bits)"),
    { name: "backend", kind: "flag", min: 0, max: 1, default: 1,
      help: "1: the modifier is a second process sharing the mapping; 0: a second thread of the writer" },
    region(16 * MiB), unsafe(0), trusted(0),
  ],
  machine: (p) => machineFor(p, { threads: 1, cpus: 2, extraThreads: 1, procs: 2 }),
  incompatible: (p) => buffersTooBig(1, p.qd, p.size),
  build(s) {
    const p = s.params;
    const pid = s.proc(procFlags(p));
    const writer = s.thread(pid, 0);
    const pool = slotVa(0, 0, p.qd, p.size);
    const len = buffersLen(p.qd, p.size);
    s.map(pid, pool, len, MapFlag.WRITE | MapFlag.SHARED);
    // Fault the pool in before the fork, so both processes map the same frames.
    s.store(writer, pool, len, 0);
    const other = p.backend ? s.fork(writer, 1) : s.thread(pid, 1);
    const q = new ScribbleQueue();
    const rng = s.rng.fork();
    const loop = ioLoop({
      tid: writer, t: 0, count: p.ios, p, rng,
      submitted: (io, va, byte) => {
        if (rng.chance(p.p)) q.items.push({ io, va, len: p.size, byte });
      },
    });
    s.spawn("writer", q.counted(loop), p.qd);
    s.spawn("backend", scribbler(s, other, q, s.rng.fork(), 512));
  },
};
