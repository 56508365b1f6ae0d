// In-flight I/Os: the I/O records (one slot per id), the page records they
// take from a shared pool of IO_PAGES, and the questions asked of them
// (docs/model.md section 2, "I/Os").
//
// ╒══════════════════════ I/O record (48 B) ══════════════════════╕
//   +0 id u32 | +4 state u8 | +5 mode u8 | +6 op u8 | +7 policy u8
//   +8 tid u32 | +12 pid u32 | +16 cpu u32 (the submitter's: completion runs there)
//   +20 va u32 | +24 len u32 | +28 sector u32
//   +32 first u32: index of its first page record | +36 npages u32
//   +40 orphaned u8: a read whose DMA found a page no longer mapping its frame
//   +41 shared u8: a page of the buffer was MAP_SHARED when it was pinned
//   +42 run u8: the frames it pins are one run f, f+1, ... (a folio, a buffer faulted in in order)
// └───────────────────────────────────────────────────────────────┘  slot = id & (MAX_IOS - 1)
//
// An I/O's page records are consecutive, one per page of its buffer in page
// order (as a bio's bio_vec array), so every walk over them is a plain loop:
//
//   for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) { ... recFrame(i) ... }
//
// Page record i: the frame it pins in a u32 array of its own (the hot field:
// protect and restore walk it), the rest in an 80-byte record:
// ╒══════════════════════ page record (80 B) ═════════════════════╕
//   +0 bounce (or NIL) | +4 scratch: the parity snapshot (or NIL) | +8 vpn
//   +12 off | +16 len: the buffer's bytes [off, off+len) in this page
//   +20 csum: fs-csum crc32c (a write's at submit, a read's as its DMA found it)
//   +24 guards: 8 x u16, pi, one per sector | +40 oracle: 8 x u32, one per sector
//   +72 nosum u8: a read's block had no checksum (never written) as its DMA found it
// └───────────────────────────────────────────────────────────────┘
// The pool is taken bottom up, in id order. An I/O that completes frees its
// records at once only if they are the top ones; when the top runs out while
// enough records are free, the live blocks move down, in id order (nothing
// but `first` names a record), so blocks stay in id order and never overlap.
import { IoState, Mode } from "./abi";
import { cfgIoPages, cfgMaxIos } from "./config";
import { IO_BYTES, NIL, PAGE_REC_BYTES, ioBase, recBase, recFrameBase } from "./layout";

const I_ID: usize = 0;
const I_STATE: usize = 4;
const I_MODE: usize = 5;
const I_OP: usize = 6;
const I_POLICY: usize = 7;
const I_TID: usize = 8;
const I_PID: usize = 12;
const I_CPU: usize = 16;
const I_VA: usize = 20;
const I_LEN: usize = 24;
const I_SECTOR: usize = 28;
const I_FIRST: usize = 32;
const I_NPAGES: usize = 36;
const I_ORPHANED: usize = 40;
const I_SHARED: usize = 41;
const I_RUN: usize = 42;

const R_BOUNCE: usize = 0;
const R_SCRATCH: usize = 4;
const R_VPN: usize = 8;
const R_OFF: usize = 12;
const R_LEN: usize = 16;
const R_CSUM: usize = 20;
const R_GUARDS: usize = 24;
const R_ORACLE: usize = 40;
const R_NOSUM: usize = 72;

/** The id the next submit gets. */
export let nextId: u32 = 1;
/** No I/O below this id is in flight. */
let ioLow: u32 = 1;
/** Page records [recTop, IO_PAGES) are unused. */
let recTop: u32 = 0;
/** Page records not taken by an I/O in flight. */
export let recFreeCount: u32 = 0;

// ---- I/O records ----

@inline export function ioRec(id: u32): usize { return ioBase + <usize>(id & (cfgMaxIos - 1)) * IO_BYTES; }

