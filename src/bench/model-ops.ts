// The reference model side of each benchmark: the same operation, timed from
// JS, on the model's own functions (src/model/). The model has no benchmark
// loops, so these loops do what assembly/bench.ts does, with the model's
// pieces: change_protection and its flush, the I/O's restoreIo and protectIo;
// the COW goes through the model's store path (TLB, write fault, copy) and maps
// the original back; copies and checksums use the model's Uint8Array copies
// and checksum functions.
import { Counter, Err, Key, MapFlag, Mode, Op, Policy, ProcFlag, Stable } from "../../assembly/abi.js";
import { crc16t10, crc32c, oracleHash } from "../model/checksum.js";
import { DEFAULT_CONFIG } from "../model/config.js";
import { completeDio, submitDio } from "../model/dio.js";
import { mapGet, mapPut } from "../model/frames.js";
import type { Io } from "../model/io.js";
import { doMmap } from "../model/mmap.js";
import { changeProtection, flushChange } from "../model/mprotect.js";
import { DWP, frameOf, P, pageFrame, setSlot, slotOf, W } from "../model/pagetable.js";
import { newProc, newThread } from "../model/proc.js";
import { State, type Proc } from "../model/state.js";
import { userAccess } from "../model/uaccess.js";
import { protectIo, restoreIo } from "../model/wp.js";
import { HUGE, PAGE } from "../shared/units.js";
import { BUF_VA, HUGE_VA, type BenchConfig, fillerBytes, type Runner, withKeys } from "./setup.js";

function must(rc: number, what: string): number {
  if (rc < 0) throw new Error(`bench (model): ${what} returned -${Err[-rc] ?? rc}`);
  return rc;
}

function fresh(cfg: BenchConfig): State {
  const c = DEFAULT_CONFIG.slice();
  for (const [k, v] of cfg) c[k] = v;
  return new State(c);
}

function process(st: State, va: number, len: number, flags = MapFlag.WRITE): { p: Proc; tid: number } {
  const p = newProc(st, 0);
  const tid = newThread(st, p, 0);
  must(doMmap(st, p.pid, va, len, flags), "map");
  must(userAccess(st, tid, va, flags & MapFlag.HUGE ? 1 : len, { kind: "store", byte: 7 }), "store");
  return { p, tid };
}

/** change_protection of pages [v0, v0+n) of `p` to `newprot` and its flush, as assembly/bench.ts benchWp. */
function flip(st: State, p: Proc, v0: number, n: number, newprot: number): void {
  flushChange(st, p.pid, 0, changeProtection(st, p, v0, v0 + n - 1, newprot));
}

/** PTE and PMD flips so far (both counters). */
const flipCount = (st: State): number => st.c[Counter.PTE_FLIPS] + st.c[Counter.PMD_FLIPS];

export function modelWp(cfg: BenchConfig, pages: number, pmd: boolean): Runner {
  const st = fresh(cfg);
  const va = pmd ? HUGE_VA : BUF_VA;
  const { p } = process(st, va, pmd ? HUGE : 512 * PAGE, MapFlag.WRITE | (pmd ? MapFlag.HUGE : 0));
  const v0 = va / PAGE;
  const n = pmd ? 512 : pages;
  return {
    run(k) {
      const c0 = flipCount(st);
      for (let i = 0; i < k; i++) {
        flip(st, p, v0, n, DWP);
        flip(st, p, v0, n, W);
      }
      return flipCount(st) - c0;
    },
  };
}

export function modelWpIo(cfg: BenchConfig, pages: number, pmd: boolean): Runner {
  const st = fresh(withKeys(cfg, [[Key.POLICY, Policy.WP_COW], [Key.STABLE, Stable.ALWAYS]]));
  const va = pmd ? HUGE_VA : BUF_VA;
  const { tid } = process(st, va, pmd ? HUGE : 512 * PAGE, MapFlag.WRITE | (pmd ? MapFlag.HUGE : 0));
  const id = must(submitDio(st, tid, Op.WRITE, va, (pmd ? 512 : pages) * PAGE, 0, 0), "submit");
  const io = st.ios.get(id)!;
  must(samePages(st, io), "the I/O's pages");
  return {
    run(k) {
      const c0 = flipCount(st);
      for (let i = 0; i < k; i++) {
        restoreIo(st, io);
        protectIo(st, io);
      }
      return flipCount(st) - c0;
    },
    finish: () => completeDio(st, io),
  };
}

/**
 * As assembly/bench.ts benchWpIo checks: a WP I/O whose process is alive and
 * whose pages still map the frames it pinned (submit would protect what they
 * map now: only the same frames make it the same I/O). 0, or -INVAL.
 */
