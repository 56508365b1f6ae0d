// Commands that touch user memory: stores, writes and loads into a mapping,
// and stores aimed at (or just beside) the buffer of an I/O in flight, which
// is where write-protection, COW, waits and false positives happen.
import fc from "fast-check";
import { hex, rarely } from "./arbs.js";
import { actor, type Cmd } from "./cmd-procs.js";
import type { Model } from "./model.js";
import type { Pair } from "./pair.js";


/** An address in a region for an access of `len` bytes: inside it unless `overrun`. */
function at(reg: { va: number; len: number }, off: number, len: number, overrun: boolean): number {
  return reg.va + (off % (overrun ? reg.len : Math.max(1, reg.len - len + 1)));
}

export class StoreCmd implements Cmd {
  constructor(readonly t: number, readonly r: number, readonly off: number, readonly len: number, readonly byte: number, readonly dead: boolean, readonly overrun: boolean) {}
  check = (m: Model) => m.liveThreads().length > 0;
  run(m: Model, r: Pair): void {
    const t = actor(m, this.t, this.dead)!;
    const va = at(m.region(t.pid, this.r), this.off, this.len, this.overrun);
    r.call(`store(${t.tid}, ${hex(va)}, ${this.len}, ${this.byte})`, "access", (c) => c.store(t.tid, va, this.len, this.byte));
  }
  toString = () => `store(t${this.t}${this.dead ? "*" : ""}, r${this.r}, +${this.off}${this.overrun ? "!" : ""}, ${this.len}, ${this.byte})`;
}

export class WriteCmd implements Cmd {
  constructor(readonly t: number, readonly r: number, readonly off: number, readonly bytes: Uint8Array) {}
  check = (m: Model) => m.liveThreads().length > 0;
  run(m: Model, r: Pair): void {
    const t = actor(m, this.t)!;
    const va = at(m.region(t.pid, this.r), this.off, this.bytes.length, false);
    r.call(`write(${t.tid}, ${hex(va)}, ${this.bytes.length} bytes)`, "access", (c) => c.write(t.tid, va, this.bytes));
  }
  toString = () => `write(t${this.t}, r${this.r}, +${this.off}, [${this.bytes.join(",")}])`;
}

export class LoadCmd implements Cmd {
  constructor(readonly t: number, readonly r: number, readonly off: number, readonly len: number, readonly overrun: boolean) {}
  check = (m: Model) => m.liveThreads().length > 0;
  run(m: Model, r: Pair): void {
    const t = actor(m, this.t)!;
    const va = at(m.region(t.pid, this.r), this.off, this.len, this.overrun);
    r.call(`load(${t.tid}, ${hex(va)}, ${this.len})`, "access", (c) => c.load(t.tid, va, this.len));
  }
  toString = () => `load(t${this.t}, r${this.r}, +${this.off}${this.overrun ? "!" : ""}, ${this.len})`;
}

/** A store into an in-flight I/O's buffer, from its process if alive, shifted back by `before` bytes. */
export class StoreIoCmd implements Cmd {
  constructor(readonly i: number, readonly t: number, readonly off: number, readonly before: number, readonly len: number, readonly byte: number) {}
  check = (m: Model) => m.inFlight().length > 0 && m.liveThreads().length > 0;
  run(m: Model, r: Pair): void {
    const ios = m.inFlight();
    const io = ios[this.i % ios.length];
    const own = m.liveThreads().filter((x) => x.pid === io.pid);
    const t = own.length ? own[this.t % own.length] : actor(m, this.t)!;
    const va = Math.max(0, io.va + (this.off % io.len) - this.before);
    r.call(`store(${t.tid}, ${hex(va)}, ${this.len}, ${this.byte}) into io ${io.id}`, "access", (c) => c.store(t.tid, va, this.len, this.byte));
  }
  toString = () => `storeIo(i${this.i}, t${this.t}, +${this.off}-${this.before}, ${this.len}, ${this.byte})`;
}

const len = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 64 }) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 9000 }) });

export const accessCmds = {
  store: fc
    .tuple(fc.nat(15), fc.nat(3), fc.nat(0x20_0000), len, fc.nat(255), rarely(), rarely())
    .map(([t, r, o, n, b, d, ov]) => new StoreCmd(t, r, o, n, b, d, ov)),
  write: fc.tuple(fc.nat(15), fc.nat(3), fc.nat(0x20_0000), fc.uint8Array({ minLength: 1, maxLength: 700 })).map(([t, r, o, b]) => new WriteCmd(t, r, o, b)),
  load: fc.tuple(fc.nat(15), fc.nat(3), fc.nat(0x20_0000), len, rarely()).map(([t, r, o, n, ov]) => new LoadCmd(t, r, o, n, ov)),
  storeIo: fc
    .tuple(fc.nat(15), fc.nat(3), fc.nat(0x40_0000), fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(700) }), len, fc.nat(255))
    .map(([i, t, o, b, n, v]) => new StoreIoCmd(i, t, o, b, n, v)),
};
