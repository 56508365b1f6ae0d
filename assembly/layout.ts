// Linear memory: where every table lives, and growing memory for frames.
//
// Static data (compiled in) holds the configuration, the counters and the
// checksum tables. sd_reset lays out everything else after it, sized by the
// configuration; frames come last because only they grow:
//
//   __heap_base
//   ┌──────────────┬───────┬──────┬──────┬──────────────────────┬──────────┬─────────┬─────────┬──────┐
//   │ procs + pgds │threads│ TLBs │ I/Os │ page records, frames │ warn log │ staging │ scratch │ disk │ ...
//   └──────────────┴───────┴──────┴──────┴──────────────────────┴──────────┴─────────┴─────────┴──────┘
//      ┌───────────┬───────────────┬───────────────────────────────────────────────────┐
//  ... │ disk meta │  frame meta   │ frames: 4 KiB each, frame n at frameBase + n*4096  │ → grows
//      └───────────┴───────────────┴───────────────────────────────────────────────────┘
//   disk meta: oracle hashes, pi guards, fs-csum crcs and unwritten marks, parity chunks (disk.ts)
import { Device, STAGING_BYTES, WARN_KEEP } from "./abi";
import {
  cfgCpus, cfgDevice, cfgDiskBlocks, cfgIoPages, cfgMaxFrames, cfgMaxIos, cfgMaxProcs, cfgMaxThreads, cfgOracle,
  cfgRaidDisks, cfgTlbEntries, configApply,
} from "./config";

export const PAGE_SHIFT: u32 = 12;
export const PAGE_SIZE: u32 = 4096;
export const PMD_PAGES: u32 = 512;
export const PMD_COUNT: u32 = 2048; // 4 GiB of 2 MiB entries per process
export const NIL: u32 = 0xFFFFFFFF;

// Record sizes (bytes). Each table's field offsets live beside the code that owns it.
export const PROC_BYTES: u32 = 64;
export const PGD_BYTES: u32 = PMD_COUNT * 4;
export const THREAD_BYTES: u32 = 16;
export const TLB_ENTRY_BYTES: u32 = 16;
export const IO_BYTES: u32 = 48;
export const PAGE_REC_BYTES: u32 = 80;
export const WARN_BYTES: u32 = 16;
export const FRAME_META_BYTES: u32 = 32;

// Region bases, set by layout().
export let procBase: usize = 0;
export let pgdBase: usize = 0;
export let threadBase: usize = 0;
export let tlbBase: usize = 0;
export let ioBase: usize = 0;
export let recBase: usize = 0;
export let recFrameBase: usize = 0;
export let warnBase: usize = 0;
export let stagingBase: usize = 0;
export let scratchBase: usize = 0;
export let diskBase: usize = 0;
export let oracleBase: usize = 0;
export let guardBase: usize = 0;
export let csumBase: usize = 0;
export let unwrittenBase: usize = 0;
export let parityBase: usize = 0;
export let frameMetaBase: usize = 0;
export let frameBase: usize = 0;
export let diskSectors: u32 = 0;
export let stripes: u32 = 0;

/** The value sd_err_detail() returns: about the last failed call. */
export let errDetail: f64 = 0;

export function setDetail(v: f64): void {
  errDetail = v;
}

@inline function alignUp(x: u64, a: u64): u64 {
  return (x + a - 1) & ~(a - 1);
}

/** Grows memory so that [0, end) is addressable. False if the host refuses. */
export function ensureMemory(end: u64): bool {
  if (end > 0x1_0000_0000) return false;
  let have = <u64>memory.size() << 16;
  if (end <= have) return true;
  let need = alignUp(end - have, 0x10000) >> 16;
  // Grow by at least 8 MiB at a time: fewer grow calls, fewer detached views in the host.
  let want = max<u64>(need, 128);
  if (((have >> 16) + want) > 65536) want = need;
  if (memory.grow(<i32>want) >= 0) return true;
  return want != need && memory.grow(<i32>need) >= 0;
}

/** Applies the configuration and places every region. False if memory cannot grow. */
export function layout(): bool {
  configApply();

  diskSectors = cfgDiskBlocks << 3;
  stripes = (cfgDiskBlocks + cfgRaidDisks - 1) / cfgRaidDisks;

  let p: u64 = alignUp(<u64>__heap_base, 64);
  procBase = <usize>p;      p += <u64>(cfgMaxProcs + 1) * PROC_BYTES;
  p = alignUp(p, 64);
  pgdBase = <usize>p;       p += <u64>(cfgMaxProcs + 1) * PGD_BYTES;
  threadBase = <usize>p;    p += <u64>(cfgMaxThreads + 1) * THREAD_BYTES;
  p = alignUp(p, 64);
  tlbBase = <usize>p;       p += <u64>cfgCpus * cfgTlbEntries * TLB_ENTRY_BYTES;
  ioBase = <usize>p;        p += <u64>cfgMaxIos * IO_BYTES;
  p = alignUp(p, 64);
  recBase = <usize>p;       p += <u64>cfgIoPages * PAGE_REC_BYTES;
  recFrameBase = <usize>p;  p += <u64>cfgIoPages * 4;
  warnBase = <usize>p;      p += <u64>WARN_KEEP * WARN_BYTES;
  p = alignUp(p, 4096);
  stagingBase = <usize>p;   p += STAGING_BYTES;
  scratchBase = <usize>p;   p += PAGE_SIZE;
  diskBase = <usize>p;      p += <u64>cfgDiskBlocks << PAGE_SHIFT;
  // Disk meta: only what the configured device (and the oracle) keeps.
  oracleBase = <usize>p;    p += cfgOracle ? <u64>diskSectors * 4 : 0;
  guardBase = <usize>p;     p += cfgDevice == Device.PI ? <u64>diskSectors * 2 : 0;
  p = alignUp(p, 4);
  csumBase = <usize>p;      p += cfgDevice == Device.FS_CSUM ? <u64>cfgDiskBlocks * 4 : 0;
  unwrittenBase = <usize>p; p += cfgDevice == Device.FS_CSUM ? <u64>cfgDiskBlocks : 0;
  p = alignUp(p, 4096);
  parityBase = <usize>p;    p += cfgDevice == Device.PARITY ? <u64>stripes << PAGE_SHIFT : 0;
  frameMetaBase = <usize>p; p += <u64>cfgMaxFrames * FRAME_META_BYTES;
  p = alignUp(p, 4096);
  if (p > 0xFFFF_F000) return false;
  frameBase = <usize>p;
  return ensureMemory(p);
}
