// In-flight I/Os (docs/model.md section 2, "I/Os"): the I/O and its page
// records, one per page of its buffer in page order, and the questions asked
// of them. The Wasm core keeps the same in assembly/io.ts.
import { IoState, Key, Mode } from "../../assembly/abi.js";
import { PAGE } from "./frames.js";
import type { State } from "./state.js";

/** One 4 KiB page of an I/O's buffer. */
export interface PageRec {
  vpn: number;
  off: number; // the buffer's bytes [off, off+len) in this page
  len: number;
  sector: number; // first disk sector of this page's bytes
  frame: number; // the pinned frame, or -1
  bounce: number; // -1 if none
  scratch: number; // parity snapshot, -1 if none
  csum: number; // fs-csum crc32c: a write's at submit, a read's as its DMA found it on disk
  nosum?: boolean; // fs-csum: the read's block had no checksum (never written) as its DMA found it
  guards: number[]; // pi: per sector of the page (index = sector in the page)
  hashes: number[]; // oracle: per sector of the page
}

export interface Io {
  id: number;
  state: number; // IoState
  mode: number; // Mode
  policy: number; // the policy it was submitted under: a fault on its pages and its completion act by it
  op: number; // Op
  tid: number;
  pid: number;
  cpu: number; // the submitter's CPU: completion work runs there
  va: number;
  len: number;
  sector: number;
  pages: PageRec[];
  orphaned?: boolean; // a read whose DMA found a page of the process no longer mapping its pinned frame
  shared?: boolean; // a page of the buffer was MAP_SHARED when it was pinned
}

/**
 * The next id and its slot for a SUBMITTED I/O, with a page record per page
 * of [va, va+len) holding its vpn, byte range and first sector, no frames yet.
 * The caller checked the slot and the page records.
 */
export function ioTake(
  st: State, mode: number, op: number, policy: number, tid: number, pid: number, cpu: number, va: number, len: number,
  sector: number,
): Io {
  const pages: PageRec[] = [];
  for (let vpn = Math.floor(va / PAGE), pos = 0; pos < len; vpn++) {
    const off = pos === 0 ? va % PAGE : 0;
    const n = Math.min(PAGE - off, len - pos);
    pages.push({ vpn, off, len: n, sector: sector + pos / 512, frame: -1, bounce: -1, scratch: -1, csum: 0, guards: [], hashes: [] });
    pos += n;
  }
  const io: Io = { id: st.lastIo + 1, state: IoState.SUBMITTED, mode, policy, op, tid, pid, cpu, va, len, sector, pages };
  st.lastIo = io.id;
  st.ios.set(io.id, io);
  st.slots.set(io.id & (st.cfg[Key.MAX_IOS] - 1), io.id);
  st.ioPagesUsed += pages.length;
  return io;
}

/** The I/O is COMPLETED: its page records go back to the pool, its slot may be reused. */
export function ioPut(st: State, io: Io): void {
  io.state = IoState.COMPLETED;
  st.ios.delete(io.id);
  st.slots.delete(io.id & (st.cfg[Key.MAX_IOS] - 1));
  st.ioPagesUsed -= io.pages.length;
}

/** The lowest-id in-flight WP I/O with id >= `from` pinning a frame of [f0, f0 + n), if any. */
export function wpIoPinning(st: State, from: number, f0: number, n: number): Io | undefined {
  let best: Io | undefined;
  for (const io of st.ios.values()) {
    if (io.id < from || io.mode !== Mode.WP || (best && best.id < io.id)) continue;
    if (io.pages.some((r) => r.frame >= f0 && r.frame < f0 + n)) best = io;
  }
  return best;
}
