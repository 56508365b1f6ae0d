// The simulated disk: data, what the configured device stores beside it, and
// the scrub (docs/model.md sections 2, 6.13 and 10).
//
//   diskBase:   DISK_BLOCKS x 4 KiB of data, sector s at diskBase + s*512
//   oracleBase: u32 per sector, the oracle hash of the submitter's bytes (ORACLE = 1)
//   guardBase:  u16 per sector, the pi guard (pi)
//   csumBase:   u32 per block, the crc32c (fs-csum)
//   unwrittenBase: u8 per block, 1 if never written: a hole or a preallocated extent, no crc (fs-csum)
//   parityBase: one 4 KiB chunk per stripe of RAID_DISKS blocks (parity)
import { Counter, Device, Err } from "./abi";
import { crc16Sectors, crc32c4k, isZero, oracleHash, xor3 } from "./checksum";
import { cfgDevice, cfgDiskBlocks, cfgOracle, cfgRaidDisks } from "./config";
import { count, counter, setCounter } from "./counters";
import {
  PAGE_SIZE, csumBase, diskBase, diskSectors, guardBase, oracleBase, parityBase, scratchBase, stripes, unwrittenBase,
} from "./layout";

const ZERO_PAGE: usize = memory.data(4096, 16);
/** Guards of one block's 8 sectors, computed for the scrub. */
const GUARDS: usize = memory.data(16, 16);

@inline export function diskAddr(sector: u32): usize { return diskBase + (<usize>sector << 9); }
/** The bytes of the parity chunk that sector `sector` is part of. */
@inline export function parityAddr(sector: u32): usize {
  let stripe = (sector >>> 3) / cfgRaidDisks;
  return parityBase + (<usize>stripe << 12) + (<usize>(sector & 7) << 9);
}
@inline export function diskGuard(sector: u32): u32 { return load<u16>(guardBase + (<usize>sector << 1)); }
@inline export function setDiskGuard(sector: u32, g: u32): void { store<u16>(guardBase + (<usize>sector << 1), <u16>g); }
@inline export function diskCrc(block: u32): u32 { return load<u32>(csumBase + (<usize>block << 2)); }
@inline export function setDiskCrc(block: u32, c: u32): void { store<u32>(csumBase + (<usize>block << 2), c); }
/** fs-csum: has the block no checksum (never written: a hole or a preallocated extent)? */
@inline export function blockUnwritten(block: u32): bool { return load<u8>(unwrittenBase + <usize>block) != 0; }
/** fs-csum: the block's checksum and bytes go to disk together: it is written now. */
@inline export function setDiskCrcWritten(block: u32, c: u32): void {
  setDiskCrc(block, c);
  store<u8>(unwrittenBase + <usize>block, 0);
}
@inline export function diskHash(sector: u32): u32 { return load<u32>(oracleBase + (<usize>sector << 2)); }
@inline export function setDiskHash(sector: u32, h: u32): void { store<u32>(oracleBase + (<usize>sector << 2), h); }

/** Zero data, and every stored check holding the check of zero data. */
export function diskReset(): void {
  memory.fill(diskBase, 0, <usize>cfgDiskBlocks << 12);
  if (cfgOracle) {
    let h = oracleHash(diskBase);
    for (let s: u32 = 0; s < diskSectors; s++) setDiskHash(s, h);
  }
  if (cfgDevice == Device.PI) memory.fill(guardBase, 0, <usize>diskSectors << 1); // CRC16 of zeros is 0
  if (cfgDevice == Device.FS_CSUM) {
    let c = crc32c4k(diskBase);
    for (let b: u32 = 0; b < cfgDiskBlocks; b++) setDiskCrc(b, c);
    memory.fill(unwrittenBase, 0, cfgDiskBlocks);
  }
  if (cfgDevice == Device.PARITY) memory.fill(parityBase, 0, <usize>stripes << 12);
}

