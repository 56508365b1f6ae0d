// Property tests of the reference model on its own: thousands of random calls,
// with sd_check after each, the frame accounting, the BYTES_COPIED identity of
// section 9, and "a failed call changes nothing" for every failure but a store.
import { describe, expect, test } from "vitest";
import { Counter, Device, Err, FrameKind, Key, MapFlag, Op, Policy, Stable } from "../assembly/abi.js";
import { RefCore } from "../src/model/index.js";

/** mulberry32: a small seeded generator, enough for test sequences. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function snapshot(c: RefCore): number[] {
  const s: number[] = [];
  for (let i = 0; i < Counter.COUNT; i++) s.push(c.counter(i));
  for (let k = 0; k < FrameKind.COUNT; k++) s.push(c.frameStats(k));
  s.push(c.warnCount());
  return s;
}

const HUGE = 2 << 20;

function run(seed: number, policy: number, device: number, steps: number): void {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const c = new RefCore();
  c.set(Key.POLICY, policy);
  c.set(Key.DEVICE, device);
  c.set(Key.DISK_BLOCKS, 256);
  c.set(Key.MAX_FRAMES, 4096);
  c.set(Key.CPUS, 3);
  c.set(Key.TLB_ENTRIES, 16);
  c.set(Key.MAX_IOS, 16);
  c.set(Key.IO_PAGES, 64);
  c.set(Key.STABLE, pick([Stable.AUTO, Stable.AUTO, Stable.ALWAYS]));
  expect(c.reset()).toBe(0);
  const tids: number[] = [];
  const ios: number[] = [];
  // Regions the random calls aim at: two small ones and two 2 MiB-aligned ones.
  const regions = [
    { base: 0x10000, size: 0x9000 },
    { base: 0x40000, size: 0x9000 },
    { base: HUGE * 3, size: HUGE },
    { base: HUGE * 5, size: HUGE },
  ];
  for (let i = 0; i < 2; i++) {
    const pid = c.procCreate(pick([0, 1, 2, 4]));
    tids.push(c.threadCreate(pid, i % 3));
    for (const reg of regions) {
      const huge = reg.size === HUGE && r() < 0.5;
      const flags = (r() < 0.9 ? MapFlag.WRITE : 0) | (r() < 0.3 ? MapFlag.SHARED : 0) | (huge ? MapFlag.HUGE : 0);
      expect(c.map(pid, reg.base, huge ? HUGE : 0x9000, flags)).toBe(0);
    }
  }
  const live = (): number[] => tids.filter((t) => !(c.procFlags(c.threadPid(t)) & 64));
  for (let step = 0; step < steps; step++) {
    const alive = live();
    const tid = alive.length && r() < 0.97 ? pick(alive) : pick(tids);
    const pid = c.threadPid(tid);
    const reg = pick(regions);
    // Mostly inside the region, sometimes straddling its end.
    const at = (span: number): number => reg.base + Math.floor(r() * Math.max(1, Math.min(reg.size, 0x9000) - (r() < 0.9 ? span : 0)));
    const before = snapshot(c);
    let res = 0;
    let op = "";
    const k = r();
    if (k < 0.07) {
      op = "map";
      const huge = reg.size === HUGE && r() < 0.6;
      const len = huge ? HUGE : r() < 0.5 ? 0x9000 : 4096 * (1 + Math.floor(r() * 9));
      const flags = (r() < 0.85 ? MapFlag.WRITE : 0) | (r() < 0.25 ? MapFlag.SHARED : 0) | (huge ? MapFlag.HUGE : 0);
      res = c.map(pid, reg.base, len, flags);
    } else if (k < 0.1) {
      op = "unmap";
      res = c.unmap(tid, reg.base + 4096 * Math.floor(r() * 4), 4096 * (1 + Math.floor(r() * 6)));
    } else if (k < 0.4) {
      op = "store";
      const len = r() < 0.7 ? 1 + Math.floor(r() * 64) : 1 + Math.floor(r() * 9000);
      res = c.store(tid, at(len), len, Math.floor(r() * 256));
    } else if (k < 0.45) {
      op = "load";
      const len = 1 + Math.floor(r() * 5000);
      const got = c.load(tid, at(len), len);
      res = typeof got === "number" ? got : 0;
    } else if (k < 0.65) {
      op = "submit";
      const aligned = device === Device.FS_CSUM ? 4096 : 512;
      const len = aligned * (1 + Math.floor((r() * 0x5000) / aligned));
      const va = aligned * Math.floor(at(len) / aligned);
      const sector = (aligned / 512) * Math.floor(r() * 40);
      res = c.submit(tid, pick([Op.WRITE, Op.READ]), va, len, sector, r() < 0.3 ? 1 : 0);
      if (res > 0) ios.push(res);
    } else if (k < 0.72 && ios.length) {
      op = "dma";
      res = c.dma(pick(ios));
    } else if (k < 0.84 && ios.length) {
      op = "complete";
      const io = ios.splice(Math.floor(r() * ios.length), 1)[0];
      res = c.complete(io);
    } else if (k < 0.865) {
      op = "fork";
      res = c.fork(tid, Math.floor(r() * 3));
      if (res > 0) tids.push(res);
    } else if (k < 0.875 && alive.length > 2) {
      op = "exit";
      res = c.exit(pid);
    } else if (k < 0.89) {
      op = "policy";
      res = c.set(Key.POLICY, r() < 0.8 ? policy : Math.floor(r() * Policy.COUNT));
    } else if (k < 0.92) {
      op = "thread";
      res = c.threadCreate(pid, Math.floor(r() * 3));
      if (res > 0) tids.push(res);
    } else {
      op = "scrub";
      res = c.scrub();
    }
    const where = `seed ${seed} step ${step} ${op} -> ${res}`;
    expect(c.check(), where).toBe(0);
    if (res < 0 && op !== "store" && op !== "load") expect(snapshot(c), where).toEqual(before);
    const copied =
      c.counter(Counter.BYTES_BOUNCED) +
      c.counter(Counter.BYTES_COW) +
      c.counter(Counter.BYTES_FORK) +
      c.counter(Counter.BYTES_UNSHARE) +
      c.counter(Counter.BYTES_REWRITE);
    expect(c.counter(Counter.BYTES_COPIED), where).toBe(copied);
    let sum = 0;
    for (const kind of [FrameKind.FREE, FrameKind.USER, FrameKind.BOUNCE, FrameKind.PGTABLE, FrameKind.SCRATCH]) {
      sum += c.frameStats(kind);
    }
    expect(sum, where).toBe(c.frameStats(FrameKind.TOTAL));
    expect(c.counter(Counter.FRAMES_ALLOCATED) - c.counter(Counter.FRAMES_FREED), where).toBe(
      c.frameStats(FrameKind.TOTAL) - c.frameStats(FrameKind.FREE),
    );
  }
  // Drain: every I/O completes, every process exits: nothing stays pinned or allocated.
  for (const io of ios) expect([0, -Err.IO_DONE]).toContain(c.complete(io));
  for (let pid = 1; c.procFlags(pid) >= 0; pid++) c.exit(pid);
  expect(c.check()).toBe(0);
  for (const kind of [FrameKind.USER, FrameKind.BOUNCE, FrameKind.PGTABLE, FrameKind.SCRATCH, FrameKind.PINNED]) {
    expect(c.frameStats(kind), `kind ${kind}`).toBe(0);
  }
  expect(c.counter(Counter.PINS)).toBe(c.counter(Counter.UNPINS));
  expect(c.counter(Counter.WRITES) + c.counter(Counter.READS)).toBe(c.counter(Counter.COMPLETIONS));
}

describe("random call sequences keep every invariant", () => {
  for (let policy = 0; policy < Policy.COUNT; policy++) {
    for (const device of [Device.NONE, Device.PI, Device.PARITY, Device.FS_CSUM]) {
      test(`${Policy[policy]} on ${Device[device]}`, () => {
        for (let seed = 1; seed <= 3; seed++) run(seed * 1000 + policy * 10 + device, policy, device, 300);
      });
    }
  }
});
