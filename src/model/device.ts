// What the device does with each page of an I/O (docs/model.md section 4), as
// assembly/device.ts: its checks at submit, the re-check at the DMA point and
// for verify, the DMA itself, a read's verification, and verify's rewrite.
// `src`/`dst` is the page the device reads or fills (a pinned or bounce
// frame's bytes); the page record says which bytes and holds the checks.
import { Counter, Device, FrameKind, Key } from "../../assembly/abi.js";
import { crc16t10, crc32c, oracleHash } from "./checksum.js";
import { SECTOR } from "./disk.js";
import { PAGE } from "./frames.js";
import type { PageRec } from "./io.js";
import type { State } from "./state.js";

/** The sectors of the page the record covers: [s0, s1), by index in the page. */
function sectors(r: PageRec): [number, number] {
  return [r.off / SECTOR, (r.off + r.len) / SECTOR];
}

/**
 * 6.7 step 6 for one page of a write: parity snapshots the bytes into a
 * scratch frame (the md stripe cache; the NOMEM check kept its frame); pi
 * guards per sector, fs-csum's crc32c of the block and the oracle hashes go
 * into the record.
 */
export function deviceSubmitPage(st: State, r: PageRec, src: Uint8Array): void {
  const dev = st.cfg[Key.DEVICE];
  const [s0, s1] = sectors(r);
  if (dev === Device.PARITY) {
    r.scratch = st.pool.alloc4k(FrameKind.SCRATCH, 1);
    st.pool.frames[r.scratch].bytes.set(src.subarray(r.off, r.off + r.len), r.off);
  } else if (dev === Device.PI) {
    for (let s = s0; s < s1; s++) r.guards[s] = crc16t10(src, s * SECTOR, SECTOR);
    st.c[Counter.CSUM_BYTES] += r.len;
  } else if (dev === Device.FS_CSUM) {
    r.csum = crc32c(src);
    st.c[Counter.CSUM_BYTES] += PAGE;
  }
  if (st.disk.oracle) for (let s = s0; s < s1; s++) r.hashes[s] = oracleHash(src, s * SECTOR);
}

/**
 * Do the page's bytes still match the checks made at submit? (The DMA-point
 * check, section 4, and verify's, 6.10 step 1.) Every sector is checked: the
 * bytes counted do not depend on where a difference is.
 */
export function deviceCheckPage(st: State, r: PageRec, src: Uint8Array): boolean {
  const [s0, s1] = sectors(r);
  let ok = true;
  switch (st.cfg[Key.DEVICE]) {
    case Device.PI:
      for (let s = s0; s < s1; s++) if (crc16t10(src, s * SECTOR, SECTOR) !== r.guards[s]) ok = false;
      st.c[Counter.CSUM_BYTES] += r.len;
      break;
    case Device.FS_CSUM:
      if (crc32c(src) !== r.csum) ok = false;
      st.c[Counter.CSUM_BYTES] += PAGE;
      break;
    case Device.PARITY: {
      const snap = st.pool.frames[r.scratch].bytes;
      for (let i = r.off; i < r.off + r.len; i++) if (src[i] !== snap[i]) ok = false;
      break;
    }
  }
  return ok;
}

/**
 * 6.9, one page of a write: sector by sector, parity is updated from the
 * stripe-cache snapshot, the bytes of `src` as they are now go to the disk
 * with the submit-time checks.
 */
export function dmaWritePage(st: State, r: PageRec, src: Uint8Array): void {
  const d = st.disk;
  const dev = st.cfg[Key.DEVICE];
  const pnew = dev === Device.PARITY ? st.pool.frames[r.scratch].bytes : src;
  const [s0, s1] = sectors(r);
  for (let s = s0, ds = r.sector; s < s1; s++, ds++) {
    d.writeSector(ds, src, s * SECTOR, pnew, s * SECTOR);
    if (dev === Device.PI) d.setGuard(ds, r.guards[s]);
    if (d.oracle) d.setHash(ds, r.hashes[s]);
  }
  if (dev === Device.FS_CSUM) d.setCrc(r.sector >>> 3, r.csum);
}

/**
 * 6.9, one page of a read: the disk's bytes into `dst`, and for fs-csum the
 * block's stored crc32c with them, into the record: btrfs looks a read's sums
 * up at submit (btrfs_lookup_bio_sums) by the extent's disk address, under
 * the extent lock, and never overwrites an extent in place, so they are the
 * sums of the bytes this DMA transfers. The model's disk changes in place, so
 * that guarantee is a capture here.
 */
export function dmaReadPage(st: State, r: PageRec, dst: Uint8Array): void {
  const [s0, s1] = sectors(r);
  for (let s = s0, ds = r.sector; s < s1; s++, ds++) st.disk.readSector(ds, dst, s * SECTOR);
  if (st.cfg[Key.DEVICE] !== Device.FS_CSUM) return;
  // A block never written has no sum: btrfs verifies nothing for it.
  r.nosum = st.disk.isUnwritten(r.sector >>> 3);
  if (r.nosum) st.c[Counter.UNWRITTEN_READS]++;
  else r.csum = st.disk.crc(r.sector >>> 3);
}

/** 6.10 step 2, fs-csum: the block in `dst` against the crc its DMA brought; nothing to verify without one. */
export function readVerifyPage(st: State, r: PageRec, dst: Uint8Array): boolean {
  if (r.nosum) return true;
  st.c[Counter.CSUM_BYTES] += PAGE;
  return crc32c(dst) === r.csum;
}

/**
 * 6.10 step 1, verify's rewrite of one page through the buffered path: the
 * buffer's bytes are copied to a kernel buffer (a transient copy, not a frame
 * of the pool), checked, and written with their check (parity: parity ^= old
 * ^ new). The oracle keeps the submit hash.
 */
export function rewritePage(st: State, r: PageRec, src: Uint8Array): void {
  const dev = st.cfg[Key.DEVICE];
  const buf = src.slice();
  st.c[Counter.BYTES_REWRITE] += r.len;
  st.c[Counter.BYTES_COPIED] += r.len;
  if (dev === Device.FS_CSUM) {
    st.disk.setCrc(r.sector >>> 3, crc32c(buf));
    st.c[Counter.CSUM_BYTES] += PAGE;
  }
  const [s0, s1] = sectors(r);
  for (let s = s0, ds = r.sector; s < s1; s++, ds++) {
    if (dev === Device.PI) {
      st.disk.setGuard(ds, crc16t10(buf, s * SECTOR, SECTOR));
      st.c[Counter.CSUM_BYTES] += SECTOR;
    }
    st.disk.writeSector(ds, buf, s * SECTOR, buf, s * SECTOR);
  }
}
