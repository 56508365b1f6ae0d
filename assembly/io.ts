// In-flight I/O records and their per-page records.
//
//   I/O record (48 B), slot = id & (MAX_IOS - 1):
//   ┌──────┬─────┬────┬──┬──────┬─────┬─────┬─────┬────┬─────┬────────┬───────┬────────┬────────┐
//   │ id   │state│mode│op│policy│ tid │ pid │ cpu │ va │ len │ sector │ first │ npages │orphaned│
//   │ u32  │ u8  │ u8 │u8│ u8   │ u32 │ u32 │ u32 │u32 │ u32 │ u32    │ u32   │ u32    │ u8     │
//   └──────┴─────┴────┴──┴──────┴─────┴─────┴─────┴────┴─────┴────────┴───────┴────────┴────────┘
//   orphaned: a read whose DMA found a page of the process no longer mapping its pinned frame.
//   page record (128 B), linked from `first` through `next`:
//   next u32 +0 | frame +4 (pinned, or NIL) | bounce +8 | scratch +12 | vpn +16 |
//   off +20 | blen +24 (the buffer's bytes in this page) | csum +28 (fs-csum: a write's at
//   submit, a read's as its DMA found it on disk) |
//   guard[8] u16 +32 (pi, per sector of the page) | oracle[8] u32 +48
import { IoState } from "./abi";
import { IO_BYTES, NIL, PAGE_REC_BYTES, ioBase, pageBase } from "./layout";
import { cfgIoPages, cfgMaxIos } from "./config";

export const I_ID: usize = 0;
export const I_STATE: usize = 4;
export const I_MODE: usize = 5;
export const I_OP: usize = 6;
export const I_POLICY: usize = 7;
export const I_TID: usize = 8;
export const I_PID: usize = 12;
export const I_CPU: usize = 16;
export const I_VA: usize = 20;
export const I_LEN: usize = 24;
export const I_SECTOR: usize = 28;
export const I_FIRST: usize = 32;
export const I_NPAGES: usize = 36;
export const I_ORPHANED: usize = 40;

export const R_NEXT: usize = 0;
export const R_FRAME: usize = 4;
export const R_BOUNCE: usize = 8;
export const R_SCRATCH: usize = 12;
export const R_VPN: usize = 16;
export const R_OFF: usize = 20;
export const R_BLEN: usize = 24;
export const R_CSUM: usize = 28;
export const R_GUARD: usize = 32;
export const R_ORACLE: usize = 48;

/** The id the next submit gets. */
export let nextId: u32 = 1;
/** No I/O below this id is in flight. */
export let ioLow: u32 = 1;
let pageFree: u32 = NIL;
export let pageFreeCount: u32 = 0;

export function ioReset(): void {
  memory.fill(ioBase, 0, <usize>cfgMaxIos * IO_BYTES);
  nextId = 1;
  ioLow = 1;
  pageFree = NIL;
  for (let i = <i32>cfgIoPages - 1; i >= 0; i--) {
    store<u32>(rec(<u32>i), pageFree, R_NEXT);
    pageFree = <u32>i;
  }
  pageFreeCount = cfgIoPages;
}

@inline export function ioRec(id: u32): usize {
  return ioBase + <usize>(id & (cfgMaxIos - 1)) * IO_BYTES;
}

@inline export function rec(i: u32): usize {
  return pageBase + <usize>i * PAGE_REC_BYTES;
}

/** The state of I/O `id`: UNKNOWN if never issued, COMPLETED once its slot was reused. */
export function ioState(id: u32): u32 {
  if (id == 0 || id >= nextId) return IoState.UNKNOWN;
  let r = ioRec(id);
  if (load<u32>(r, I_ID) != id) return IoState.COMPLETED;
  return load<u8>(r, I_STATE);
}

/** True if the slot the next id would take holds an I/O not yet completed. */
export function slotBusy(): bool {
  let r = ioRec(nextId);
  let id = load<u32>(r, I_ID);
  return id != 0 && load<u8>(r, I_STATE) != IoState.COMPLETED;
}

/** Takes a fresh id and its slot. */
export function ioTake(): usize {
  let id = nextId++;
  let r = ioRec(id);
  memory.fill(r, 0, IO_BYTES);
  store<u32>(r, id, I_ID);
  return r;
}

/** Takes a page record (the caller checked pageFreeCount). */
export function recTake(): u32 {
  let i = pageFree;
  pageFree = load<u32>(rec(i), R_NEXT);
  pageFreeCount--;
  let r = rec(i);
  memory.fill(r, 0, PAGE_REC_BYTES);
  store<u32>(r, NIL, R_NEXT);
  store<u32>(r, NIL, R_FRAME);
  store<u32>(r, NIL, R_BOUNCE);
  store<u32>(r, NIL, R_SCRATCH);
  return i;
}

export function recPut(i: u32): void {
  store<u32>(rec(i), pageFree, R_NEXT);
  pageFree = i;
  pageFreeCount++;
}

/** Advances ioLow past completed I/Os. */
export function ioAdvanceLow(): void {
  while (ioLow < nextId && ioState(ioLow) == IoState.COMPLETED) ioLow++;
}
