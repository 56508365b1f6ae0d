// A well-behaved writer with T threads spread over C CPUs. Nobody touches a
// buffer in flight; what it shows is the price of write-protecting pages of a
// process that runs on many CPUs: every protect and restore is a TLB
// shootdown with one IPI per remote CPU.
import { Device, MapFlag } from "../../assembly/abi.js";
import { KiB, MiB } from "../host/units.js";
import { ioLoop } from "./io-loop.js";
import { buffersTooBig, machineFor, share, slotVa, buffersLen } from "./layout.js";
import { cpus, ios, procFlags, qd, region, size, threads, trusted, unsafe } from "./params.js";
import type { Workload } from "./types.js";

export const multithread: Workload = {
  id: "multithread",
  summary: "well-behaved writer with T threads on C CPUs: shootdowns and IPIs",
  device: Device.FS_CSUM,
  params: [threads(4), cpus(4), size(16 * KiB), qd(2), ios(2048), region(16 * MiB), unsafe(0), trusted(0)],
  machine: (p) => machineFor(p, { threads: p.threads, cpus: p.cpus }),
  incompatible: (p) => buffersTooBig(p.threads, p.qd, p.size),
  build(s) {
    const p = s.params;
    const pid = s.proc(procFlags(p));
    for (let t = 0; t < p.threads; t++) {
      const tid = s.thread(pid, t % p.cpus);
      s.map(pid, slotVa(t, 0, p.qd, p.size), buffersLen(p.qd, p.size), MapFlag.WRITE);
      s.spawn(`writer${t}`, ioLoop({ tid, t, count: share(p.ios, t, p.threads), p, rng: s.rng.fork() }), p.qd);
    }
  },
};