@inline export function ioId(r: usize): u32 { return load<u32>(r, I_ID); }
@inline export function ioState(r: usize): u32 { return load<u8>(r, I_STATE); }
@inline export function ioMode(r: usize): u32 { return load<u8>(r, I_MODE); }
@inline export function ioOp(r: usize): u32 { return load<u8>(r, I_OP); }
@inline export function ioPolicy(r: usize): u32 { return load<u8>(r, I_POLICY); }
@inline export function ioTid(r: usize): u32 { return load<u32>(r, I_TID); }
@inline export function ioPid(r: usize): u32 { return load<u32>(r, I_PID); }
@inline export function ioCpu(r: usize): u32 { return load<u32>(r, I_CPU); }
@inline export function ioVa(r: usize): u32 { return load<u32>(r, I_VA); }
@inline export function ioLen(r: usize): u32 { return load<u32>(r, I_LEN); }
@inline export function ioSector(r: usize): u32 { return load<u32>(r, I_SECTOR); }
@inline export function ioNpages(r: usize): u32 { return load<u32>(r, I_NPAGES); }
@inline export function ioOrphaned(r: usize): bool { return load<u8>(r, I_ORPHANED) != 0; }
@inline export function ioShared(r: usize): bool { return load<u8>(r, I_SHARED) != 0; }
@inline export function ioFramesRun(r: usize): bool { return load<u8>(r, I_RUN) != 0; }
/** Its page records: [ioFirst, ioEnd). */
@inline export function ioFirst(r: usize): u32 { return load<u32>(r, I_FIRST); }
@inline export function ioEnd(r: usize): u32 { return ioFirst(r) + ioNpages(r); }
/** The first and last page of the buffer: page record ioFirst(r) + k is for page ioV0(r) + k. */
@inline export function ioV0(r: usize): u32 { return ioVa(r) >>> 12; }
@inline export function ioV1(r: usize): u32 { return (ioVa(r) + ioLen(r) - 1) >>> 12; }

@inline export function setIoState(r: usize, s: u32): void { store<u8>(r, <u8>s, I_STATE); }
@inline export function setIoOrphaned(r: usize): void { store<u8>(r, 1, I_ORPHANED); }
@inline export function setIoShared(r: usize): void { store<u8>(r, 1, I_SHARED); }
@inline export function setIoFramesRun(r: usize): void { store<u8>(r, 1, I_RUN); }

/** The state of I/O `id`: UNKNOWN if never issued, COMPLETED once its slot was reused. */
export function ioStateOf(id: u32): u32 {
  if (id == 0 || id >= nextId) return IoState.UNKNOWN;
  let r = ioRec(id);
  if (ioId(r) != id) return IoState.COMPLETED;
  return ioState(r);
}

@inline function inFlight(id: u32): bool {
  let st = ioStateOf(id);
  return st == IoState.SUBMITTED || st == IoState.DMA_DONE;
}

/** True if the slot the next id would take holds an I/O not yet completed. */
export function slotBusy(): bool {
  let r = ioRec(nextId);
  return ioId(r) != 0 && ioState(r) != IoState.COMPLETED;
}

/**
 * Takes the next id and its slot for a SUBMITTED I/O, with a page record per
 * page of [va, va+len) holding its vpn and byte range, no frames yet. The
 * caller checked slotBusy() and recFreeCount.
 */
@inline export function ioTake(
  mode: u32, op: u32, policy: u32, tid: u32, pid: u32, cpu: u32, va: u32, len: u32, sector: u32,
): usize {
  let v0 = va >>> 12, v1 = (va + len - 1) >>> 12;
  let npages = v1 - v0 + 1;
  if (!ASC_NO_ASSERT) assert(!slotBusy() && recFreeCount >= npages);
  if (recTop + npages > cfgIoPages) recCompact();
  let first = recTop;
  recTop += npages;
  recFreeCount -= npages;
  let id = nextId++;
  let r = ioRec(id);
  memory.fill(r, 0, IO_BYTES);
  store<u32>(r, id, I_ID);
  store<u8>(r, <u8>IoState.SUBMITTED, I_STATE);
  store<u8>(r, <u8>mode, I_MODE);
  store<u8>(r, <u8>op, I_OP);
  store<u8>(r, <u8>policy, I_POLICY);
  store<u32>(r, tid, I_TID);
  store<u32>(r, pid, I_PID);
  store<u32>(r, cpu, I_CPU);
  store<u32>(r, va, I_VA);
  store<u32>(r, len, I_LEN);
  store<u32>(r, sector, I_SECTOR);
  store<u32>(r, first, I_FIRST);
  store<u32>(r, npages, I_NPAGES);
  // Each field is set here or before it is read: a page's guards and oracle
  // hashes are written at submit for the sectors its bytes cover, the only ones read.
  for (let k: u32 = 0; k < npages; k++) {
    let i = first + k, v = v0 + k;
    let off = v == v0 ? va & 4095 : 0;
    let end = v == v1 ? ((va + len - 1) & 4095) + 1 : 4096;
    setRecFrame(i, NIL);
    setRecBounce(i, NIL);
    setRecScratch(i, NIL);
    store<u32>(rec(i), v, R_VPN);
    store<u32>(rec(i), off, R_OFF);
    store<u32>(rec(i), end - off, R_LEN);
    setRecCsum(i, 0);
  }
  return r;
}

/** The I/O is COMPLETED: its page records go back to the pool, its slot may be reused. */
@inline export function ioPut(r: usize): void {
  recFreeCount += ioNpages(r);
  if (ioEnd(r) == recTop) recTop = ioFirst(r);
  setIoState(r, IoState.COMPLETED);
  while (ioLow < nextId && ioStateOf(ioLow) == IoState.COMPLETED) ioLow++;
}

