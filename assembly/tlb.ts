// Per-CPU software TLBs and shootdowns (docs/model.md section 2).
//
// Each CPU has a direct-mapped array of entries, 16 bytes each:
//   ┌──────────────────────┬─────────────────────────────────┬───────┬─────┐
//   │ tag u32: pid<<20|vpn │ value u32: frame<<12 | W<<1 | 1 │ gen   │  -  │
//   └──────────────────────┴─────────────────────────────────┴───────┴─────┘
// Index: (vpn ^ (pid << 4)) & (entries - 1). An entry counts only if its gen
// equals its CPU's generation: a whole-TLB flush is one increment, not a
// clear of every entry (the hardware does it in one step too).
import { Counter, ThreadState } from "./abi";
import { count, countN } from "./counters";
import { NIL, TLB_ENTRY_BYTES, tlbBase } from "./layout";
import { cfgCpus, cfgTlbEntries } from "./config";
import { cpumask, runmask, setStaleMask, staleMask, threadCpu, threadPid, threadState } from "./proc";

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
 * One shootdown, x86's flush_tlb_mm_range -> native_flush_tlb_multi:
 * invalidates [vpn, vpn+npages) of `pid` on every CPU that runs it (its
 * runmask, and the local CPU if a thread of `pid` is on it), one flush per
 * CPU, one IPI per CPU other than the local one. A CPU of the cpumask that
 * does not run it is lazy (should_flush_tlb: no IPI): it is stale, and flushes
 * when a thread of `pid` next runs there (switchMm), so its entries of `pid`
 * can no longer be used and are dropped now, uncounted. `freedTables`: page
 * tables were freed, and every CPU of the cpumask gets the IPI, lazy or not
 * (info->freed_tables). A CPU outside the cpumask holds no entry of `pid`
 * (threads do not migrate).
 */
export function flushTlbMmRange(pid: u32, localCpu: u32, vpn: u32, npages: u32, freedTables: bool = false): void {
  let mask = cpumask(pid);
  let local = mask & (<u64>1 << localCpu);
  let run = runmask(pid) | local;
  let lazy = mask & ~run;
  let m = freedTables ? mask : run;
  let n: u32 = 0;
  while (m != 0) {
    let cpu = <u32>ctz(m);
    m &= m - 1;
    flushCpu(cpu, pid, vpn, npages);
    n++;
  }
  if (lazy != 0) skipLazy(pid, lazy, freedTables);
  count(Counter.SHOOTDOWNS);
  countN(Counter.TLB_FLUSHES, n);
  countN(Counter.IPIS, n - <u32>(local != 0));
}

/** The lazy CPUs of a shootdown of `pid`: stale until a thread of `pid` runs there, their entries unusable until then. */
function skipLazy(pid: u32, lazy: u64, interrupted: bool): void {
  if (!interrupted) countN(Counter.IPIS_SKIPPED, <u64>popcnt(lazy));
  setStaleMask(pid, staleMask(pid) | lazy);
  for (let m = lazy; m != 0; m &= m - 1) dropMmOn(<u32>ctz(m), pid);
}

/**
 * Thread `tid` runs (it makes a call): x86's switch_mm_irqs_off. If its CPU
 * was lazy and a shootdown of its process skipped it, the CPU flushes the
 * process's entries now: one local flush, no IPI.
 */
export function switchMm(tid: u32): void {
  if (threadState(tid) == ThreadState.RUNNING) return; // its CPU never goes stale
  let pid = threadPid(tid);
  let bit = <u64>1 << threadCpu(tid);
  let stale = staleMask(pid);
  if (!(stale & bit)) return;
  setStaleMask(pid, stale & ~bit);
  count(Counter.TLB_FLUSHES);
}

/** A CPU becomes one that runs `pid` (a new thread, or one woken for good): it catches up if stale. */
export function switchMmCpu(pid: u32, cpu: u32): void {
  let bit = <u64>1 << cpu;
  let stale = staleMask(pid);
  if (!(stale & bit)) return;
  setStaleMask(pid, stale & ~bit);
  count(Counter.TLB_FLUSHES);
}

/** Every entry of `pid` on `cpu` is dropped, uncounted (it can no longer be used). */
function dropMmOn(cpu: u32, pid: u32): void {
  let g = gen(cpu);
  let base = tlbBase + ((<usize>cpu * cfgTlbEntries) << 4);
  for (let i: u32 = 0; i < cfgTlbEntries; i++) {
    let e = base + (<usize>i << 4);
    if ((load<u32>(e) >>> 20) == pid && load<u32>(e, 8) == g) store<u32>(e, 0, 4);
  }
}

/** A fault on `vpn`: the hardware drops the faulting CPU's entry for it (x86 invalidates on a page fault). */
@inline export function tlbDropPage(cpu: u32, pid: u32, vpn: u32): void {
  let e = slot(cpu, pid, vpn);
  if (load<u32>(e) == ((pid << 20) | vpn)) store<u32>(e, 0, 4);
}

/** Does `cpu` hold a live read-only entry for (pid, vpn)? A write through it is a spurious fault if the PTE is writable. */
@inline export function tlbHeldReadOnly(cpu: u32, pid: u32, vpn: u32): bool {
  let e = slot(cpu, pid, vpn);
  let v = load<u32>(e, 4);
  return (v & VALID) != 0 && (v & TW) == 0 && load<u32>(e) == ((pid << 20) | vpn) && load<u32>(e, 8) == gen(cpu);
}

/** Exit: drops every entry of `pid` from every TLB, uncounted (the mm is gone). */
export function tlbDropMm(pid: u32): void {
  let n = cfgCpus * cfgTlbEntries;
  for (let i: u32 = 0; i < n; i++) {
    let e = tlbBase + (<usize>i << 4);
    if ((load<u32>(e) >>> 20) == pid) store<u32>(e, 0, 4);
  }
}
