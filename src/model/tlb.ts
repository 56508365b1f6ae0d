// Per-CPU direct-mapped software TLBs and the shootdown of docs/model.md section 2.
import { Counter } from "../../assembly/abi.js";
import type { Proc, State } from "./state.js";

export interface TlbEntry {
  pid: number;
  vpn: number;
  frame: number;
  w: boolean;
}

/** Linux's tlb_single_page_flush_ceiling: above it a CPU flushes everything. */
export const FLUSH_CEILING = 33;

export class Tlbs {
  readonly cpu: (TlbEntry | null)[][];

  constructor(cpus: number, readonly size: number) {
    this.cpu = [];
    for (let c = 0; c < cpus; c++) this.cpu.push(new Array<TlbEntry | null>(size).fill(null));
  }

  index(pid: number, vpn: number): number {
    return (vpn ^ (pid << 4)) & (this.size - 1);
  }

  /** The frame on a hit, else -1. A write needs W. */
  lookup(cpu: number, pid: number, vpn: number, write: boolean): number {
    const e = this.cpu[cpu][this.index(pid, vpn)];
    if (e && e.pid === pid && e.vpn === vpn && (!write || e.w)) return e.frame;
    return -1;
  }

  fill(cpu: number, pid: number, vpn: number, frame: number, w: boolean): void {
    this.cpu[cpu][this.index(pid, vpn)] = { pid, vpn, frame, w };
  }

  invalidate(cpu: number, pid: number, vpn: number): void {
    const i = this.index(pid, vpn);
    const e = this.cpu[cpu][i];
    if (e && e.pid === pid && e.vpn === vpn) this.cpu[cpu][i] = null;
  }

  flushAll(cpu: number): void {
    this.cpu[cpu].fill(null);
  }

  /** Every entry of `pid` on `cpu` is dropped (a lazy CPU's: it can no longer use them). */
  dropMmOn(cpu: number, pid: number): void {
    const t = this.cpu[cpu];
    for (let i = 0; i < t.length; i++) if (t[i]?.pid === pid) t[i] = null;
  }

  /** Does `cpu` hold a read-only entry for (pid, vpn)? A write through it faults spuriously if the PTE is writable. */
  heldReadOnly(cpu: number, pid: number, vpn: number): boolean {
    const e = this.cpu[cpu][this.index(pid, vpn)];
    return e !== null && e.pid === pid && e.vpn === vpn && !e.w;
  }

  /** exit: the mm is gone; its entries are dropped everywhere, uncounted. */
  dropMm(pid: number): void {
    for (const t of this.cpu) for (let i = 0; i < t.length; i++) if (t[i]?.pid === pid) t[i] = null;
  }
}

/**
 * One shootdown, x86's flush_tlb_mm_range -> native_flush_tlb_multi, as
 * assembly/tlb.ts: every CPU that runs `pid` (its runmask, and the local CPU
 * if a thread of pid is on it), ascending, invalidates the pages (or flushes
 * all above the ceiling); each one but the local CPU is an IPI. The other CPUs
 * of the cpumask are lazy (should_flush_tlb): no IPI, stale until a thread of
 * pid runs there again, their entries of pid dropped now, uncounted.
 * `freedTables`: every CPU of the cpumask gets the IPI (info->freed_tables).
 */
export function flushTlbMmRange(
  st: State, pid: number, localCpu: number, vpn: number, npages: number, freedTables = false,
): void {
  const p = st.procs[pid - 1];
  const local = p.cpus.has(localCpu);
  const runs = (c: number): boolean => p.running.has(c) || (local && c === localCpu);
  const cpus = [...p.cpus].sort((a, b) => a - b);
  const lazy = cpus.filter((c) => !runs(c));
  const targets = freedTables ? cpus : cpus.filter(runs);
  for (const c of targets) {
    if (npages <= FLUSH_CEILING) for (let k = 0; k < npages; k++) st.tlb.invalidate(c, pid, vpn + k);
    else st.tlb.flushAll(c);
  }
  for (const c of lazy) {
    p.stale.add(c);
    st.tlb.dropMmOn(c, pid);
  }
  if (!freedTables) st.c[Counter.IPIS_SKIPPED] += lazy.length;
  st.c[Counter.SHOOTDOWNS]++;
  st.c[Counter.TLB_FLUSHES] += targets.length;
  st.c[Counter.IPIS] += targets.length - (local ? 1 : 0);
}

/**
 * A CPU starts running `p` (a thread of it makes a call, is created, or
 * wakes): x86's switch_mm_irqs_off. If a shootdown skipped it, it flushes
 * now: one local flush, no IPI.
 */
export function switchMm(st: State, p: Proc, cpu: number): void {
  if (!p.stale.delete(cpu)) return;
  st.c[Counter.TLB_FLUSHES]++;
}