/** Moves the page records of every I/O in flight down to the bottom of the pool, in id order. */
function recCompact(): void {
  let dst: u32 = 0;
  for (let id = ioLow; id < nextId; id++) {
    if (!inFlight(id)) continue;
    let r = ioRec(id);
    let src = ioFirst(r), n = ioNpages(r);
    assert(src >= dst);
    if (src != dst) {
      memory.copy(rec(dst), rec(src), <usize>n * PAGE_REC_BYTES);
      memory.copy(recFrameBase + (<usize>dst << 2), recFrameBase + (<usize>src << 2), <usize>n << 2);
      store<u32>(r, dst, I_FIRST);
    }
    dst += n;
  }
  recTop = dst;
}

/**
 * The lowest id >= `from` of an in-flight WP I/O pinning a frame of
 * [f0, f0 + n); 0 if none.
 */
export function wpIoPinning(from: u32, f0: u32, n: u32): u32 {
  for (let id = max(from, ioLow); id < nextId; id++) {
    if (!inFlight(id)) continue;
    let r = ioRec(id);
    if (ioMode(r) != Mode.WP) continue;
    for (let i = ioFirst(r), end = ioEnd(r); i < end; i++) {
      if (recFrame(i) - f0 < n) return id; // unsigned: f0 <= frame < f0 + n
    }
  }
  return 0;
}

/** Are the page records of the I/Os in flight in id order, apart, inside the pool, and counted? (sd_check) */
export function ioRecordsConsistent(): bool {
  let used: u32 = 0, end: u32 = 0;
  for (let id: u32 = 1; id < nextId; id++) {
    if (!inFlight(id)) continue;
    let r = ioRec(id);
    if (ioFirst(r) < end || ioEnd(r) > recTop || ioNpages(r) != ioV1(r) - ioV0(r) + 1) return false;
    end = ioEnd(r);
    used += ioNpages(r);
  }
  return recTop <= cfgIoPages && used + recFreeCount == cfgIoPages;
}

// ---- page records ----

@inline function rec(i: u32): usize { return recBase + <usize>i * PAGE_REC_BYTES; }

@inline export function recFrame(i: u32): u32 { return load<u32>(recFrameBase + (<usize>i << 2)); }
/** The frames an I/O's page records pin, a u32 per record from ioFirst: a bio's bio_vec. */
@inline export function ioFrames(r: usize): usize { return recFrameBase + (<usize>ioFirst(r) << 2); }
@inline export function recBounce(i: u32): u32 { return load<u32>(rec(i), R_BOUNCE); }
@inline export function recScratch(i: u32): u32 { return load<u32>(rec(i), R_SCRATCH); }
@inline export function recVpn(i: u32): u32 { return load<u32>(rec(i), R_VPN); }
@inline export function recOff(i: u32): u32 { return load<u32>(rec(i), R_OFF); }
@inline export function recLen(i: u32): u32 { return load<u32>(rec(i), R_LEN); }
@inline export function recCsum(i: u32): u32 { return load<u32>(rec(i), R_CSUM); }
/** Set by a read's DMA (fs-csum), read by its completion only. */
@inline export function recNoSum(i: u32): bool { return load<u8>(rec(i), R_NOSUM) != 0; }
/** The page's 8 u16 guards and 8 u32 oracle hashes, one per sector of the page. */
@inline export function recGuards(i: u32): usize { return rec(i) + R_GUARDS; }
@inline export function recOracle(i: u32): usize { return rec(i) + R_ORACLE; }
/** The first disk sector of page record `i`'s bytes, in I/O `r`. */
@inline export function recSector(r: usize, i: u32): u32 {
  return ioSector(r) + ((((recVpn(i) << 12) + recOff(i)) - ioVa(r)) >>> 9);
}

@inline export function setRecFrame(i: u32, f: u32): void { store<u32>(recFrameBase + (<usize>i << 2), f); }
@inline export function setRecBounce(i: u32, f: u32): void { store<u32>(rec(i), f, R_BOUNCE); }
@inline export function setRecScratch(i: u32, f: u32): void { store<u32>(rec(i), f, R_SCRATCH); }
@inline export function setRecCsum(i: u32, c: u32): void { store<u32>(rec(i), c, R_CSUM); }
@inline export function setRecNoSum(i: u32, none: bool): void { store<u8>(rec(i), <u8>none, R_NOSUM); }

/** No I/O yet; every page record free. */
export function ioReset(): void {
  memory.fill(ioBase, 0, <usize>cfgMaxIos * IO_BYTES);
  nextId = 1;
  ioLow = 1;
  recTop = 0;
  recFreeCount = cfgIoPages;
}
