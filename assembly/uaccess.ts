// User memory access by a thread: stores, writes from the staging area, loads.
// Each page goes through the thread's CPU TLB; a miss walks the page table; a
// write to a non-writable entry faults (docs/model.md 6.5).
import { Counter, Err, STAGING_BYTES } from "./abi";
import { count, countN } from "./counters";
import { handleMmFault } from "./fault";
import { frameAddr } from "./frames";
import { NIL, stagingBase } from "./layout";
import { procAlive, threadCpu, threadExists, threadPid } from "./proc";
import { HUG, P, TBL, W, pageFrame, pmdAddr, pteAddr } from "./pagetable";
import { switchMm, tlbDropPage, tlbFill, tlbHeldReadOnly, tlbLookup } from "./tlb";

export const STORE = 0;
export const WRITE = 1;
export const LOAD = 2;

/**
 * The frame `vpn` maps for this access from the TLB, or from a walk that
 * found the entry usable (then the TLB is filled). NIL: the access must fault.
 */
@inline function translate(pid: u32, cpu: u32, vpn: u32, write: bool): u32 {
  let f = tlbLookup(cpu, pid, vpn, write);
  if (f != NIL) return f;
  let pmd = load<u32>(pmdAddr(pid, vpn));
  let e: u32 = pmd;
  if (pmd & TBL) e = load<u32>(pteAddr(pmd, vpn));
  else if (!(pmd & HUG)) return NIL;
  if (!(e & P) || (write && !(e & W))) return NIL;
  // A write through a live read-only entry of a now writable PTE: x86 faults,
  // and the handler finds nothing to do (flush_tlb_fix_spurious_fault is a no-op).
  if (write && tlbHeldReadOnly(cpu, pid, vpn)) count(Counter.SPURIOUS_FAULTS);
  f = pageFrame(e, vpn);
  tlbFill(cpu, pid, vpn, f, (e & W) != 0);
  return f;
}

/** One access of `len` bytes at `va`: STORE fills with `arg`, WRITE copies from staging+arg, LOAD copies to it. */
export function userAccess(kind: i32, tid: u32, va: u32, len: u32, arg: u32): i32 {
  if (!threadExists(tid)) return -Err.NO_THREAD;
  let pid = threadPid(tid);
  if (!procAlive(pid)) return -Err.DEAD;
  if (len == 0) return -Err.INVAL;
  if (kind == STORE && arg > 255) return -Err.INVAL;
  if (kind != STORE && <u64>arg + <u64>len > <u64>STAGING_BYTES) return -Err.INVAL;
  if (<u64>va + <u64>len > 0x1_0000_0000) return -Err.RANGE;
  let cpu = threadCpu(tid);
  switchMm(tid);
  let write = kind != LOAD;
  if (write) {
    count(Counter.STORES);
    countN(Counter.BYTES_STORED, len);
  }
  let pos: u64 = va;
  let end: u64 = <u64>va + len;
  let staged = stagingBase + arg;
  let retries = 0;
  while (pos < end) {
    let vpn = <u32>(pos >>> 12);
    let off = <u32>(pos & 4095);
    let n = <u32>min<u64>(end - pos, 4096 - off);
    let f = translate(pid, cpu, vpn, write);
    if (f == NIL) {
      tlbDropPage(cpu, pid, vpn); // a page fault invalidates the faulting address's entry
      let r = handleMmFault(pid, cpu, vpn, off, n, write);
      if (r < 0) return r;
      // Each fault resolves or changes the page's state; looping means a bug in the core.
      if (++retries > 8) abort("fault loop: the fault handler made no progress");
      continue;
    }
    retries = 0;
    let p = frameAddr(f) + off;
    if (kind == STORE) memory.fill(p, <u8>arg, n);
    else if (kind == WRITE) memory.copy(p, staged, n);
    else memory.copy(staged, p, n);
    staged += n;
    pos += n;
  }
  return 0;
}
