// One MAP_SHARED frame mapped at two addresses: sd_map_alias, and the
// reverse-map walk that finds those mappings when an I/O write-protects or
// restores the frame (docs/model.md 6.4a, 6.7 step 4, 6.10 step 3), as
// assembly/rmap.ts: Linux's folio_mkclean walks the rmap of a shared folio
// and write-protects every PTE that maps it. The model keeps the alias records
// and walks addresses: from a page, every address an alias record translates
// it to (and back, transitively); at each, every live process's entry that
// maps the very frame.
import { Counter, Err, MAX_ALIASES, ProcFlag } from "../../assembly/abi.js";
import { mapGet, PAGE } from "./frames.js";
import type { Io } from "./io.js";
import { changeJoin, changeProtection, flushChange, NO_CHANGE } from "./mprotect.js";
import { allocPteTables, anyMapped } from "./mmap.js";
import { canWrite, DWP, entry, frameOf, MAY, P, pageFrame, SHR, slotOf, V, W } from "./pagetable.js";
import { SPACE, type Proc, type State } from "./state.js";

/** An alias record: pages [vpn, vpn+n) map the frames pages [src, src+n) mapped. */
export interface Alias {
  readonly vpn: number;
  readonly n: number;
  readonly src: number;
}

/** Is every page of [v0, v0+n) of `p` mapped by a present MAP_SHARED PTE? -NOT_MAPPED or -INVAL otherwise. */
export function sharedSource(st: State, p: Proc, v0: number, n: number): number {
  for (let v = v0; v < v0 + n; v++) if (!(slotOf(st, p, v).e & V)) return st.fail(Err.NOT_MAPPED);
  for (let v = v0; v < v0 + n; v++) {
    const s = slotOf(st, p, v);
    if (s.huge || (s.e & (P | SHR)) !== (P | SHR)) return st.fail(Err.INVAL);
  }
  return 0;
}

/** 6.4a, sd_map_alias: [va, va+len) of `pid` maps the frames [srcVa, srcVa+len) of `srcPid` maps (present MAP_SHARED PTEs). */
export function doMmapAlias(st: State, pid: number, va: number, len: number, srcPid: number, srcVa: number): number {
  const p = st.proc(pid);
  const q = st.proc(srcPid);
  if (!p || !q) return st.fail(Err.NO_PROC);
  if (p.flags & ProcFlag.DEAD || q.flags & ProcFlag.DEAD) return st.fail(Err.DEAD);
  if (len === 0) return st.fail(Err.INVAL);
  if (va % PAGE || len % PAGE || srcVa % PAGE) return st.fail(Err.ALIGN);
  if (va + len > SPACE || srcVa + len > SPACE) return st.fail(Err.RANGE);
  const v0 = va / PAGE;
  const s0 = srcVa / PAGE;
  const n = len / PAGE;
  if (anyMapped(st, p, v0, v0 + n)) return st.fail(Err.MAPPED);
  const src = sharedSource(st, q, s0, n);
  if (src < 0) return src;
  if (st.aliases.length >= MAX_ALIASES) return st.fail(Err.LIMIT, MAX_ALIASES);
  const r = allocPteTables(st, p, v0 >>> 9, (v0 + n - 1) >>> 9);
  if (r < 0) return r;
  for (let k = 0; k < n; k++) {
    const e = slotOf(st, q, s0 + k).e;
    const f = frameOf(e);
    let bits = P | V | SHR | (e & MAY);
    if (e & MAY) bits |= st.pool.frames[f].wp > 0 ? DWP : W;
    mapGet(st, f);
    st.pool.frames[frameOf(p.pmd[(v0 + k) >>> 9])].ptes[(v0 + k) & 511] = entry(f, bits);
  }
  st.aliases.push({ vpn: v0, n, src: s0 });
  return 0;
}

/** Every address page `v` reaches through the alias records, both ways, transitively ([0] = v). */
function reached(st: State, v: number): number[] {
  const out = [v];
  for (let i = 0; i < out.length; i++) {
    const u = out[i];
    for (const a of st.aliases) {
      if (u >= a.vpn && u < a.vpn + a.n && !out.includes(a.src + (u - a.vpn))) out.push(a.src + (u - a.vpn));
      if (u >= a.src && u < a.src + a.n && !out.includes(a.vpn + (u - a.src))) out.push(a.vpn + (u - a.src));
    }
  }
  return out;
}

/**
 * The rmap walk of 6.7 step 4 and 6.10 step 3 for `io`: at every address
 * other than its own that one of its pages reaches, each live process
 * ascending (the submitter too) whose PTE there maps the pinned frame, is
 * present and MAP_SHARED, and has W (protect) or DWP and passes canWrite
 * (restore) gets the change; one shootdown per process. A process where the
 * walk finds such a mapping is a page-table walk of its own (WP_WALKS).
 */
export function rmapWalk(st: State, io: Io, restore: boolean): void {
  for (const q of st.procs) {
    if (q.flags & ProcFlag.DEAD) continue;
    let c = NO_CHANGE;
    let found = false;
    for (const r of io.pages) {
      for (const u of reached(st, r.vpn).slice(1)) {
        const s = slotOf(st, q, u);
        if (s.huge || (s.e & (P | SHR)) !== (P | SHR) || pageFrame(s, u) !== r.frame) continue;
        found = true;
        if (restore ? !(s.e & DWP) || !canWrite(s.e, st.pool.frames[r.frame]) : !(s.e & W)) continue;
        c = changeJoin(c, changeProtection(st, q, u, u, restore ? W : DWP));
      }
    }
    if (found) st.c[Counter.WP_WALKS]++;
    flushChange(st, q.pid, io.cpu, c);
  }
}
