// Per-CPU software TLBs and shootdowns (docs/model.md section 2).
//
// Each CPU has a direct-mapped array of entries, 16 bytes each:
//   ┌──────────────────────┬─────────────────────────────────┬───────┬─────┐
//   │ tag u32: pid<<20|vpn │ value u32: frame<<12 | W<<1 | 1 │ gen   │  -  │
//   └──────────────────────┴─────────────────────────────────┴───────┴─────┘
// Index: (vpn ^ (pid << 4)) & (entries - 1). An entry counts only if its gen
// equals its CPU's generation: a whole-TLB flush is one increment, not a
// clear of every entry (the hardware does it in one step too).
import { Counter } from "./abi";
import { count, countN } from "./counters";
import { NIL, TLB_ENTRY_BYTES, tlbBase } from "./layout";
import { cfgCpus, cfgTlbEntries } from "./config";
import { cpumask } from "./proc";

const VALID: u32 = 1;
const TW: u32 = 2;
/** Linux's tlb_single_page_flush_ceiling: above this many pages, flush everything. */
const FLUSH_CEILING: u32 = 33;
/** The current generation of each CPU's TLB. */
const GENS: usize = memory.data(64 * 4, 4);

export function tlbReset(): void {
  memory.fill(tlbBase, 0, <usize>cfgCpus * cfgTlbEntries * TLB_ENTRY_BYTES);
  for (let c: usize = 0; c < 64; c++) store<u32>(GENS + (c << 2), 1);
}

@inline function gen(cpu: u32): u32 {
  return load<u32>(GENS + (<usize>cpu << 2));
}

@inline function slot(cpu: u32, pid: u32, vpn: u32): usize {
  let idx = (vpn ^ (pid << 4)) & (cfgTlbEntries - 1);
  return tlbBase + ((<usize>cpu * cfgTlbEntries + idx) << 4);
}

/** A user access's lookup: the frame on a hit (counted), NIL on a miss (counted). */
@inline export function tlbLookup(cpu: u32, pid: u32, vpn: u32, write: bool): u32 {
  let e = slot(cpu, pid, vpn);
  let v = load<u32>(e, 4);
  if ((v & VALID) && load<u32>(e) == ((pid << 20) | vpn) && load<u32>(e, 8) == gen(cpu) && (!write || (v & TW))) {
    count(Counter.TLB_HITS);
    return v >>> 12;
  }
  count(Counter.TLB_MISSES);
  return NIL;
}

@inline export function tlbFill(cpu: u32, pid: u32, vpn: u32, frame: u32, writable: bool): void {
  let e = slot(cpu, pid, vpn);
  store<u32>(e, (pid << 20) | vpn);
  store<u32>(e, (frame << 12) | (writable ? TW : 0) | VALID, 4);
  store<u32>(e, gen(cpu), 8);
}

/**
 * Entry `idx` of `cpu` for sd_check: tag in the low 32 bits, value in the
 * high (value 0 if the entry is not live in the current generation).
 */
export function tlbPeek(cpu: u32, idx: u32): u64 {
  let e = tlbBase + ((<usize>cpu * cfgTlbEntries + idx) << 4);
  if (load<u32>(e, 8) != gen(cpu)) return 0;
  return load<u64>(e);
}

function flushCpu(cpu: u32, pid: u32, vpn: u32, npages: u32): void {
  if (npages <= FLUSH_CEILING) {
    for (let i: u32 = 0; i < npages; i++) {
      let v = vpn + i;
      let e = slot(cpu, pid, v);
      if (load<u32>(e) == ((pid << 20) | v)) store<u32>(e, 0, 4);
    }
    return;
  }
  let g = gen(cpu) + 1;
  if (g == 0) {
    // 2^32 flushes later the generation wraps: clear for real once.
    memory.fill(tlbBase + ((<usize>cpu * cfgTlbEntries) << 4), 0, <usize>cfgTlbEntries << 4);
    g = 1;
  }
  store<u32>(GENS + (<usize>cpu << 2), g);
}

/**
 * One shootdown, x86's flush_tlb_mm_range: invalidates [vpn, vpn+npages) of
 * `pid` on every CPU running it, one flush per CPU, one IPI per CPU other than
 * the local one. The local CPU flushes only if it is in the mm's cpumask
 * (it runs a thread of `pid`): write-protecting another process's MAP_SHARED
 * page from the submitter's CPU flushes and IPIs only that process's CPUs.
 * A CPU outside the mask holds no entry of `pid` (threads do not migrate).
 */
export function flushTlbMmRange(pid: u32, localCpu: u32, vpn: u32, npages: u32): void {
  let mask = cpumask(pid);
  let local = <u32>((mask >>> localCpu) & 1);
  let n: u32 = 0;
  while (mask != 0) {
    let cpu = <u32>ctz(mask);
    mask &= mask - 1;
    flushCpu(cpu, pid, vpn, npages);
    n++;
  }
  count(Counter.SHOOTDOWNS);
  countN(Counter.TLB_FLUSHES, n);
  countN(Counter.IPIS, n - local);
}

/** Exit: drops every entry of `pid` from every TLB, uncounted (the mm is gone). */
export function tlbDropMm(pid: u32): void {
  let n = cfgCpus * cfgTlbEntries;
  for (let i: u32 = 0; i < n; i++) {
    let e = tlbBase + (<usize>i << 4);
    if ((load<u32>(e) >>> 20) == pid) store<u32>(e, 0, 4);
  }
}
