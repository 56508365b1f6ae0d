// The TypeScript reference model: docs/model.md in plain objects, small and
// obviously correct rather than fast. The Wasm core is differentially tested
// against it, so every return code, counter and disk byte follows the spec.
import { Counter, Device, Err, FrameKind, IoState, Key, ProcFlag, STAGING_BYTES, ThreadState } from "../../assembly/abi.js";
import { batchBefore, batchEnd, batchJoin, batchNext, REAP, SUBMIT } from "./batch.js";
import type { Core } from "../core/core.js";
import { check } from "./check.js";
import { DEFAULT_CONFIG, validKey } from "./config.js";
import { SECTOR } from "./disk.js";
import { completeDio, dioDma, submitDio } from "./dio.js";

import { doExit, kernelClone } from "./fork.js";
import { doMmap, doMunmap } from "./mmap.js";
import { doMmapAlias } from "./rmap.js";
import { doRing } from "./ring.js";
import { newProc, newThread, setThreadState } from "./proc.js";
import { State } from "./state.js";
import { switchMm } from "./tlb.js";
import { userAccess } from "./uaccess.js";

// Arguments cross the Wasm ABI as i32: ids and CPUs are signed, addresses,
// lengths, sectors, bytes and flags are read as u32.
const u32 = (x: number): number => x >>> 0;
const i32 = (x: number): number => x | 0;

export { DEFAULT_CONFIG };

export class RefCore implements Core {
  readonly kind = "model";
  private readonly pending: number[] = DEFAULT_CONFIG.slice();
  private st: State;

  constructor() {
    this.st = new State(this.pending.slice());
  }

  set(key: number, value: number): number {
    key = i32(key);
    value = u32(value);
    if (!validKey(key, value)) return this.st.fail(Err.INVAL, key);
    this.pending[key] = value;
    // A sysfs knob flipped at run time: later submits use it (6.0); an open submission call ends first.
    if (key === Key.POLICY || key === Key.STABLE) {
      this.changing();
      this.st.cfg[key] = value;
    }
    return 0;
  }

  /** A call that changes state: an open submission call or reap (batch.ts) ends first, its shootdowns with it. */
  private changing(): void {
    if (this.st.batch) batchEnd(this.st);
  }

  get(key: number): number {
    key = i32(key);
    if (key < 0 || key >= Key.COUNT) return this.st.fail(Err.INVAL, key);
    return this.pending[key];
  }

  reset(): number {
    this.st = new State(this.pending.slice());
    return 0;
  }

  procCreate(flags: number): number {
    const st = this.st;
    this.changing();
    flags = u32(flags);
    if (flags & ~ProcFlag.INPUTS) return st.fail(Err.INVAL);
    if (st.procs.length >= st.cfg[Key.MAX_PROCS]) return st.fail(Err.LIMIT, st.cfg[Key.MAX_PROCS]);
    return newProc(st, flags).pid;
  }

  procFlags(pid: number): number {
    const p = this.st.proc(i32(pid));
    return p ? p.flags : this.st.fail(Err.NO_PROC);
  }

