// A QEMU guest with cache=none: the iothread submits the guest's writes
// straight from guest memory, and the guest (a vCPU thread on its own CPU)
// modifies a fraction p of those buffers while they are in flight, as Windows
// guests and swapping Linux guests do. Flagged UNSAFE. Submits with PROMISE
// by default on pi (QEMU promises what its guest then breaks).
import { Device, MapFlag } from "../../assembly/abi.js";
import { KiB, MiB } from "../host/units.js";
import { ioLoop } from "./io-loop.js";
import { buffersTooBig, machineFor, share, slotVa, buffersLen } from "./layout.js";
import { fraction, ios, procFlags, qd, region, size, threads, trusted, unsafe } from "./params.js";
import { scribbler, ScribbleQueue } from "./scribble.js";
import type { Workload } from "./types.js";

export const qemuGuest: Workload = {
  id: "qemu-guest",
  summary: "QEMU cache=none: the guest modifies a fraction p of its in-flight buffers (UNSAFE)",
  device: Device.PI,
  params: [
    size(16 * KiB), qd(16), ios(2048), threads(1, "iothreads submitting (one vCPU thread modifies)"),
    fraction(0.05, "fraction of in-flight buffers the guest modifies"), region(32 * MiB), unsafe(1), trusted(0),
  ],
  machine: (p) => machineFor(p, { threads: p.threads, cpus: p.threads + 1, extraThreads: 1 }),
  incompatible: (p) => buffersTooBig(p.threads, p.qd, p.size),
  build(s) {
    const p = s.params;
    const pid = s.proc(procFlags(p));
    const q = new ScribbleQueue();
    for (let t = 0; t < p.threads; t++) {
      const tid = s.thread(pid, t);
      s.map(pid, slotVa(t, 0, p.qd, p.size), buffersLen(p.qd, p.size), MapFlag.WRITE);
      const rng = s.rng.fork();
      const loop = ioLoop({
        tid, t, count: share(p.ios, t, p.threads), p, rng,
        submitted: (io, va, byte) => {
          if (rng.chance(p.p)) q.items.push({ io, va, len: p.size, byte });
        },
      });
      s.spawn(`iothread${t}`, q.counted(loop), p.qd);
    }
    s.spawn("vcpu", scribbler(s, s.thread(pid, p.threads), q, s.rng.fork()));
  },
};
