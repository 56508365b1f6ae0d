// xfstests generic/761: one 4 KiB buffer; the writer fills it with 0xff and
// writes it with O_DIRECT block by block over a 64 MiB region while a second
// thread of the process, on another CPU, keeps setting it to 0x00. Flagged
// UNSAFE. On a stable device, direct I/O corrupts; every protection must not.
import { Device, MapFlag } from "../../assembly/abi.js";
import { store, wait, write, type Task } from "../host/actions.js";
import { KiB } from "../host/units.js";
import { BUF_VA, regionBlocks, slotSector, stride } from "./layout.js";
import { ios, procFlags, size, trusted, unsafe } from "./params.js";
import type { Params, Workload } from "./types.js";

export const racer: Workload = {
  id: "racer",
  summary: "generic/761: a thread zeroes the 4 KiB buffer while it is written over 64 MiB (UNSAFE)",
  device: Device.FS_CSUM,
  params: [size(4 * KiB), ios(16384, "blocks written, one after the other (16384 x 4 KiB = 64 MiB)"), unsafe(1), trusted(0)],
  machine: (p) => ({
    diskBlocks: regionBlocks(p.ios * p.size),
    cpus: 2,
    userPages: stride(p.size) / 4096,
    inflightPages: stride(p.size) / 4096 + 1,
    procs: 1,
    threads: 2,
  }),
  build(s) {
    const p = s.params;
    const pid = s.proc(procFlags(p));
    const writer = s.thread(pid, 0);
    const zeroer = s.thread(pid, 1);
    s.map(pid, BUF_VA, stride(p.size), MapFlag.WRITE);
    const state = { done: false };
    s.spawn("writer", write761(writer, p, state));
    s.spawn("zeroer", zero761(zeroer, p, state));
  },
};

function* write761(tid: number, p: Params, state: { done: boolean }): Task {
  for (let i = 0; i < p.ios; i++) {
    yield store(tid, BUF_VA, p.size, 0xff);
    const io = yield write(tid, BUF_VA, p.size, slotSector(i, p.size), p.promise === 1);
    yield wait(io);
  }
  state.done = true;
}

function* zero761(tid: number, p: Params, state: { done: boolean }): Task {
  while (!state.done) yield store(tid, BUF_VA, p.size, 0x00);
}
