// Seeded random operation sequences for the differential test: a small
// configuration, a few processes and mappings, then a mix of stores, loads,
// direct I/O, DMA points, completions, forks, exits, unmaps and policy flips,
// with a sprinkling of invalid arguments; the write-protect's implementation
// choices (restore, batch, walk), submission calls and reaps of several I/Os
// (IoFlag.MORE, complete_more), idle threads (thread_state) and the
// pinned-page cases (unwritten blocks, aliases, rings) among them.
// Mostly-valid on purpose: the
// interesting paths (faults on protected pages, splits, unshares, stalls)
// need state to build up.
import { Device, IoFlag, Key, MapFlag, Op, Policy, ProcFlag, Restore, Ring, Stable, ThreadState, Walk } from "../../assembly/abi.js";
import type { OpRecord } from "../../src/core/ops.js";
import { Rng } from "../../src/workloads/rng.js";

export type Step = OpRecord | { op: "set"; key: number; value: number };

export interface Sequence {
  config: Array<[number, number]>;
  steps: Step[];
}

interface Region {
  pid: number;
  va: number;
  len: number;
  flags: number;
}

const PAGE = 4096;
const HUGE = 2 << 20;

/** A configuration small enough to hit every limit now and then. */
function config(rng: Rng): Array<[number, number]> {
  const pick = <T>(xs: T[]): T => xs[rng.below(xs.length)];
  return [
    [Key.POLICY, rng.below(Policy.COUNT)],
    [Key.DEVICE, rng.below(Device.COUNT)],
    [Key.STABLE, pick([Stable.AUTO, Stable.AUTO, Stable.ALWAYS, Stable.ALWAYS, Stable.NEVER])],
    [Key.CPUS, 1 + rng.below(4)],
    [Key.TLB_ENTRIES, pick([1, 4, 16, 64])],
    [Key.DISK_BLOCKS, pick([64, 128, 256, 512])],
    [Key.MAX_FRAMES, pick([512, 1024, 2048, 4096])],
    [Key.MAX_IOS, 16],
    [Key.IO_PAGES, pick([16, 64, 256])],
    [Key.MAX_PROCS, 3 + rng.below(6)],
    [Key.MAX_THREADS, 6 + rng.below(10)],
    [Key.RAID_DISKS, 2 + rng.below(4)],
    [Key.ORACLE, rng.below(4) === 0 ? 0 : 1],
    [Key.DMA_CHECK, rng.below(4) === 0 ? 0 : 1],
    [Key.WP_RESTORE, pick([Restore.EAGER, Restore.LAZY])],
    [Key.WP_BATCH, pick([1, 1, 2, 4])],
    [Key.WP_WALK, pick([Walk.SEPARATE, Walk.FUSED])],
  ];
}

/**
 * Builds one sequence. `begin` gets the configuration before any step;
 * `result` is called with each step and must return the core's answer (ids
 * are needed to refer to processes, threads and I/Os).
 */