/** 6.13, sd_scrub: sets CORRUPTIONS and TORN_SECTORS; returns CORRUPTIONS. */
export function scrub(): u32 {
  setCounter(Counter.CORRUPTIONS, 0);
  setCounter(Counter.TORN_SECTORS, 0);
  if (cfgDevice == Device.PI) {
    for (let b: u32 = 0; b < cfgDiskBlocks; b++) {
      let bad = false;
      crc16Sectors(diskAddr(b << 3), 8, GUARDS);
      for (let k: u32 = 0; k < 8; k++) {
        if (<u32>load<u16>(GUARDS + (<usize>k << 1)) != diskGuard((b << 3) + k)) bad = true;
      }
      if (bad) count(Counter.CORRUPTIONS);
    }
  } else if (cfgDevice == Device.FS_CSUM) {
    for (let b: u32 = 0; b < cfgDiskBlocks; b++) {
      if (!blockUnwritten(b) && crc32c4k(diskAddr(b << 3)) != diskCrc(b)) count(Counter.CORRUPTIONS);
    }
  } else if (cfgDevice == Device.PARITY) {
    // parity ^ data_0 ^ ... ^ data_{n-1} is zero iff the stripe is consistent.
    let acc = scratchBase;
    for (let st: u32 = 0; st < stripes; st++) {
      memory.copy(acc, parityBase + (<usize>st << 12), PAGE_SIZE);
      for (let j: u32 = 0; j < cfgRaidDisks; j++) {
        let b = st * cfgRaidDisks + j;
        if (b < cfgDiskBlocks) xor3(acc, diskAddr(b << 3), ZERO_PAGE, PAGE_SIZE);
      }
      if (!isZero(acc, PAGE_SIZE)) count(Counter.CORRUPTIONS);
    }
  }
  if (cfgOracle) {
    for (let s: u32 = 0; s < diskSectors; s++) {
      if (oracleHash(diskAddr(s)) != diskHash(s)) count(Counter.TORN_SECTORS);
    }
  }
  return <u32>counter(Counter.CORRUPTIONS);
}

/**
 * sd_disk_unwritten (fs-csum): blocks [block, block+count) are never written,
 * a hole or a preallocated extent: zeros without a checksum (btrfs keeps no
 * csum item for them), until a write's DMA or a rewrite lands. Their oracle
 * hashes are those of zeros. The caller checked the device and the range.
 */
export function diskUnwritten(block: u32, count: u32): void {
  memory.fill(diskAddr(block << 3), 0, <usize>count << 12);
  let c = crc32c4k(diskAddr(block << 3));
  for (let b = block; b < block + count; b++) {
    setDiskCrc(b, c);
    store<u8>(unwrittenBase + <usize>b, 1);
  }
  if (cfgOracle) {
    let h = oracleHash(diskAddr(block << 3));
    for (let s = block << 3; s < (block + count) << 3; s++) setDiskHash(s, h);
  }
}

/** sd_disk_meta: kind 0 a sector's oracle hash, 1 its pi guard, 2 a block's crc32c, 3 whether a block was written; or -Err as f64. */
export function diskMeta(kind: i32, index: u32): f64 {
  if (kind == 0) {
    if (!cfgOracle) return -<f64>Err.INVAL;
    if (index >= diskSectors) return -<f64>Err.DISK_RANGE;
    return <f64>diskHash(index);
  }
  if (kind == 1) {
    if (cfgDevice != Device.PI) return -<f64>Err.INVAL;
    if (index >= diskSectors) return -<f64>Err.DISK_RANGE;
    return <f64>diskGuard(index);
  }
  if (kind == 2) {
    if (cfgDevice != Device.FS_CSUM) return -<f64>Err.INVAL;
    if (index >= (diskSectors >>> 3)) return -<f64>Err.DISK_RANGE;
    return <f64>diskCrc(index);
  }
  if (kind == 3) {
    if (cfgDevice != Device.FS_CSUM) return -<f64>Err.INVAL;
    if (index >= (diskSectors >>> 3)) return -<f64>Err.DISK_RANGE;
    return blockUnwritten(index) ? 0 : 1;
  }
  return -<f64>Err.INVAL;
}
