// A writer whose buffers live in a 2 MiB transparent huge page (one PMD), and
// which modifies a fraction p of them in flight from a second thread (a guest
// backed by huge pages). One PMD entry write-protects 512 pages at once, but
// the first write fault splits the PMD and copies 4 KiB; and a store to any
// other buffer of the folio faults too. Flagged UNSAFE.
import { Device, MapFlag } from "../../assembly/abi.js";
import { HUGE, KiB, MiB, PAGE } from "../host/units.js";
import { ioLoop } from "./io-loop.js";
import { buffersTooBig, machineFor, slotVa, threadSpan } from "./layout.js";
import { fraction, ios, procFlags, qd, region, size, trusted, unsafe } from "./params.js";
import { scribbler, ScribbleQueue } from "./scribble.js";
import type { Workload } from "./types.js";

export const hugePages: Workload = {
  id: "huge-pages",
  summary: "buffers in a 2 MiB huge page, a fraction p modified in flight: PMD splits (UNSAFE)",
  device: Device.PARITY,
  params: [
    size(64 * KiB), qd(8), ios(1024), fraction(0.05, "fraction of in-flight buffers modified"),
    region(16 * MiB), unsafe(1), trusted(0),
  ],
  machine: (p) => ({
    ...machineFor(p, { threads: 1, cpus: 2, extraThreads: 1 }),
    userPages: threadSpan(p.qd, p.size) / PAGE,
  }),
  incompatible: (p) => buffersTooBig(1, p.qd, p.size),
  build(s) {
    const p = s.params;
    const pid = s.proc(procFlags(p));
    const writer = s.thread(pid, 0);
    const base = slotVa(0, 0, p.qd, p.size);
    const len = threadSpan(p.qd, p.size); // whole PMDs
    s.map(pid, base, len, MapFlag.WRITE | MapFlag.HUGE);
    // Fault the folios in now: a huge page is a 2 MiB allocation at first touch.
    for (let va = base; va < base + len; va += HUGE) s.store(writer, va, 1, 0);
    const q = new ScribbleQueue();
    const rng = s.rng.fork();
    const loop = ioLoop({
      tid: writer, t: 0, count: p.ios, p, rng,
      submitted: (io, va, byte) => {
        if (rng.chance(p.p)) q.items.push({ io, va, len: p.size, byte });
      },
    });
    s.spawn("writer", q.counted(loop), p.qd);
    s.spawn("toucher", scribbler(s, s.thread(pid, 1), q, s.rng.fork()));
  },
};
