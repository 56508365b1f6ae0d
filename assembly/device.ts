// The devices and the simulated disk (docs/model.md sections 2, 4, 6.9, 6.13).
//
// Disk layout: data (DISK_BLOCKS x 4 KiB) at diskBase; per sector an oracle
// hash (u32) and, for pi, a guard (u16); for fs-csum a crc32c (u32) per block;
// for parity one 4 KiB parity chunk per stripe of RAID_DISKS blocks.
import { Counter, Device } from "./abi";
import { count, countN, counter, setCounter } from "./counters";
import { crc16Sectors, crc32c4k, equal, isZero, oracle, xor3 } from "./csum";
import { R_CSUM, R_GUARD, R_ORACLE } from "./io";
import {
  PAGE_SIZE, csumBase, diskBase, diskSectors, guardBase, oracleBase, parityBase, scratchBase, stripes,
} from "./layout";
import { cfgDevice, cfgDiskBlocks, cfgOracle, cfgRaidDisks } from "./config";

@inline export function diskAddr(sector: u32): usize {
  return diskBase + (<usize>sector << 9);
}

const ZERO_PAGE: usize = memory.data(4096, 16);
/** Guards of up to 8 sectors computed for a comparison. */
const GUARDS: usize = memory.data(16, 16);
@inline function zeroPage(): usize {
  return ZERO_PAGE;
}

@inline function parityAddr(sector: u32): usize {
  let stripe = (sector >>> 3) / cfgRaidDisks;
  return parityBase + (<usize>stripe << 12) + (<usize>(sector & 7) << 9);
}

/** Zero data, and every stored check holding the check of zero data. */
export function diskReset(): void {
  memory.fill(diskBase, 0, <usize>cfgDiskBlocks << 12);
  if (cfgOracle) {
    let h = oracle(diskBase);
    for (let s: u32 = 0; s < diskSectors; s++) store<u32>(oracleBase + (<usize>s << 2), h);
  }
  if (cfgDevice == Device.PI) memory.fill(guardBase, 0, <usize>diskSectors << 1); // CRC16 of zeros is 0
  if (cfgDevice == Device.FS_CSUM) {
    let c = crc32c4k(diskBase);
    for (let b: u32 = 0; b < cfgDiskBlocks; b++) store<u32>(csumBase + (<usize>b << 2), c);
  }
  if (cfgDevice == Device.PARITY) memory.fill(parityBase, 0, <usize>stripes << 12);
}

/**
 * The device's checks at submit over the buffer's bytes in one page (`src` is
 * the page's address): pi guards per sector, fs-csum crc32c of the block, and
 * the oracle hashes. Stored in the page record `r`.
 */
export function submitChecks(r: usize, src: usize, off: u32, blen: u32): void {
  let s0 = off >>> 9, s1 = (off + blen) >>> 9;
  if (cfgDevice == Device.PI) {
    crc16Sectors(src + (<usize>s0 << 9), s1 - s0, r + R_GUARD + (<usize>s0 << 1));
    countN(Counter.CSUM_BYTES, blen);
  } else if (cfgDevice == Device.FS_CSUM) {
    store<u32>(r, crc32c4k(src), R_CSUM);
    countN(Counter.CSUM_BYTES, PAGE_SIZE);
  }
  if (cfgOracle) {
    for (let s = s0; s < s1; s++) store<u32>(r + R_ORACLE + (<usize>s << 2), oracle(src + (<usize>s << 9)));
  }
}

/**
 * Re-checks one page's bytes against the checks made at submit (the DMA-point
 * check and the verify policy). Every sector is checked: no early exit, so the
 * bytes counted do not depend on where a difference is.
 */
export function pageMatches(r: usize, src: usize, scratch: usize, off: u32, blen: u32): bool {
  let ok = true;
  if (cfgDevice == Device.PI) {
    let s0 = off >>> 9, s1 = (off + blen) >>> 9;
    crc16Sectors(src + (<usize>s0 << 9), s1 - s0, GUARDS);
    for (let s = s0; s < s1; s++) {
      if (load<u16>(GUARDS + (<usize>(s - s0) << 1)) != load<u16>(r + R_GUARD + (<usize>s << 1))) ok = false;
    }
    countN(Counter.CSUM_BYTES, blen);
  } else if (cfgDevice == Device.FS_CSUM) {
    if (crc32c4k(src) != load<u32>(r, R_CSUM)) ok = false;
    countN(Counter.CSUM_BYTES, PAGE_SIZE);
  } else if (cfgDevice == Device.PARITY) {
    if (!equal(src + off, scratch + off, blen)) ok = false;
  }
  return ok;
}

/**
 * The DMA of one page of a write: parity is updated from the stripe-cache
 * snapshot, the bytes as they are now go to the disk with the submit-time checks.
 */
export function dmaWritePage(r: usize, src: usize, scratch: usize, off: u32, blen: u32, ds0: u32): void {
  let s0 = off >>> 9, n = blen >>> 9;
  if (cfgDevice == Device.PARITY) {
    for (let k: u32 = 0; k < n; k++) {
      let ds = ds0 + k;
      xor3(parityAddr(ds), diskAddr(ds), scratch + (<usize>(s0 + k) << 9), 512);
    }
  }
  memory.copy(diskAddr(ds0), src + off, blen);
  if (cfgDevice == Device.PI) {
    for (let k: u32 = 0; k < n; k++) {
      store<u16>(guardBase + (<usize>(ds0 + k) << 1), load<u16>(r + R_GUARD + (<usize>(s0 + k) << 1)));
    }
  } else if (cfgDevice == Device.FS_CSUM) {
    store<u32>(csumBase + (<usize>(ds0 >>> 3) << 2), load<u32>(r, R_CSUM));
  }
  if (cfgOracle) {
    for (let k: u32 = 0; k < n; k++) {
      store<u32>(oracleBase + (<usize>(ds0 + k) << 2), load<u32>(r + R_ORACLE + (<usize>(s0 + k) << 2)));
    }
  }
}

