// Commands of the pinned-page cases: one MAP_SHARED segment at a
// second address (sd_map_alias), a completion ring the kernel writes at every
// completion (sd_ring), and disk blocks never written (sd_disk_unwritten).
// Alias and ring store to their source first, so that its pages are present,
// and mostly pick a MAP_SHARED region (`any` picks any region: the refusals).
// A job reading into another job's buffers (buffers.of) needs no command of
// its own: a read submitted over a write's pages is one (cmd-io.ts).
import fc from "fast-check";
import { hex, rarely } from "./arbs.js";
import { MapFlag, Ring } from "../../../assembly/abi.js";
import { actor, type Cmd } from "./cmd-procs.js";
import { PAGE, SLOTS, type Model, type Region } from "./model.js";
import type { Pair } from "./pair.js";

/** The thread a command acts as and its region: unless `any`, one whose process has a MAP_SHARED region of PTEs, if some has. */
function source(m: Model, t: number, k: number, any: boolean): { tid: number; pid: number; reg: Region } {
  const shared = (pid: number) => m.sharedRegion(pid, k).flags & MapFlag.SHARED && !(m.sharedRegion(pid, k).flags & MapFlag.HUGE);
  const ts = any ? [] : m.liveThreads().filter((x) => shared(x.pid));
  const th = ts.length ? ts[t % ts.length] : actor(m, t)!;
  return { ...th, reg: any ? m.region(th.pid, k) : m.sharedRegion(th.pid, k) };
}

/** sd_map_alias of `pages` of a region of the actor's process into a slot of another process (or its own). */
export class AliasCmd implements Cmd {
  constructor(
    readonly t: number, readonly r: number, readonly p: number, readonly slot: number, readonly pages: number, readonly any: boolean,
  ) {}
  check = (m: Model) => m.liveThreads().length > 0 && m.procs.length > 0;
  run(m: Model, r: Pair): void {
    const { reg: src, ...t } = source(m, this.t, this.r, this.any);
    const len = Math.min(this.pages * PAGE, src.len);
    r.call(`store(${t.tid}, ${hex(src.va)}, ${len}, 7) [alias's source]`, "access", (c) => c.store(t.tid, src.va, len, 7));
    const dest = m.procs[this.p % m.procs.length];
    const s = SLOTS[this.slot % SLOTS.length];
    const rc = r.call(`map_alias(${dest.pid}, ${hex(s.va)}, ${hex(len)}, ${t.pid}, ${hex(src.va)})`, "other", (c) =>
      c.mapAlias(dest.pid, s.va, len, t.pid, src.va),
    );
    if (rc !== 0) return;
    dest.regions.push({ slot: this.slot % SLOTS.length, va: s.va, len, flags: src.flags & ~MapFlag.HUGE });
    m.aliases.push({ va: s.va, len, src: src.va });
  }
  toString = () => `alias(t${this.t}, r${this.r}${this.any ? " any" : ""} -> p${this.p}, slot${this.slot}, ${this.pages}p)`;
}

/**
 * sd_ring over a region of the actor's process, or (`io` set) over the pages
 * of an I/O in flight, so that the kernel's stores land in pinned sectors.
 */
export class RingCmd implements Cmd {
  constructor(
    readonly t: number, readonly r: number, readonly pages: number, readonly kind: number, readonly any: boolean, readonly io?: number,
  ) {}
  check = (m: Model) => m.liveThreads().length > 0;
  run(m: Model, r: Pair): void {
    const live = m.inFlight().filter((x) => m.proc(x.pid)?.alive);
    if (this.io !== undefined && live.length > 0) {
      const io = live[this.io % live.length];
      const va = io.va - (io.va % PAGE);
      const len = Math.min(this.pages * PAGE, Math.ceil((io.va + io.len - va) / PAGE) * PAGE);
      const rc = r.call(`ring(${io.pid}, ${hex(va)}, ${hex(len)}, ${this.kind}) [over io ${io.id}]`, "other", (c) => c.ring(io.pid, va, len, this.kind));
      if (rc === 0) m.rings++;
      return;
    }
    const { reg, ...t } = source(m, this.t, this.r, this.any);
    const len = Math.min(this.pages * PAGE, reg.len);
    r.call(`store(${t.tid}, ${hex(reg.va)}, ${len}, 0) [ring]`, "access", (c) => c.store(t.tid, reg.va, len, 0));
    const rc = r.call(`ring(${t.pid}, ${hex(reg.va)}, ${hex(len)}, ${this.kind})`, "other", (c) => c.ring(t.pid, reg.va, len, this.kind));
    if (rc === 0) m.rings++;
  }
  toString = () =>
    `ring(${this.io !== undefined ? `io${this.io}` : `t${this.t}, r${this.r}${this.any ? " any" : ""}`}, ${this.pages}p, ${this.kind})`;
}

/**
 * sd_disk_unwritten of some blocks, `toEnd` to the end of the disk (refused
 * unless the device is fs-csum, for count 0, or past the end).
 */
export class UnwrittenCmd implements Cmd {
  constructor(readonly block: number, readonly count: number, readonly toEnd: boolean) {}
  check = () => true;
  run(m: Model, r: Pair): void {
    const block = this.block % (m.cfg.diskBlocks + 1);
    const count = this.toEnd ? m.cfg.diskBlocks - block : this.count;
    const rc = r.call(`disk_unwritten(${block}, ${count})`, "other", (c) => c.diskUnwritten(block, count));
    if (rc === 0) m.unwrittenCalls++;
  }
  toString = () => `unwritten(${this.block}, ${this.toEnd ? "to the end" : this.count})`;
}

export const pinnedCmds = {
  alias: fc
    .tuple(fc.nat(15), fc.nat(3), fc.nat(7), fc.nat(SLOTS.length - 1), fc.integer({ min: 1, max: 4 }), rarely(6))
    .map(([t, r, p, s, n, any]) => new AliasCmd(t, r, p, s, n, any)),
  ring: fc
    .tuple(
      fc.nat(15), fc.nat(3), fc.integer({ min: 1, max: 4 }),
      fc.oneof({ weight: 8, arbitrary: fc.constantFrom(Ring.AIO, Ring.IO_URING) }, { weight: 1, arbitrary: fc.constant(Ring.COUNT) }),
      rarely(6), fc.option(fc.nat(31), { freq: 2, nil: undefined }),
    )
    .map(([t, r, n, k, any, io]) => new RingCmd(t, r, n, k, any, io)),
  unwritten: fc
    .tuple(fc.nat(520), fc.integer({ min: 0, max: 64 }), rarely(4))
    .map(([b, n, end]) => new UnwrittenCmd(b, n, end)),
};
