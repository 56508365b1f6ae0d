// Direct I/O: the stability decision and the mode (docs/model.md section 5),
// sd_submit (6.7), the DMA point (6.9) and the completion (6.10).
import {
  Counter,
  Device,
  Err,
  FrameKind,
  IoFlag,
  IoState,
  Key,
  MAX_IO_BYTES,
  Mode,
  Op,
  Policy,
  ProcFlag,
  Stable,
  WarnKind,
} from "../../assembly/abi.js";
import { crc16t10, crc32c, oracleHash } from "./checksum.js";
import { SECTOR } from "./disk.js";
import { FOLIO, PAGE, type Alloc } from "./frames.js";
import {
  canWrite,
  canWritePmd,
  copyPage,
  demandFault,
  DWP,
  entry,
  folioAny,
  frameOf,
  MAY,
  P,
  pageFrame,
  setSlot,
  SHR,
  slotOf,
  split,
  V,
  W,
} from "./pagetable.js";
import { SPACE, type Io, type PageRec, type Proc, type State } from "./state.js";
import { shootdown } from "./tlb.js";

/** Section 5: does this I/O need stable pages? level: 0 kernel, 1 promise, 2 nobody. */
export function needsStable(st: State, op: number, level: number): boolean {
  const stable = st.cfg[Key.STABLE];
  if (stable === Stable.ALWAYS) return true;
  if (stable === Stable.NEVER) return false;
  switch (st.cfg[Key.DEVICE]) {
    case Device.PI:
      return op === Op.WRITE && level === 1;
    case Device.PARITY:
      return op === Op.WRITE && level >= 1;
    case Device.FS_CSUM:
      return level >= 1;
    default:
      return false;
  }
}

export function decideMode(st: State, p: Proc, op: number, level: number): number {
  if (!needsStable(st, op, level)) return Mode.DIRECT;
  const degraded = (p.flags & ProcFlag.DEGRADED) !== 0;
  switch (st.cfg[Key.POLICY]) {
    case Policy.DIRECT:
      return Mode.DIRECT;
    case Policy.BOUNCE:
      return Mode.BOUNCE;
    case Policy.WP_COW:
    case Policy.WP_WAIT:
      return Mode.WP;
    case Policy.WP_COW_DEGRADE:
      return degraded ? Mode.BOUNCE : Mode.WP;
    case Policy.OPT_OUT:
      return p.flags & ProcFlag.UNSAFE ? Mode.BOUNCE : Mode.DIRECT;
    case Policy.OPT_OUT_INVERSE:
      return p.flags & ProcFlag.TRUSTED ? Mode.DIRECT : Mode.BOUNCE;
    case Policy.VERIFY:
      if (op === Op.READ) return Mode.DIRECT;
      return degraded ? Mode.BOUNCE : Mode.VERIFY;
  }
  throw new Error("unknown policy");
}

/** Modes that pin the user pages (GUP with FOLL_PIN). */
function pins(mode: number, op: number): boolean {
  return mode !== Mode.BOUNCE || op === Op.READ;
}

/** Sectors [a, b) of a frame that the byte range [off, off+n) covers. */
function sectorsOf(off: number, n: number): [number, number] {
  return [Math.floor(off / SECTOR), Math.ceil((off + n) / SECTOR)];
}