  threadCreate(pid: number, cpu: number): number {
    const st = this.st;
    this.changing();
    cpu = i32(cpu);
    const p = st.proc(i32(pid));
    if (!p) return st.fail(Err.NO_PROC);
    if (p.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
    if (cpu < 0 || cpu >= st.cfg[Key.CPUS]) return st.fail(Err.CPU);
    if (st.threads.length >= st.cfg[Key.MAX_THREADS]) return st.fail(Err.LIMIT, st.cfg[Key.MAX_THREADS]);
    const tid = newThread(st, p, cpu);
    switchMm(st, p, cpu); // it runs there: a stale CPU catches up
    return tid;
  }

  threadState(tid: number, state: number): number {
    const st = this.st;
    this.changing();
    const t = st.thread(i32(tid));
    if (!t) return st.fail(Err.NO_THREAD);
    const p = st.procs[t.pid - 1];
    if (p.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
    state = u32(state);
    if (state > ThreadState.IDLE) return st.fail(Err.INVAL);
    setThreadState(st, t.tid, state);
    if (state === ThreadState.RUNNING) switchMm(st, p, t.cpu); // it runs there now: a stale CPU catches up
    return 0;
  }

  threadPid(tid: number): number {
    const t = this.st.thread(i32(tid));
    return t ? t.pid : this.st.fail(Err.NO_THREAD);
  }

  map(pid: number, va: number, len: number, flags: number): number {
    this.changing();
    return doMmap(this.st, i32(pid), u32(va), u32(len), u32(flags));
  }

  mapAlias(pid: number, va: number, len: number, srcPid: number, srcVa: number): number {
    this.changing();
    return doMmapAlias(this.st, i32(pid), u32(va), u32(len), i32(srcPid), u32(srcVa));
  }

  ring(pid: number, va: number, len: number, kind: number): number {
    this.changing();
    return doRing(this.st, i32(pid), u32(va), u32(len), u32(kind));
  }

  unmap(tid: number, va: number, len: number): number {
    this.changing();
    return doMunmap(this.st, i32(tid), u32(va), u32(len));
  }

  store(tid: number, va: number, len: number, byte: number): number {
    this.changing();
    return userAccess(this.st, i32(tid), u32(va), u32(len), { kind: "store", byte: u32(byte) });
  }

  write(tid: number, va: number, bytes: Uint8Array): number {
    this.changing();
    return userAccess(this.st, i32(tid), u32(va), bytes.length, { kind: "write", src: bytes });
  }

  load(tid: number, va: number, len: number): Uint8Array | number {
    this.changing();
    len = u32(len);
    // Only allocate the result once the length is known to be sane.
    const dst = new Uint8Array(len > 0 && len <= STAGING_BYTES ? len : 0);
    const r = userAccess(this.st, i32(tid), u32(va), len, { kind: "load", dst });
    return r < 0 ? r : dst;
  }

  submit(tid: number, op: number, va: number, len: number, sector: number, flags: number): number {
    batchBefore(this.st, SUBMIT, i32(tid)); // a submit by the open call's thread continues it
    return submitDio(this.st, i32(tid), u32(op), u32(va), u32(len), u32(sector), u32(flags));
  }

  dma(io: number): number {
    const st = this.st;
    this.changing();
    io = i32(io);
    if (io < 1 || io > st.lastIo) return st.fail(Err.NO_IO);
    const r = st.ios.get(io);
    if (!r) return st.fail(Err.IO_DONE);
    if (r.state !== IoState.SUBMITTED) return st.fail(Err.IO_STATE);
    dioDma(st, r);
    return 0;
  }

  /**
   * sd_complete, or with `more` sd_complete_more: another completion of the
   * same reap follows. A reap is one thread's: one of another thread's I/O
   * (or a bad id) ends an open reap first.
   */
  complete(io: number, more = false): number {
    const st = this.st;
    io = i32(io);
    const r = io >= 1 && io <= st.lastIo ? st.ios.get(io) : undefined;
    batchBefore(st, REAP, r ? r.tid : 0);
    if (io < 1 || io > st.lastIo) return st.fail(Err.NO_IO);
    if (!r) return st.fail(Err.IO_DONE);
    batchJoin(st, REAP, r.tid, more);
    completeDio(st, r);
    batchNext(st, !more);
    return 0;
  }

  ioState(io: number): number {
    io = i32(io);
    if (io < 1 || io > this.st.lastIo) return IoState.UNKNOWN;
    return this.st.ios.get(io)?.state ?? IoState.COMPLETED;
  }

  fork(tid: number, cpu: number): number {
    this.changing();
    return kernelClone(this.st, i32(tid), i32(cpu));
  }

  exit(pid: number): number {
    this.changing();
    return doExit(this.st, i32(pid));
  }

  scrub(): number {
    this.changing();
    const [bad, torn] = this.st.disk.scrub();
    this.st.c[Counter.CORRUPTIONS] = bad;
    this.st.c[Counter.TORN_SECTORS] = torn;
    return bad;
  }

  check(): number {
    return check(this.st);
  }

  counter(index: number): number {
    index = i32(index);
    if (index < 0 || index >= this.st.c.length) return this.st.fail(Err.INVAL);
    return this.st.c[index];
  }

  frameStats(kind: number): number {
    const pool = this.st.pool;
    let n = 0;
    kind = i32(kind);
    switch (kind) {
      case FrameKind.TOTAL:
        return pool.top;
      case FrameKind.PINNED:
        for (const f of pool.frames) if (f.pin > 0) n++;
        return n;
      case FrameKind.MAPPED:
        for (const f of pool.frames) if (f.map > 0) n++;
        return n;
      case FrameKind.FREE:
      case FrameKind.USER:
      case FrameKind.BOUNCE:
      case FrameKind.PGTABLE:
      case FrameKind.SCRATCH:
        for (const f of pool.frames) if (f.kind === kind) n++;
        return n;
    }
    return this.st.fail(Err.INVAL);
  }

  warnCount(): number {
    return this.st.warns.length;
  }

  warnField(index: number, field: number): number {
    const w = this.st.warns[i32(index)];
    if (!w || i32(index) < 0) return this.st.fail(Err.INVAL);
    switch (i32(field)) {
      case 0:
        return w.pid;
      case 1:
        return w.va;
      case 2:
        return w.io;
      case 3:
        return w.kind;
    }
    return this.st.fail(Err.INVAL);
  }

  errDetail(): number {
    return this.st.detail;
  }

  diskRead(sector: number, count: number): Uint8Array | number {
    const st = this.st;
    sector = u32(sector);
    count = u32(count);
    if (count === 0 || count * SECTOR > STAGING_BYTES) return st.fail(Err.INVAL);
    if (sector + count > st.disk.sectors) return st.fail(Err.DISK_RANGE);
    const out = new Uint8Array(count * SECTOR);
    for (let i = 0; i < count; i++) st.disk.readSector(sector + i, out, i * SECTOR);
    return out;
  }

  parityRead(stripe: number): Uint8Array | number {
    const st = this.st;
    stripe = u32(stripe);
    if (st.cfg[Key.DEVICE] !== Device.PARITY) return st.fail(Err.INVAL);
    if (stripe >= st.disk.stripes) return st.fail(Err.DISK_RANGE);
    return st.disk.parityOf(stripe).slice();
  }

  diskUnwritten(block: number, count: number): number {
    const st = this.st;
    this.changing();
    block = u32(block);
    count = u32(count);
    if (st.cfg[Key.DEVICE] !== Device.FS_CSUM || count === 0) return st.fail(Err.INVAL);
    if (block + count > st.disk.blocks) return st.fail(Err.DISK_RANGE);
    for (let b = block; b < block + count; b++) st.disk.markUnwritten(b);
    return 0;
  }

  diskMeta(kind: number, index: number): number {
    const st = this.st;
    const d = st.disk;
    index = u32(index);
    switch (i32(kind)) {
      case 0:
        if (!d.oracle) return st.fail(Err.INVAL);
        if (index >= d.sectors) return st.fail(Err.DISK_RANGE);
        return d.hash(index);
      case 1:
        if (d.device !== Device.PI) return st.fail(Err.INVAL);
        if (index >= d.sectors) return st.fail(Err.DISK_RANGE);
        return d.guard(index);
      case 2:
        if (d.device !== Device.FS_CSUM) return st.fail(Err.INVAL);
        if (index >= d.blocks) return st.fail(Err.DISK_RANGE);
        return d.crc(index);
      case 3:
        if (d.device !== Device.FS_CSUM) return st.fail(Err.INVAL);
        if (index >= d.blocks) return st.fail(Err.DISK_RANGE);
        return d.isUnwritten(index) ? 0 : 1;
    }
    return st.fail(Err.INVAL);
  }
}