/**
 * The DMA of one page of a read: disk bytes into the destination page, and
 * for fs-csum the block's stored crc32c with them, into the page record `r`.
 *
 * btrfs looks a read's data checksums up when it submits the bio
 * (btrfs_lookup_bio_sums), keyed by the extent's address on disk; the direct
 * read holds its extent range locked and btrfs never overwrites an extent in
 * place, so the sums it gets always belong to the bytes its DMA transfers.
 * The model's disk is updated in place and an overlapping write's DMA may land
 * between the read's submit and its DMA point, or between its DMA point and its
 * completion: taking the crc at submit or at completion would compare one
 * write's data with another's checksum. Taking it here, with the data, is what
 * btrfs's guarantee amounts to (docs/model.md 6.9).
 */
export function dmaReadPage(r: usize, dst: usize, off: u32, blen: u32, ds0: u32): void {
  memory.copy(dst + off, diskAddr(ds0), blen);
  if (cfgDevice == Device.FS_CSUM) store<u32>(r, load<u32>(csumBase + (<usize>(ds0 >>> 3) << 2)), R_CSUM);
}

/** fs-csum read verification of one block over the destination page, against the crc its DMA brought. */
export function readPageVerifies(r: usize, dst: usize): bool {
  countN(Counter.CSUM_BYTES, PAGE_SIZE);
  return crc32c4k(dst) == load<u32>(r, R_CSUM);
}

/**
 * The verify policy's rewrite of one page through the buffered path: the
 * buffer's bytes are copied to a kernel buffer, checked, and written with
 * their check (parity: parity ^= old ^ new). The oracle keeps the submit hash.
 */
export function rewritePage(src: usize, off: u32, blen: u32, ds0: u32): void {
  let buf = scratchBase;
  memory.copy(buf + off, src + off, blen);
  countN(Counter.BYTES_REWRITE, blen);
  countN(Counter.BYTES_COPIED, blen);
  let s0 = off >>> 9, n = blen >>> 9;
  if (cfgDevice == Device.PARITY) {
    for (let k: u32 = 0; k < n; k++) {
      let ds = ds0 + k;
      xor3(parityAddr(ds), diskAddr(ds), buf + (<usize>(s0 + k) << 9), 512);
    }
  } else if (cfgDevice == Device.PI) {
    crc16Sectors(buf + (<usize>s0 << 9), n, GUARDS);
    for (let k: u32 = 0; k < n; k++) store<u16>(guardBase + (<usize>(ds0 + k) << 1), load<u16>(GUARDS + (<usize>k << 1)));
    countN(Counter.CSUM_BYTES, blen);
  } else if (cfgDevice == Device.FS_CSUM) {
    store<u32>(csumBase + (<usize>(ds0 >>> 3) << 2), crc32c4k(buf));
    countN(Counter.CSUM_BYTES, PAGE_SIZE);
  }
  memory.copy(diskAddr(ds0), buf + off, blen);
}

/** The scrub (docs/model.md 6.13): sets CORRUPTIONS and TORN_SECTORS. */
export function scrub(): u32 {
  setCounter(Counter.CORRUPTIONS, 0);
  setCounter(Counter.TORN_SECTORS, 0);
  if (cfgDevice == Device.PI) {
    for (let b: u32 = 0; b < cfgDiskBlocks; b++) {
      let bad = false;
      crc16Sectors(diskAddr(b << 3), 8, GUARDS);
      for (let k: u32 = 0; k < 8; k++) {
        if (load<u16>(GUARDS + (<usize>k << 1)) != load<u16>(guardBase + (<usize>((b << 3) + k) << 1))) bad = true;
      }
      if (bad) count(Counter.CORRUPTIONS);
    }
  } else if (cfgDevice == Device.FS_CSUM) {
    for (let b: u32 = 0; b < cfgDiskBlocks; b++) {
      if (crc32c4k(diskAddr(b << 3)) != load<u32>(csumBase + (<usize>b << 2))) count(Counter.CORRUPTIONS);
    }
  } else if (cfgDevice == Device.PARITY) {
    // parity ^ data_0 ^ ... ^ data_{n-1} is zero iff the stripe is consistent.
    let acc = scratchBase;
    for (let st: u32 = 0; st < stripes; st++) {
      memory.copy(acc, parityBase + (<usize>st << 12), PAGE_SIZE);
      for (let j: u32 = 0; j < cfgRaidDisks; j++) {
        let b = st * cfgRaidDisks + j;
        if (b < cfgDiskBlocks) xor3(acc, diskAddr(b << 3), zeroPage(), PAGE_SIZE);
      }
      if (!isZero(acc, PAGE_SIZE)) count(Counter.CORRUPTIONS);
    }
  }
  if (cfgOracle) {
    for (let s: u32 = 0; s < diskSectors; s++) {
      if (oracle(diskAddr(s)) != load<u32>(oracleBase + (<usize>s << 2))) count(Counter.TORN_SECTORS);
    }
  }
  return <u32>counter(Counter.CORRUPTIONS);
}
