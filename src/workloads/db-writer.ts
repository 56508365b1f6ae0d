// A well-behaved database writer (think InnoDB or PostgreSQL with direct I/O):
// fills a page-aligned buffer, submits it, and reuses it only after the write
// completed. Flagged TRUSTED. The baseline: protection should cost it nothing
// but the mechanism itself (no faults, no copies under wp-cow).
import { Device, MapFlag } from "../../assembly/abi.js";
import { KiB, MiB } from "../host/units.js";
import { ioLoop } from "./io-loop.js";
import { buffersTooBig, machineFor, share, slotVa, buffersLen } from "./layout.js";
import { ios, procFlags, qd, region, size, threads, trusted, unsafe } from "./params.js";
import type { Workload } from "./types.js";

export const dbWriter: Workload = {
  id: "db-writer",
  summary: "well-behaved database writer: fill, submit, never touch in flight (TRUSTED)",
  device: Device.PARITY,
  params: [size(64 * KiB), qd(8), ios(1024), threads(1), region(16 * MiB), trusted(1), unsafe(0)],
  machine: (p) => machineFor(p, { threads: p.threads, cpus: p.threads }),
  incompatible: (p) => buffersTooBig(p.threads, p.qd, p.size),
  build(s) {
    const p = s.params;
    const pid = s.proc(procFlags(p));
    for (let t = 0; t < p.threads; t++) {
      const tid = s.thread(pid, t);
      s.map(pid, slotVa(t, 0, p.qd, p.size), buffersLen(p.qd, p.size), MapFlag.WRITE);
      s.spawn(`writer${t}`, ioLoop({ tid, t, count: share(p.ios, t, p.threads), p, rng: s.rng.fork() }), p.qd);
    }
  },
};
