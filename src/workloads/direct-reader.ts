// Direct reads into buffers another thread of the process modifies while the
// read is in flight (xfstests generic/772). Copy-on-write cannot protect a
// read: the DMA lands in the page the process no longer maps (a lost read).
// Without protection, fs-csum verifies the checksum over a buffer that changed
// under it (a false read-verify failure). Flagged UNSAFE.
import { Device, MapFlag } from "../../assembly/abi.js";
import { KiB, MiB } from "../host/units.js";
import { ioLoop } from "./io-loop.js";
import { buffersTooBig, machineFor, slotVa, buffersLen } from "./layout.js";
import { fraction, ios, procFlags, qd, region, size, trusted, unsafe } from "./params.js";
import { scribbler, ScribbleQueue } from "./scribble.js";
import type { Workload } from "./types.js";

export const directReader: Workload = {
  id: "direct-reader",
  summary: "direct reads whose buffer another thread modifies in flight: lost reads (UNSAFE)",
  device: Device.FS_CSUM,
  params: [
    size(16 * KiB), qd(4), ios(1024), fraction(0.25, "fraction of reads whose buffer is modified in flight"),
    region(16 * MiB), unsafe(1), trusted(0),
  ],
  machine: (p) => machineFor(p, { threads: 1, cpus: 2, extraThreads: 1 }),
  incompatible: (p) => buffersTooBig(1, p.qd, p.size),
  build(s) {
    const p = s.params;
    const pid = s.proc(procFlags(p));
    const reader = s.thread(pid, 0);
    s.map(pid, slotVa(0, 0, p.qd, p.size), buffersLen(p.qd, p.size), MapFlag.WRITE);
    const q = new ScribbleQueue();
    const rng = s.rng.fork();
    const loop = ioLoop({
      tid: reader, t: 0, count: p.ios, p, rng, reads: 1,
      submitted: (io, va, byte) => {
        if (rng.chance(p.p)) q.items.push({ io, va, len: p.size, byte });
      },
    });
    s.spawn("reader", q.counted(loop), p.qd);
    s.spawn("toucher", scribbler(s, s.thread(pid, 1), q, s.rng.fork()));
  },
};
