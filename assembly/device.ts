// What the device does with each page of an I/O (docs/model.md section 4):
// its checks at submit, the re-check at the DMA point and for verify, the DMA
// itself, a read's verification, and verify's rewrite. `src`/`dst` is the
// address of the page the device reads or fills (a pinned or bounce frame);
// page record `i` says which bytes and holds the checks.
import { Counter, Device, FrameKind } from "./abi";
import { crc16Sectors, crc32c4k, equal, oracleHash, xor3 } from "./checksum";
import { cfgDevice, cfgOracle } from "./config";
import { count, countN } from "./counters";
import { blockUnwritten, diskAddr, diskCrc, parityAddr, setDiskCrcWritten, setDiskGuard, setDiskHash } from "./disk";
import { alloc4k } from "./alloc";
import { frameAddr } from "./frames";
import {
  recCsum, recGuards, recLen, recNoSum, recOff, recOracle, recScratch, setRecCsum, setRecNoSum, setRecScratch,
} from "./io";
import { NIL, PAGE_SIZE, scratchBase } from "./layout";

/** Guards of up to 8 sectors computed for a comparison or a rewrite. */
const GUARDS: usize = memory.data(16, 16);

/**
 * 6.7 step 6 for one page of a write: parity snapshots the bytes into a
 * scratch frame (the md stripe cache; the NOMEM check kept its frame); pi
 * guards per sector, fs-csum's crc32c of the block and the oracle hashes go
 * into the record.
 */
@inline export function deviceSubmitPage(i: u32, src: usize): void {
  let off = recOff(i), len = recLen(i);
  let s0 = off >>> 9, s1 = (off + len) >>> 9;
  if (cfgDevice == Device.PARITY) {
    let s = alloc4k(FrameKind.SCRATCH, 1);
    assert(s != NIL);
    setRecScratch(i, s);
    memory.copy(frameAddr(s) + off, src + off, len);
  } else if (cfgDevice == Device.PI) {
    crc16Sectors(src + (<usize>s0 << 9), s1 - s0, recGuards(i) + (<usize>s0 << 1));
    countN(Counter.CSUM_BYTES, len);
  } else if (cfgDevice == Device.FS_CSUM) {
    setRecCsum(i, crc32c4k(src));
    countN(Counter.CSUM_BYTES, PAGE_SIZE);
  }
  if (cfgOracle) {
    for (let s = s0; s < s1; s++) store<u32>(recOracle(i) + (<usize>s << 2), oracleHash(src + (<usize>s << 9)));
  }
}

/**
 * Do the page's bytes at `src` still match the checks made at submit? (The
 * DMA-point check, 4, and verify's, 6.10 step 1.) Every sector is checked: no
 * early exit, so the bytes counted do not depend on where a difference is.
 */
@inline export function deviceCheckPage(i: u32, src: usize): bool {
  let off = recOff(i), len = recLen(i);
  let ok = true;
  if (cfgDevice == Device.PI) {
    let s0 = off >>> 9, s1 = (off + len) >>> 9;
    crc16Sectors(src + (<usize>s0 << 9), s1 - s0, GUARDS);
    for (let s = s0; s < s1; s++) {
      if (load<u16>(GUARDS + (<usize>(s - s0) << 1)) != load<u16>(recGuards(i) + (<usize>s << 1))) ok = false;
    }
    countN(Counter.CSUM_BYTES, len);
  } else if (cfgDevice == Device.FS_CSUM) {
    if (crc32c4k(src) != recCsum(i)) ok = false;
    countN(Counter.CSUM_BYTES, PAGE_SIZE);
  } else if (cfgDevice == Device.PARITY) {
    if (!equal(src + off, frameAddr(recScratch(i)) + off, len)) ok = false;
  }
  return ok;
}

/**
 * 6.9, one page of a write reaching disk sector `ds0`: parity is updated from
 * the stripe-cache snapshot, the bytes at `src` as they are now go to the
 * disk with the submit-time checks.
 */
