// Per-CPU direct-mapped software TLBs and the shootdown of docs/model.md section 2.
import { Counter } from "../../assembly/abi.js";
import type { State } from "./state.js";

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

  /** exit: the mm is gone; its entries are dropped everywhere, uncounted. */
  dropMm(pid: number): void {
    for (const t of this.cpu) for (let i = 0; i < t.length; i++) if (t[i]?.pid === pid) t[i] = null;
  }
}

/**
 * One shootdown, x86's flush_tlb_mm_range(pid, localCpu, vpn, npages): every CPU of cpumask(pid), ascending,
 * invalidates the pages (or flushes all above the ceiling); each one but the
 * local CPU is an IPI. The local CPU flushes only if it runs a thread of pid
 * (x86 flush_tlb_mm_range): another process's CPUs are not the submitter's.
 */
export function flushTlbMmRange(st: State, pid: number, localCpu: number, vpn: number, npages: number): void {
  const set = st.procs[pid - 1].cpus;
  const cpus = [...set].sort((a, b) => a - b);
  for (const c of cpus) {
    if (npages <= FLUSH_CEILING) for (let k = 0; k < npages; k++) st.tlb.invalidate(c, pid, vpn + k);
    else st.tlb.flushAll(c);
  }
  st.c[Counter.SHOOTDOWNS]++;
  st.c[Counter.TLB_FLUSHES] += cpus.length;
  st.c[Counter.IPIS] += cpus.length - (set.has(localCpu) ? 1 : 0);
}
