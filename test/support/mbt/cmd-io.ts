// Commands of direct I/O: submit (checked against section 5's mode table),
// the DMA point and completion (their results follow from the I/O's state).
import fc from "fast-check";
import { hex, rarely } from "./arbs.js";
import { Counter, Device, Err, IoFlag, IoState, Mode, Op } from "../../../assembly/abi.js";
import { actor, type Cmd } from "./cmd-procs.js";
import { PAGE, type IoM, type Model } from "./model.js";
import type { Pair } from "./pair.js";
import { expectedMode } from "./spec.js";

const MODE_COUNTERS = [Counter.DIRECT_IOS, Counter.BOUNCE_IOS, Counter.PROTECTED_IOS, Counter.VERIFY_IOS];

export class SubmitCmd implements Cmd {
  constructor(
    readonly t: number, readonly r: number, readonly off: number, readonly sectors: number,
    readonly sector: number, readonly op: Op, readonly promise: boolean, readonly sloppy: boolean, readonly overrun: boolean,
    /** IoFlag.MORE: another I/O of the same submission call follows (section 12). */
    readonly more = false,
  ) {}
  check = (m: Model) => m.liveThreads().length > 0;
  run(m: Model, r: Pair): void {
    const t = actor(m, this.t)!;
    const reg = m.region(t.pid, this.r);
    // fs-csum needs 4 KiB alignment of va, len and the disk offset; `sloppy` ignores that.
    const unit = m.cfg.device === Device.FS_CSUM && !this.sloppy ? PAGE : 512;
    // Inside the mapping and the disk, unless `overrun`.
    const len = Math.max(unit, Math.floor((this.sectors * 512) / unit) * unit);
    const room = this.overrun ? reg.len : Math.max(1, reg.len - len + 1);
    const va = reg.va + Math.floor((this.off % room) / unit) * unit;
    const sectors = this.overrun ? m.diskSectors : Math.max(1, m.diskSectors - len / 512 + 1);
    const sector = Math.floor((this.sector % sectors) / (unit / 512)) * (unit / 512);
    const flags = (this.promise ? IoFlag.PROMISE : 0) | (this.more ? IoFlag.MORE : 0);
    const before = r.last.counters;
    const procFlags = r.ref.procFlags(t.pid);
    // A read's GUP write faults (docs/model.md 6.7 step 0) stay done when a later one runs out of frames.
    const id = r.call(`submit(${t.tid}, ${Op[this.op]}, ${hex(va)}, ${len}, ${sector}, ${flags})`, this.op === Op.READ ? "access" : "other", (c) =>
      c.submit(t.tid, this.op, va, len, sector, flags),
    );
    if (this.more) r.opened = true; // a submission call may be open: the next call may end it
    if (id <= 0) return;
    if (id !== m.ios.length + 1) r.fail(`submit returned id ${id}, expected ${m.ios.length + 1}`);
    const mode = expectedMode(m.cfg.device, m.stable, m.policy, procFlags, this.op, this.promise);
    const got = MODE_COUNTERS.findIndex((c) => r.last.counters[c] === before[c] + 1);
    if (got !== mode) r.fail(`submit: mode ${Mode[got]}, section 5 says ${Mode[mode]}`);
    m.addIo({ id, pid: t.pid, op: this.op, va, len, mode, policy: m.policy, state: IoState.SUBMITTED });
  }
  toString = () =>
    `submit(t${this.t}, r${this.r}, +${this.off}, ${this.sectors}s, @${this.sector}, ${Op[this.op]}${this.promise ? ", PROMISE" : ""}${this.more ? ", MORE" : ""}${this.sloppy ? ", sloppy" : ""}${this.overrun ? ", overrun" : ""})`;
}

/** Picks an I/O: usually one in flight, sometimes any ever submitted (completed ones too). */
function pickIo(m: Model, i: number, any: boolean): IoM {
  const pool = any || m.inFlight().length === 0 ? m.ios : m.inFlight();
  return pool[i % pool.length];
}

export class DmaCmd implements Cmd {
  constructor(readonly i: number, readonly any: boolean) {}
  check = (m: Model) => m.ios.length > 0;
  run(m: Model, r: Pair): void {
    const io = pickIo(m, this.i, this.any);
    const want = io.state === IoState.SUBMITTED ? 0 : io.state === IoState.DMA_DONE ? -Err.IO_STATE : -Err.IO_DONE;
    r.expected = (id, s) => id === io.id && s === IoState.DMA_DONE;
    const rc = r.call(`dma(${io.id})`, "other", (c) => c.dma(io.id));
    if (rc !== want) r.fail(`dma of an I/O in state ${IoState[io.state]} returned ${rc}, expected ${want}`);
  }
  toString = () => `dma(i${this.i}${this.any ? ", any" : ""})`;
}

export class CompleteCmd implements Cmd {
  /** `more`: sd_complete_more, another completion of the same reap follows (section 12). */
  constructor(readonly i: number, readonly any: boolean, readonly more = false) {}
  check = (m: Model) => m.ios.length > 0;
  run(m: Model, r: Pair): void {
    const io = pickIo(m, this.i, this.any);
    const want = io.state === IoState.COMPLETED ? -Err.IO_DONE : 0;
    r.expected = (id, s) => id === io.id && s === IoState.COMPLETED;
    const rc = r.call(`complete${this.more ? "_more" : ""}(${io.id})`, "other", (c) => c.complete(io.id, this.more));
    if (this.more) r.opened = true;
    if (rc !== want) r.fail(`complete of an I/O in state ${IoState[io.state]} returned ${rc}, expected ${want}`);
    if (r.ref.ioState(io.id) !== IoState.COMPLETED) r.fail(`io ${io.id} is not COMPLETED after complete`);
  }
  toString = () => `complete${this.more ? "_more" : ""}(i${this.i}${this.any ? ", any" : ""})`;
}


export const ioCmds = {
  submit: fc
    .tuple(
      fc.nat(15), fc.nat(3), fc.nat(0x20_0000),
      fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 40 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 8192 }) }),
      fc.nat(0xffff), fc.constantFrom(Op.WRITE, Op.WRITE, Op.READ), fc.boolean(), rarely(), rarely(), rarely(3),
    )
    .map(([t, r, o, n, s, op, p, sl, ov, more]) => new SubmitCmd(t, r, o, n, s, op, p, sl, ov, more)),
  dma: fc.tuple(fc.nat(31), rarely()).map(([i, a]) => new DmaCmd(i, a)),
  complete: fc.tuple(fc.nat(31), rarely(), rarely(3)).map(([i, a, more]) => new CompleteCmd(i, a, more)),
};