export function generate(
  seed: number,
  length: number,
  begin: (config: Array<[number, number]>) => void,
  result: (s: Step) => number,
): Sequence {
  const rng = new Rng(seed);
  const cfg = config(rng);
  begin(cfg);
  const device = cfg.find(([k]) => k === Key.DEVICE)![1];
  const diskSectors = cfg.find(([k]) => k === Key.DISK_BLOCKS)![1] * 8;
  const cpus = cfg.find(([k]) => k === Key.CPUS)![1];
  const steps: Step[] = [];
  const pids: number[] = [];
  const tids: number[] = [];
  const tidPid = new Map<number, number>();
  const regions: Region[] = [];
  const ios: number[] = [];
  let created = 0; // pids are issued in order and never reused
  let nextVa = 0x100000;
  let nextHuge = 0x4000_0000;

  const run = (s: Step): number => {
    steps.push(s);
    return result(s);
  };
  const chance = (p: number) => rng.float() < p;
  const pick = <T>(xs: T[]): T => xs[rng.below(xs.length)];
  const liveTids = () => tids.filter((t) => pids.includes(tidPid.get(t)!));

  const newProc = () => {
    const flags = pick([0, 0, ProcFlag.UNSAFE, ProcFlag.TRUSTED, ProcFlag.KERNEL, ProcFlag.UNSAFE | ProcFlag.TRUSTED]);
    const pid = run({ op: "proc", flags });
    if (pid <= 0) return;
    created++;
    pids.push(pid);
    const n = 1 + rng.below(3);
    for (let i = 0; i < n; i++) {
      const tid = run({ op: "thread", pid, cpu: rng.below(cpus) });
      if (tid > 0) { tids.push(tid); tidPid.set(tid, pid); }
      if (tid > 0 && chance(0.25)) run({ op: "thread_state", tid, state: ThreadState.IDLE });
    }
  };

  const newMap = (pid: number) => {
    const huge = chance(0.15);
    const flags = (chance(0.9) ? MapFlag.WRITE : 0) | (chance(0.2) ? MapFlag.SHARED : 0) | (huge ? MapFlag.HUGE : 0);
    let va: number, len: number;
    if (huge) { va = nextHuge; len = HUGE; nextHuge += 2 * HUGE; }
    else { va = nextVa; len = (1 + rng.below(12)) * PAGE; nextVa += 0x40000; }
    if (run({ op: "map", pid, va, len, flags }) === 0) regions.push({ pid, va, len, flags });
  };

  const regionOf = (pid: number) => {
    const mine = regions.filter((r) => r.pid === pid);
    return mine.length ? pick(mine) : undefined;
  };

  // A span inside a region, 512-aligned when asked, sometimes running past its end.
  const span = (r: Region, aligned: boolean, maxLen: number) => {
    const unit = aligned ? 512 : 1;
    const off = rng.below(r.len / unit) * unit;
    let len = (1 + rng.below(Math.max(1, Math.min(maxLen, r.len - off) / unit))) * unit;
    if (chance(0.03)) len += PAGE; // runs off the mapping
    return { va: r.va + off, len };
  };

  // The pinned-page cases: blocks never written, one MAP_SHARED segment at a
  // second address, a completion ring. Alias and ring mostly over a MAP_SHARED
  // region of PTEs, stored to first so that its pages are present.
  const pinned = (tid: number, pid: number) => {
    const what = rng.below(3);
    if (what === 0) {
      const blocks = diskSectors / 8;
      const block = rng.below(blocks + 1);
      run({ op: "unwritten", block, count: chance(0.3) ? blocks - block : rng.below(17) });
      return;
    }
    const mine = regions.filter((r) => r.pid === pid);
    const shared = mine.filter((r) => (r.flags & (MapFlag.SHARED | MapFlag.HUGE)) === MapFlag.SHARED);
    const src = shared.length && chance(0.85) ? pick(shared) : mine.length ? pick(mine) : undefined;
    if (!src) return;
    const len = Math.min(src.len, (1 + rng.below(4)) * PAGE);
    run({ op: "store", tid, va: src.va, len, byte: rng.below(256) });
    if (what === 1) {
      run({ op: "ring", pid, va: src.va, len, kind: rng.below(Ring.COUNT + 1) });
      return;
    }
    const dest = pick(pids);
    const va = nextVa;
    nextVa += 0x40000;
    if (run({ op: "alias", pid: dest, va, len, srcpid: pid, srcva: src.va }) === 0) regions.push({ pid: dest, va, len, flags: src.flags });
  };

  for (let i = 0; i < 1 + rng.below(2); i++) newProc();
  for (const pid of [...pids]) for (let i = 0; i < 1 + rng.below(3); i++) newMap(pid);

  for (let n = 0; n < length; n++) {
    const live = liveTids();
    if (live.length === 0) { newProc(); continue; }
    const tid = pick(live);
    const pid = tidPid.get(tid)!;
    const roll = rng.float();
    if (roll < 0.28) {
      const r = regionOf(pid);
      if (!r) { newMap(pid); continue; }
      const s = span(r, false, 6000);
      run({ op: "store", tid, va: s.va, len: s.len, byte: rng.below(256) });
    } else if (roll < 0.5) {
      // One submission call: mostly one I/O, sometimes several (MORE on all but the last; now and then on
      // the last too, so that the next call ends it).
      const calls = chance(0.25) ? 2 + rng.below(3) : 1;
      for (let c = 0; c < calls; c++) {
        const r = regionOf(pid);
        if (!r) break;
        const csum = device === Device.FS_CSUM && chance(0.9);
        const s = span(r, true, csum ? 16384 : 20000);
        let { va, len } = s;
        if (csum) { va -= va % PAGE; len = Math.max(PAGE, len - (len % PAGE)); }
        const sectors = len / 512;
        let sector = rng.below(Math.max(1, diskSectors - sectors));
        if (csum) sector -= sector % 8;
        const dir = chance(0.7) ? Op.WRITE : Op.READ;
        const more = c < calls - 1 || (calls > 1 && chance(0.1)) ? IoFlag.MORE : 0;
        const id = run({ op: "submit", tid, dir, va, len, sector, flags: (chance(0.3) ? IoFlag.PROMISE : 0) | more });
        if (id > 0) ios.push(id);
      }
    } else if (roll < 0.62 && ios.length) {
      run({ op: "dma", io: pick(ios) });
    } else if (roll < 0.76 && ios.length) {
      // One reap: mostly one completion, sometimes several (complete_more on all but the last).
      const reap = chance(0.25) ? 2 + rng.below(3) : 1;
      for (let c = 0; c < reap && ios.length; c++) {
        const k = rng.below(ios.length);
        run(c < reap - 1 ? { op: "complete_more", io: ios[k] } : { op: "complete", io: ios[k] });
        if (chance(0.8)) ios.splice(k, 1);
      }
    } else if (roll < 0.8) {
      const r = regionOf(pid);
      if (r) { const s = span(r, false, 3000); run({ op: "load", tid, va: s.va, len: s.len }); }
    } else if (roll < 0.84) {
      const child = run({ op: "fork", tid, cpu: rng.below(cpus) });
      if (child > 0) {
        const cpid = ++created; // the child's regions are the parent's
        pids.push(cpid);
        tids.push(child);
        tidPid.set(child, cpid);
        for (const r of regions.filter((x) => x.pid === pid)) regions.push({ ...r, pid: cpid });
      }
    } else if (roll < 0.86) {
      const r = regionOf(pid);
      if (r) {
        const off = rng.below(r.len / PAGE) * PAGE;
        const len = (1 + rng.below((r.len - off) / PAGE)) * PAGE;
        if (run({ op: "unmap", tid, va: r.va + off, len }) === 0 && off === 0 && len === r.len) {
          regions.splice(regions.indexOf(r), 1);
        }
      }
    } else if (roll < 0.88) {
      newMap(pid);
    } else if (roll < 0.9) {
      run({ op: "set", key: Key.POLICY, value: rng.below(Policy.COUNT) });
    } else if (roll < 0.91) {
      if (pids.length > 1 || chance(0.3)) {
        const victim = pick(pids);
        run({ op: "exit", pid: victim });
        pids.splice(pids.indexOf(victim), 1);
      }
    } else if (roll < 0.93) {
      newProc();
    } else if (roll < 0.95) {
      // A thread goes to sleep in the kernel, or wakes (sometimes one that is dead, or no thread at all).
      const who = chance(0.9) ? pick(tids) : 999;
      run({ op: "thread_state", tid: who, state: chance(0.1) ? 2 : rng.below(2) });
    } else if (roll < 0.97) {
      pinned(tid, pid);
    } else {
      // Invalid or edge arguments: the core must refuse them cleanly.
      const bad = rng.below(8);
      if (bad === 0) run({ op: "store", tid: 999, va: 0x100000, len: 1, byte: 0 });
      else if (bad === 1) run({ op: "submit", tid, dir: Op.WRITE, va: 0x100000 + 100, len: 512, sector: 0, flags: 0 });
      else if (bad === 2) run({ op: "submit", tid, dir: Op.WRITE, va: 0x7000_0000, len: 4096, sector: 0, flags: 0 });
      else if (bad === 3) run({ op: "complete", io: 0x7fff_0000 });
      else if (bad === 4) run({ op: "submit", tid, dir: Op.WRITE, va: 0x100000, len: 4096, sector: diskSectors - 1, flags: 0 });
      else if (bad === 5) run({ op: "store", tid, va: 0xffff_f000, len: 0x2000, byte: 1 });
      else if (bad === 6) run({ op: "map", pid, va: 0x100000, len: 4096, flags: MapFlag.WRITE });
      else run({ op: "submit", tid, dir: 7, va: 0x100000, len: 0, sector: 0, flags: 0 });
    }
  }
  // Drain: every I/O completes, in a shuffled order.
  while (ios.length) {
    const k = rng.below(ios.length);
    run({ op: "complete", io: ios[k] });
    ios.splice(k, 1);
  }
  return { config: cfg, steps };
}
