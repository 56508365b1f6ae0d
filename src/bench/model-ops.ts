// The reference model side of each benchmark: the same operation, timed from
// JS, on the model's own functions (src/model/). The model has no benchmark
// loops, so these loops do what assembly/bench.ts does, with the model's
// pieces: protect/restore flips entries and shoots down like the model's
// submit and completion; the COW goes through the model's store path (TLB,
// write fault, copy) and maps the original back; copies and checksums use
// the model's Uint8Array copies and checksum functions.
import { Counter, Err, MapFlag, Op, Policy, Key, Stable } from "../../assembly/abi.js";
import { crc16t10, crc32c, oracleHash } from "../model/checksum.js";
import { completeIo, reprotect, submit } from "../model/dio.js";
import { uaccess } from "../model/fault.js";
import { newProc, newThread } from "../model/fork.js";
import { FOLIO } from "../model/frames.js";
import { DEFAULT_CONFIG } from "../model/index.js";
import { map } from "../model/mmap.js";
import { DWP, entry, frameOf, pageFrame, setSlot, slotOf, W } from "../model/pagetable.js";
import { State, type Proc } from "../model/state.js";
import { shootdown } from "../model/tlb.js";
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
  must(map(st, p.pid, va, len, flags), "map");
  must(uaccess(st, tid, va, flags & MapFlag.HUGE ? 1 : len, { kind: "store", byte: 7 }), "store");
  return { p, tid };
}

/** Flips n pages' entries (a huge PMD once) to read-only or back, then one shootdown: the model's protectIn/restoreIn. */
function flip(st: State, p: Proc, v0: number, n: number, restore: boolean): number {
  let lo = -1;
  let hi = -1;
  let flips = 0;
  const donePmds = new Set<number>();
  for (let vpn = v0; vpn < v0 + n; vpn++) {
    const s = slotOf(st, p, vpn);
    if (s.huge) {
      if (donePmds.has(vpn >>> 9)) continue;
      donePmds.add(vpn >>> 9);
    }
    const bits = s.e & 0xfff;
    setSlot(st, p, vpn, entry(frameOf(s.e), restore ? (bits | W) & ~DWP : (bits & ~W) | DWP));
    st.c[s.huge ? Counter.PMD_FLIPS : Counter.PTE_FLIPS]++;
    flips++;
    const a = s.huge ? (vpn >>> 9) * FOLIO : vpn;
    if (lo < 0) lo = a;
    hi = s.huge ? a + FOLIO - 1 : a;
  }
  if (lo >= 0) shootdown(st, p.pid, 0, lo, hi - lo + 1);
  return flips;
}

export function modelWp(cfg: BenchConfig, pages: number, pmd: boolean): Runner {
  const st = fresh(cfg);
  const va = pmd ? HUGE_VA : BUF_VA;
  const { p } = process(st, va, pmd ? HUGE : 512 * PAGE, MapFlag.WRITE | (pmd ? MapFlag.HUGE : 0));
  const v0 = va / PAGE;
  const n = pmd ? 512 : pages;
  return {
    run(k) {
      let total = 0;
      for (let i = 0; i < k; i++) total += flip(st, p, v0, n, false) + flip(st, p, v0, n, true);
      return total;
    },
  };
}

export function modelWpIo(cfg: BenchConfig, pages: number, pmd: boolean): Runner {
  const st = fresh(withKeys(cfg, [[Key.POLICY, Policy.WP_COW], [Key.STABLE, Stable.ALWAYS]]));
  const va = pmd ? HUGE_VA : BUF_VA;
  const { tid } = process(st, va, pmd ? HUGE : 512 * PAGE, MapFlag.WRITE | (pmd ? MapFlag.HUGE : 0));
  const id = must(submit(st, tid, Op.WRITE, va, (pmd ? 512 : pages) * PAGE, 0, 0), "submit");
  const io = st.ios.get(id)!;
  return {
    run(k) {
      let total = 0;
      for (let i = 0; i < k; i++) total += must(reprotect(st, io), "reprotect");
      return total;
    },
    finish: () => completeIo(st, io),
  };
}

export function modelCow(cfg: BenchConfig): Runner {
  const st = fresh(withKeys(cfg, [[Key.POLICY, Policy.WP_COW], [Key.STABLE, Stable.ALWAYS]]));
  const { p, tid } = process(st, BUF_VA, 2 * PAGE);
  const io = must(submit(st, tid, Op.WRITE, BUF_VA, PAGE, 0, 0), "submit");
  const vpn = BUF_VA / PAGE;
  const e0 = slotOf(st, p, vpn).e;
  const f = st.pool.frames[frameOf(e0)];
  return {
    run(k) {
      let total = 0;
      for (let i = 0; i < k; i++) {
        must(uaccess(st, tid, BUF_VA, 1, { kind: "store", byte: i & 255 }), "store (fault)");
        const copy = frameOf(slotOf(st, p, vpn).e);
        total += copy;
        // Map the original back, as the Wasm loop does, so the next store faults again.
        setSlot(st, p, vpn, e0);
        f.map++;
        f.ref++;
        st.pool.frames[copy].map--;
        st.pool.put(copy);
        st.tlb.invalidate(0, p.pid, vpn);
      }
      return total;
    },
    finish: () => completeIo(st, st.ios.get(io)!),
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
        else must(uaccess(st, tid, BUF_VA, PAGE, { kind: "write", src }), "write");
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
        const id = must(submit(st, tid, Op.WRITE, BUF_VA, len, (i % slots) * blocks * 8, 0), "submit");
        completeIo(st, st.ios.get(id)!);
        total += id;
      }
      return total;
    },
  };
}