export function submit(st: State, tid: number, op: number, va: number, len: number, sector: number, flags: number): number {
  const t = st.thread(tid);
  if (!t) return st.fail(Err.NO_THREAD);
  const p = st.procs[t.pid - 1];
  if (p.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
  if ((op !== Op.WRITE && op !== Op.READ) || flags & ~IoFlag.ALL || len === 0 || len > MAX_IO_BYTES) return st.fail(Err.INVAL);
  if (va % SECTOR !== 0 || len % SECTOR !== 0) return st.fail(Err.ALIGN);
  const dev = st.cfg[Key.DEVICE];
  if (dev === Device.FS_CSUM && (va % PAGE !== 0 || len % PAGE !== 0 || sector % 8 !== 0)) return st.fail(Err.ALIGN);
  if (va + len > SPACE) return st.fail(Err.RANGE);
  if (sector + len / SECTOR > st.disk.sectors) return st.fail(Err.DISK_RANGE);
  const first = Math.floor(va / PAGE);
  const last = Math.floor((va + len - 1) / PAGE);
  const npages = last - first + 1;
  for (let vpn = first; vpn <= last; vpn++) if (!(slotOf(st, p, vpn).e & V)) return st.fail(Err.NOT_MAPPED);
  if (op === Op.READ) for (let vpn = first; vpn <= last; vpn++) if (!(slotOf(st, p, vpn).e & MAY)) return st.fail(Err.RO);
  const id = st.lastIo + 1;
  if (st.slots.has(id & (st.cfg[Key.MAX_IOS] - 1))) return st.fail(Err.LIMIT, st.cfg[Key.MAX_IOS]);
  if (st.ioPagesUsed + npages > st.cfg[Key.IO_PAGES]) return st.fail(Err.LIMIT, st.cfg[Key.IO_PAGES]);

  const level = p.flags & ProcFlag.KERNEL ? 0 : flags & IoFlag.PROMISE ? 1 : 2;
  const mode = decideMode(st, p, op, level);
  const pinning = pins(mode, op);

  // The byte range of the buffer in each page.
  const recs: PageRec[] = [];
  for (let vpn = first, pos = 0; vpn <= last; vpn++) {
    const off = vpn === first ? va % PAGE : 0;
    const n = Math.min(PAGE - off, len - pos);
    recs.push({ vpn, off, n, sector: sector + pos / SECTOR, frame: -1, bounce: -1, scratch: -1 });
    pos += n;
  }

  // Count what the call will allocate, in order: demand, unshare, bounce, scratch.
  const need: Alloc[] = [];
  const faultedPmds = new Set<number>();
  for (const r of recs) {
    const s = slotOf(st, p, r.vpn);
    if (s.e & P) continue;
    if (!s.huge) need.push("4k");
    else if (!faultedPmds.has(r.vpn >>> 9)) {
      faultedPmds.add(r.vpn >>> 9);
      need.push("huge");
    }
  }
  const unshared = new Set<number>();
  if (pinning) {
    const splitPmds = new Set<number>();
    for (const r of recs) {
      const s = slotOf(st, p, r.vpn);
      if (!(s.e & P) || s.e & SHR) continue; // a new frame from GUP is exclusive
      if (s.huge && !splitPmds.has(r.vpn >>> 9) && folioAny(st, frameOf(s.e), (f) => f.map > 1)) {
        splitPmds.add(r.vpn >>> 9);
        need.push("4k");
      }
      if (st.pool.frames[pageFrame(s, r.vpn)].map > 1) {
        unshared.add(r.vpn);
        need.push("4k");
      }
    }
    // BUSY: a sector of a page that keeps its frame already pinned 255 times.
    for (const r of recs) {
      const s = slotOf(st, p, r.vpn);
      if (!(s.e & P) || unshared.has(r.vpn)) continue;
      const f = st.pool.frames[pageFrame(s, r.vpn)];
      const [a, b] = sectorsOf(r.off, r.n);
      for (let k = a; k < b; k++) if (f.secpins[k] === 255) return st.fail(Err.BUSY);
    }
  }
  if (mode === Mode.BOUNCE) for (let i = 0; i < npages; i++) need.push("4k");
  if (dev === Device.PARITY && op === Op.WRITE) for (let i = 0; i < npages; i++) need.push("4k");
  const short = st.pool.plan(need);
  if (short) return st.fail(Err.NOMEM, short);

  // 1. GUP: demand-fault what is not present.
  for (const r of recs) if (!(slotOf(st, p, r.vpn).e & P)) demandFault(st, p, r.vpn);
  if (pinning) {
    // 2. Unshare a possibly shared anonymous page before pinning it.
    for (const r of recs) {
      let s = slotOf(st, p, r.vpn);
      if (s.e & SHR) continue;
      if (s.huge && folioAny(st, frameOf(s.e), (f) => f.map > 1)) {
        split(st, p, r.vpn >>> 9, t.cpu);
        s = slotOf(st, p, r.vpn);
      }
      // A READ pins with FOLL_WRITE (a write fault: the copy is writable); a WRITE
      // unshares (FAULT_FLAG_UNSHARE: the copy stays read-only, MAY kept).
      if (!s.huge && st.pool.frames[pageFrame(s, r.vpn)].map > 1) copyPage(st, p, r.vpn, t.cpu, true, op === Op.READ);
    }
    // 3. Pin.
    for (const r of recs) {
      r.frame = pageFrame(slotOf(st, p, r.vpn), r.vpn);
      const f = st.pool.frames[r.frame];
      f.pin++;
      f.ref++;
      st.c[Counter.PINS]++;
      const [a, b] = sectorsOf(r.off, r.n);
      for (let k = a; k < b; k++) f.secpins[k]++;
    }
  }
  // 4. Write-protect.
  if (mode === Mode.WP) writeProtect(st, p, t.cpu, recs);
  // 5. Bounce.
  if (mode === Mode.BOUNCE) {
    for (const r of recs) {
      r.bounce = st.pool.alloc4k(FrameKind.BOUNCE, false);
      st.pool.frames[r.bounce].ref = 1;
      if (op === Op.WRITE) {
        const u = st.pool.frames[pageFrame(slotOf(st, p, r.vpn), r.vpn)];
        st.pool.frames[r.bounce].bytes.set(u.bytes.subarray(r.off, r.off + r.n), r.off);
        st.c[Counter.BYTES_BOUNCED] += r.n;
        st.c[Counter.BYTES_COPIED] += r.n;
      }
    }
  }
  const io: Io = {
    id,
    state: IoState.SUBMITTED,
    mode,
    policy: st.cfg[Key.POLICY],
    op,
    tid,
    pid: p.pid,
    cpu: t.cpu,
    va,
    len,
    sector,
    pages: recs,
    guards: [],
    crcs: [],
    hashes: [],
  };
  // 6. The device's submit-time work, over the bytes it is given.
  if (op === Op.WRITE) {
    for (const r of recs) {
      const src = r.bounce >= 0 ? st.pool.frames[r.bounce] : st.pool.frames[pageFrame(slotOf(st, p, r.vpn), r.vpn)];
      if (dev === Device.PARITY) {
        r.scratch = st.pool.alloc4k(FrameKind.SCRATCH, false);
        const sc = st.pool.frames[r.scratch];
        sc.ref = 1;
        sc.bytes.set(src.bytes.subarray(r.off, r.off + r.n), r.off);
      }
      if (dev === Device.FS_CSUM) {
        io.crcs.push(crc32c(src.bytes));
        st.c[Counter.CSUM_BYTES] += PAGE;
      }
      for (let o = r.off; o < r.off + r.n; o += SECTOR) {
        if (dev === Device.PI) {
          io.guards.push(crc16t10(src.bytes, o, SECTOR));
          st.c[Counter.CSUM_BYTES] += SECTOR;
        }
        if (st.disk.oracle) io.hashes.push(oracleHash(src.bytes, o));
      }
    }
  }
  // 7. Account.
  st.c[op === Op.WRITE ? Counter.WRITES : Counter.READS]++;
  st.c[op === Op.WRITE ? Counter.BYTES_WRITTEN : Counter.BYTES_READ] += len;
  st.c[[Counter.DIRECT_IOS, Counter.BOUNCE_IOS, Counter.PROTECTED_IOS, Counter.VERIFY_IOS][mode]]++;
  st.lastIo = id;
  st.ios.set(id, io);
  st.slots.set(id & (st.cfg[Key.MAX_IOS] - 1), id);
  st.ioPagesUsed += npages;
  return id;
}

/**
 * 6.7 step 4: every page gets wpcount++, each entry with W loses it and gains
 * DWP, one shootdown over the changed pages. A MAP_SHARED frame is also
 * write-protected in every other process that maps it writable at the same
 * address (a fork of the submitter), as folio_mkclean would walk the rmap.
 */
function writeProtect(st: State, p: Proc, cpu: number, recs: PageRec[]): void {
  for (const r of recs) st.pool.frames[r.frame].wp++;
  protectIn(st, p, cpu, recs, false);
  if (!recs.some((r) => slotOf(st, p, r.vpn).e & SHR)) return;
  for (const q of st.procs) {
    if (q === p || q.flags & ProcFlag.DEAD) continue;
    protectIn(st, q, cpu, recs, true);
  }
}

function protectIn(st: State, p: Proc, cpu: number, recs: PageRec[], sharedOnly: boolean): void {
  let lo = -1;
  let hi = -1;
  const donePmds = new Set<number>();
  for (const r of recs) {
    const s = slotOf(st, p, r.vpn);
    if (!(s.e & P) || !(s.e & W) || pageFrame(s, r.vpn) !== r.frame) continue;
    if (sharedOnly && !(s.e & SHR)) continue;
    if (s.huge) {
      if (donePmds.has(r.vpn >>> 9)) continue;
      donePmds.add(r.vpn >>> 9);
    }
    setSlot(st, p, r.vpn, entry(frameOf(s.e), ((s.e & 0xfff) & ~W) | DWP));
    st.c[s.huge ? Counter.PMD_FLIPS : Counter.PTE_FLIPS]++;
    const a = s.huge ? (r.vpn >>> 9) * FOLIO : r.vpn;
    if (lo < 0) lo = a;
    hi = s.huge ? a + FOLIO - 1 : a;
  }
  if (lo >= 0) shootdown(st, p.pid, cpu, lo, hi - lo + 1);
}

/** 6.9: the device's DMA point. */
export function dmaIo(st: State, io: Io): void {
  const dev = st.cfg[Key.DEVICE];
  const d = st.disk;
  if (io.op === Op.WRITE) {
    const check = st.cfg[Key.DMA_CHECK] === 1;
    let mismatch = false;
    let k = 0; // buffer sector
    io.pages.forEach((r, pi) => {
      // DIRECT, WP and VERIFY read the pinned frame as it is now.
      const src = st.pool.frames[r.bounce >= 0 ? r.bounce : r.frame].bytes;
      if (check && dev === Device.FS_CSUM) {
        if (crc32c(src) !== io.crcs[pi]) mismatch = true;
        st.c[Counter.CSUM_BYTES] += PAGE;
      }
      for (let o = r.off, s = r.sector; o < r.off + r.n; o += SECTOR, s++, k++) {
        if (check && dev === Device.PI) {
          if (crc16t10(src, o, SECTOR) !== io.guards[k]) mismatch = true;
          st.c[Counter.CSUM_BYTES] += SECTOR;
        }
        if (dev === Device.PARITY) {
          const snap = st.pool.frames[r.scratch].bytes;
          if (check && !sameBytes(src, snap, o, SECTOR)) mismatch = true;
          d.writeSector(s, src, o, snap, o);
        } else d.writeSector(s, src, o, src, o);
        if (dev === Device.PI) d.setGuard(s, io.guards[k]);
        if (d.oracle) d.setHash(s, io.hashes[k]);
      }
      if (dev === Device.FS_CSUM) d.setCrc(r.sector >>> 3, io.crcs[pi]);
    });
    if (mismatch) st.c[Counter.DMA_MISMATCHES]++;
  } else {
    // A read takes each block's stored crc32c with its bytes: btrfs looks the
    // sums up at submit (btrfs_lookup_bio_sums) by the extent's disk address,
    // under the extent lock, and never overwrites an extent in place, so they
    // are the sums of the bytes this DMA transfers. The model's disk changes
    // in place, so that guarantee is a capture here (docs/model.md 6.9).
    io.crcs = [];
    // Into the pinned frames (not bounced): the read is lost if the process
    // no longer maps one of them as the data arrives (a COW before this point,
    // or an unmap). A COW after it copies the data along.
    const p = st.procs[io.pid - 1];
    const watch = io.mode !== Mode.BOUNCE && !(p.flags & ProcFlag.DEAD);
    for (const r of io.pages) {
      const dst = st.pool.frames[r.bounce >= 0 ? r.bounce : r.frame].bytes;
      for (let o = r.off, s = r.sector; o < r.off + r.n; o += SECTOR, s++) d.readSector(s, dst, o);
      if (dev === Device.FS_CSUM) io.crcs.push(d.crc(r.sector >>> 3));
      if (watch) {
        const s = slotOf(st, p, r.vpn);
        if (!(s.e & P) || pageFrame(s, r.vpn) !== r.frame) io.orphaned = true;
      }
    }
  }
  io.state = IoState.DMA_DONE;
}

function sameBytes(a: Uint8Array, b: Uint8Array, off: number, n: number): boolean {
  for (let i = off; i < off + n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** 6.10: completion (DMA first if it has not happened). */
export function completeIo(st: State, io: Io): void {
  if (io.state === IoState.SUBMITTED) dmaIo(st, io);
  const dev = st.cfg[Key.DEVICE];
  const p = st.procs[io.pid - 1];
  const alive = !(p.flags & ProcFlag.DEAD);
  const frames = st.pool.frames;

  // 1. verify: check the pinned bytes again; on a difference rewrite through the buffered path.
  if (io.mode === Mode.VERIFY && io.op === Op.WRITE) {
    let differ = false;
    let k = 0;
    io.pages.forEach((r, pi) => {
      const b = frames[r.frame].bytes;
      if (dev === Device.FS_CSUM) {
        if (crc32c(b) !== io.crcs[pi]) differ = true;
        st.c[Counter.CSUM_BYTES] += PAGE;
      }
      for (let o = r.off; o < r.off + r.n; o += SECTOR, k++) {
        if (dev === Device.PI) {
          if (crc16t10(b, o, SECTOR) !== io.guards[k]) differ = true;
          st.c[Counter.CSUM_BYTES] += SECTOR;
        }
        if (dev === Device.PARITY && !sameBytes(b, frames[r.scratch].bytes, o, SECTOR)) differ = true;
      }
    });
    if (differ) {
      st.c[Counter.VERIFY_FAILURES]++;
      if (!(p.flags & ProcFlag.WARNED)) {
        p.flags |= ProcFlag.WARNED;
        st.warn(p.pid, io.va, io.id, WarnKind.VERIFY);
      }
      if (!(p.flags & ProcFlag.DEGRADED)) {
        p.flags |= ProcFlag.DEGRADED;
        st.c[Counter.DEGRADED]++;
      }
      rewrite(st, io);
    }
  }

  // 2. read: fs-csum verifies the destination; bounce copies out; else count a read the DMA lost.
  if (io.op === Op.READ) {
    if (dev === Device.FS_CSUM) {
      let bad = false;
      io.pages.forEach((r, pi) => {
        const b = frames[r.bounce >= 0 ? r.bounce : r.frame].bytes;
        if (crc32c(b) !== io.crcs[pi]) bad = true;
        st.c[Counter.CSUM_BYTES] += PAGE;
      });
      if (bad) st.c[Counter.READ_VERIFY_FAILURES]++;
    }
    if (io.mode === Mode.BOUNCE) {
      for (const r of io.pages) {
        frames[r.frame].bytes.set(frames[r.bounce].bytes.subarray(r.off, r.off + r.n), r.off);
        st.c[Counter.BYTES_BOUNCED] += r.n;
        st.c[Counter.BYTES_COPIED] += r.n;
      }
    } else if (alive && io.orphaned) {
      // The data went to a frame the process had stopped mapping before the DMA (see dmaIo).
      st.c[Counter.LOST_READS]++;
    }
  }

  // 3. WP: drop the protection; restore W where canWrite allows, then one shootdown.
  if (io.mode === Mode.WP) {
    for (const r of io.pages) frames[r.frame].wp--;
    restoreAll(st, p, io);
  }

  // 4. Unpin and free.
  for (const r of io.pages) {
    if (r.frame >= 0) {
      const f = frames[r.frame];
      f.pin--;
      const [a, b] = sectorsOf(r.off, r.n);
      for (let k = a; k < b; k++) f.secpins[k]--;
      st.c[Counter.UNPINS]++;
      st.pool.put(r.frame);
    }
    if (r.bounce >= 0) st.pool.put(r.bounce);
    if (r.scratch >= 0) st.pool.put(r.scratch);
  }
  st.c[Counter.COMPLETIONS]++;
  io.state = IoState.COMPLETED;
  st.ios.delete(io.id);
  st.slots.delete(io.id & (st.cfg[Key.MAX_IOS] - 1));
  st.ioPagesUsed -= io.pages.length;
}

/** The verify policy's rewrite of every page through the buffered path. */
function rewrite(st: State, io: Io): void {
  const dev = st.cfg[Key.DEVICE];
  for (const r of io.pages) {
    // The kernel buffer: a transient copy, not a frame of the pool.
    const buf = st.pool.frames[r.frame].bytes.slice();
    st.c[Counter.BYTES_REWRITE] += r.n;
    st.c[Counter.BYTES_COPIED] += r.n;
    if (dev === Device.FS_CSUM) {
      st.disk.setCrc(r.sector >>> 3, crc32c(buf));
      st.c[Counter.CSUM_BYTES] += PAGE;
    }
    for (let o = r.off, s = r.sector; o < r.off + r.n; o += SECTOR, s++) {
      if (dev === Device.PI) {
        st.disk.setGuard(s, crc16t10(buf, o, SECTOR));
        st.c[Counter.CSUM_BYTES] += SECTOR;
      }
      st.disk.writeSector(s, buf, o, buf, o);
    }
  }
}

/**
 * 6.10 step 3 after wpcount--: the submitter's entries that still map the
 * pinned frames, have DWP and pass canWrite get W back, then (shared frames,
 * or the submitter gone) the same in every other live process.
 */
function restoreAll(st: State, p: Proc, io: Io): void {
  const alive = !(p.flags & ProcFlag.DEAD);
  if (alive) restoreIn(st, p, io);
  if (alive && !io.pages.some((r) => slotOf(st, p, r.vpn).e & SHR)) return;
  for (const q of st.procs) {
    if (q === p || q.flags & ProcFlag.DEAD) continue;
    restoreIn(st, q, io);
  }
}

function restoreIn(st: State, p: Proc, io: Io): void {
  let lo = -1;
  let hi = -1;
  const donePmds = new Set<number>();
  for (const r of io.pages) {
    const s = slotOf(st, p, r.vpn);
    if (!(s.e & P) || !(s.e & DWP) || pageFrame(s, r.vpn) !== r.frame) continue;
    if (s.huge) {
      if (donePmds.has(r.vpn >>> 9)) continue;
      donePmds.add(r.vpn >>> 9);
      if (!canWritePmd(st, s.e)) continue;
    } else if (!canWrite(s.e, st.pool.frames[r.frame])) continue;
    setSlot(st, p, r.vpn, entry(frameOf(s.e), ((s.e & 0xfff) | W) & ~DWP));
    st.c[s.huge ? Counter.PMD_FLIPS : Counter.PTE_FLIPS]++;
    const a = s.huge ? (r.vpn >>> 9) * FOLIO : r.vpn;
    if (lo < 0) lo = a;
    hi = s.huge ? a + FOLIO - 1 : a;
  }
  if (lo >= 0) shootdown(st, p.pid, io.cpu, lo, hi - lo + 1);
}

/** In-flight WP I/Os pinning any of `frames`, ascending id. */
export function wpIosPinning(st: State, frames: Set<number>): Io[] {
  const out: Io[] = [];
  for (const io of st.ios.values()) {
    if (io.mode === Mode.WP && io.pages.some((r) => frames.has(r.frame))) out.push(io);
  }
  return out.sort((a, b) => a.id - b.id);
}

/**
 * Completion's restore, then submission's write-protect, of write-protected
 * I/O `io` still in flight, through the functions completeIo and submit use:
 * the benchmark's operation (src/bench/model-ops.ts), as assembly/dio.ts
 * reprotect. Returns the entries flipped, both halves.
 */
export function reprotect(st: State, io: Io): number {
  const p = st.procs[io.pid - 1];
  if (io.mode !== Mode.WP || p.flags & ProcFlag.DEAD) return -Err.INVAL;
  // Submit would protect what the pages map now: only the same frames make it the same I/O.
  for (const r of io.pages) {
    const s = slotOf(st, p, r.vpn);
    if (!(s.e & P) || pageFrame(s, r.vpn) !== r.frame) return -Err.INVAL;
  }
  const flips = () => st.c[Counter.PTE_FLIPS] + st.c[Counter.PMD_FLIPS];
  const c0 = flips();
  for (const r of io.pages) st.pool.frames[r.frame].wp--;
  restoreAll(st, p, io);
  writeProtect(st, p, io.cpu, io.pages);
  return flips() - c0;
}