function samePages(st: State, io: Io): number {
  const p = st.procs[io.pid - 1];
  if (io.mode !== Mode.WP || p.flags & ProcFlag.DEAD) return -Err.INVAL;
  for (const r of io.pages) {
    const s = slotOf(st, p, r.vpn);
    if (!(s.e & P) || pageFrame(s, r.vpn) !== r.frame) return -Err.INVAL;
  }
  return 0;
}

export function modelCow(cfg: BenchConfig): Runner {
  const st = fresh(withKeys(cfg, [[Key.POLICY, Policy.WP_COW], [Key.STABLE, Stable.ALWAYS]]));
  const { p, tid } = process(st, BUF_VA, 2 * PAGE);
  const io = must(submitDio(st, tid, Op.WRITE, BUF_VA, PAGE, 0, 0), "submit");
  const vpn = BUF_VA / PAGE;
  const e0 = slotOf(st, p, vpn).e;
  const f = frameOf(e0);
  return {
    run(k) {
      let total = 0;
      for (let i = 0; i < k; i++) {
        must(userAccess(st, tid, BUF_VA, 1, { kind: "store", byte: i & 255 }), "store (fault)");
        const copy = frameOf(slotOf(st, p, vpn).e);
        total += copy;
        // Map the original back, as the Wasm loop does, so the next store faults again.
        setSlot(st, p, vpn, e0);
        mapGet(st, f);
        mapPut(st, copy);
        st.tlb.invalidate(0, p.pid, vpn);
      }
      return total;
    },
    finish: () => completeDio(st, st.ios.get(io)!),
  };
}

export function modelCopy(cfg: BenchConfig, bytes: number, cold: boolean): Runner {
  const st = fresh(cfg);
  const span = st.cfg[Key.DISK_BLOCKS] * PAGE;
  const src = fillerBytes(Math.max(bytes, PAGE));
  const dst = new Uint8Array(cold ? span : bytes);
  const slots = Math.floor(span / bytes);
  let at = 0; // the cold walk goes on where the last call stopped
  return {
    run(k) {
      let total = 0;
      for (let i = 0; i < k; i++) {
        const off = cold ? (at++ % slots) * bytes : 0;
        // Page by page, as the model's bounce copies.
        for (let q = 0; q < bytes; q += PAGE) dst.set(src.subarray(q, q + PAGE), off + q);
        total += dst[off + (i & (bytes - 1))];
      }
      return total;
    },
  };
}

/** device: a Device id, or Device.COUNT for the oracle hash. */
export function modelCsum(device: number, bytes: number): Runner {
  const buf = fillerBytes(bytes);
  const scratch = new Uint8Array(PAGE);
  const one = (a: number): number => {
    let x = 0;
    switch (device) {
      case 1: // pi
        for (let s = 0; s < PAGE; s += 512) x ^= crc16t10(buf, a + s, 512);
        return x;
      case 2: // parity
        for (let i = 0; i < PAGE; i++) scratch[i] ^= buf[a + i];
        return scratch[0];
      case 3: // fs-csum
        return crc32c(buf, a, PAGE);
      default: // oracle
        for (let s = 0; s < PAGE; s += 512) x ^= oracleHash(buf, a + s);
        return x;
    }
  };
  return {
    run(k) {
      let total = 0;
      for (let i = 0; i < k; i++) {
        let x = 0;
        for (let a = 0; a < bytes; a += PAGE) x ^= one(a);
        total += x >>> 0;
      }
      return total;
    },
  };
}

export function modelStore(cfg: BenchConfig, raw: boolean): Runner {
  const st = fresh(cfg);
  const { p, tid } = process(st, BUF_VA, PAGE);
  const src = fillerBytes(PAGE);
  const frame = st.pool.frames[pageFrame(slotOf(st, p, BUF_VA / PAGE), BUF_VA / PAGE)];
  return {
    run(k) {
      let total = 0;
      for (let i = 0; i < k; i++) {
        if (raw) frame.bytes.set(src);
        else must(userAccess(st, tid, BUF_VA, PAGE, { kind: "write", src }), "write");
        total += frame.bytes[i & (PAGE - 1)];
      }
      return total;
    },
  };
}

export function modelDio(cfg: BenchConfig, len: number): Runner {
  const st = fresh(cfg);
  const { tid } = process(st, BUF_VA, len);
  const blocks = Math.ceil(len / PAGE);
  const slots = Math.floor(st.cfg[Key.DISK_BLOCKS] / blocks);
  return {
    run(k) {
      let total = 0;
      for (let i = 0; i < k; i++) {
        const id = must(submitDio(st, tid, Op.WRITE, BUF_VA, len, (i % slots) * blocks * 8, 0), "submit");
        completeDio(st, st.ios.get(id)!);
        total += id;
      }
      return total;
    },
  };
}