export function dmaWritePage(i: u32, src: usize, ds0: u32): void {
  let off = recOff(i), len = recLen(i);
  let s0 = off >>> 9, n = len >>> 9;
  if (cfgDevice == Device.PARITY) {
    let snap = frameAddr(recScratch(i));
    for (let k: u32 = 0; k < n; k++) xor3(parityAddr(ds0 + k), diskAddr(ds0 + k), snap + (<usize>(s0 + k) << 9), 512);
  }
  memory.copy(diskAddr(ds0), src + off, len);
  if (cfgDevice == Device.PI) {
    for (let k: u32 = 0; k < n; k++) setDiskGuard(ds0 + k, load<u16>(recGuards(i) + (<usize>(s0 + k) << 1)));
  } else if (cfgDevice == Device.FS_CSUM) {
    setDiskCrcWritten(ds0 >>> 3, recCsum(i));
  }
  if (cfgOracle) {
    for (let k: u32 = 0; k < n; k++) setDiskHash(ds0 + k, load<u32>(recOracle(i) + (<usize>(s0 + k) << 2)));
  }
}

/**
 * 6.9, one page of a read from disk sector `ds0`: the bytes into the page at
 * `dst`, and for fs-csum the block's stored crc32c with them, into the record.
 *
 * btrfs looks a read's data checksums up when it submits the bio
 * (btrfs_lookup_bio_sums), keyed by the extent's address on disk; the direct
 * read holds its extent range locked and btrfs never overwrites an extent in
 * place, so the sums it gets always belong to the bytes its DMA transfers.
 * The model's disk is updated in place and an overlapping write's DMA may land
 * between the read's submit and its DMA point, or between its DMA point and its
 * completion: taking the crc at submit or at completion would compare one
 * write's data with another's checksum. Taking it here, with the data, is what
 * btrfs's guarantee amounts to. A block never written (a hole, a preallocated
 * extent) has no sum: btrfs verifies nothing for it (UNWRITTEN_READS).
 */
export function dmaReadPage(i: u32, dst: usize, ds0: u32): void {
  memory.copy(dst + recOff(i), diskAddr(ds0), recLen(i));
  if (cfgDevice != Device.FS_CSUM) return;
  let b = ds0 >>> 3;
  let none = blockUnwritten(b);
  setRecNoSum(i, none);
  if (none) count(Counter.UNWRITTEN_READS);
  else setRecCsum(i, diskCrc(b));
}

/** 6.10 step 2, fs-csum: the block at `dst` against the crc its DMA brought; nothing to verify without one. */
export function readVerifyPage(i: u32, dst: usize): bool {
  if (recNoSum(i)) return true;
  countN(Counter.CSUM_BYTES, PAGE_SIZE);
  return crc32c4k(dst) == recCsum(i);
}

/**
 * 6.10 step 1, verify's rewrite of one page through the buffered path: the
 * buffer's bytes at `src` are copied to a kernel buffer, checked, and written
 * with their check to disk sector `ds0` (parity: parity ^= old ^ new). The
 * oracle keeps the submit hash.
 */
export function rewritePage(i: u32, src: usize, ds0: u32): void {
  let off = recOff(i), len = recLen(i);
  let buf = scratchBase;
  memory.copy(buf + off, src + off, len);
  countN(Counter.BYTES_REWRITE, len);
  countN(Counter.BYTES_COPIED, len);
  let s0 = off >>> 9, n = len >>> 9;
  if (cfgDevice == Device.PARITY) {
    for (let k: u32 = 0; k < n; k++) xor3(parityAddr(ds0 + k), diskAddr(ds0 + k), buf + (<usize>(s0 + k) << 9), 512);
  } else if (cfgDevice == Device.PI) {
    crc16Sectors(buf + (<usize>s0 << 9), n, GUARDS);
    for (let k: u32 = 0; k < n; k++) setDiskGuard(ds0 + k, load<u16>(GUARDS + (<usize>k << 1)));
    countN(Counter.CSUM_BYTES, len);
  } else if (cfgDevice == Device.FS_CSUM) {
    setDiskCrcWritten(ds0 >>> 3, crc32c4k(buf));
    countN(Counter.CSUM_BYTES, PAGE_SIZE);
  }
  memory.copy(diskAddr(ds0), buf + off, len);
}
