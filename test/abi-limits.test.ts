// Every table of the core filled up, and frames run out, on both builds and
// the reference model: the call that does not fit fails with LIMIT (detail:
// the limit) or NOMEM (detail: the frames the call needed) and changes
// nothing; the same call fits again once room is made. The expected results
// are computed here from the configuration, not taken from either core.
import { test } from "@fast-check/vitest";
import fc from "fast-check";
import { describe } from "vitest";
import { Device, Err, Key, MapFlag, Op, Policy, ProcFlag, Stable } from "../assembly/abi.js";
import type { Core } from "../src/core/core.js";
import { Both } from "./support/abi/both.js";
import { BUILDS } from "./support/abi/raw.js";
import { fcParams } from "./support/fcenv.js";

const FILE = "test/abi-limits.test.ts";
const PAGE = 4096;
const small: ReadonlyArray<readonly [Key, number]> = [[Key.DISK_BLOCKS, 64], [Key.MAX_FRAMES, 4096], [Key.IO_PAGES, 4096], [Key.MAX_IOS, 1024]];

/** A property of this file: `runs` cases from `seed` (FC_RUNS, FC_SEED override). */
function prop<T extends [unknown, ...unknown[]]>(name: string, arbs: { [K in keyof T]: fc.Arbitrary<T[K]> }, runs: number, seed: number, body: (...args: T) => void): void {
  const declare = test.prop as unknown as (a: unknown, p: fc.Parameters<T>) => (n: string, f: (...args: T) => void, timeout: number) => void;
  declare(arbs, fcParams<T>(name, FILE, runs, seed))(name, body, 300_000);
}

BUILDS.forEach((build, bi) => {
  describe(build, () => {
    prop(
      `${build}: processes: LIMIT at MAX_PROCS, and exits do not give slots back`,
      [fc.integer({ min: 1, max: 40 }), fc.array(fc.boolean(), { maxLength: 40 })],
      100, 0x11_0001 + bi,
      (maxProcs: number, exits: boolean[]) => {
        const b = new Both(build);
        b.configure([...small, [Key.MAX_PROCS, maxProcs], [Key.MAX_THREADS, 64]]);
        for (let i = 1; i <= maxProcs; i++) {
          if (b.call("proc", (c) => c.procCreate(ProcFlag.UNSAFE)) !== i) throw new Error(`pid ${i} expected`);
          if (exits[i - 1]) b.call("exit", (c) => c.exit(i));
        }
        b.refused("one process too many", Err.LIMIT, maxProcs, (c) => c.procCreate(0));
        const live = exits.slice(0, maxProcs).indexOf(false) + 1;
        if (live > 0) {
          const tid = b.call("thread", (c) => c.threadCreate(live, 0));
          b.refused("fork with every process slot used", Err.LIMIT, maxProcs, (c) => c.fork(tid, 0));
        }
      },
    );

    prop(
      `${build}: threads: LIMIT at MAX_THREADS for thread_create and fork`,
      [fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 4 })],
      100, 0x11_0011 + bi,
      (maxThreads: number, procs: number) => {
        const b = new Both(build);
        b.configure([...small, [Key.MAX_PROCS, 64], [Key.MAX_THREADS, maxThreads], [Key.CPUS, 4]]);
        for (let p = 1; p <= procs; p++) b.call("proc", (c) => c.procCreate(0));
        for (let t = 1; t <= maxThreads; t++) b.call("thread", (c) => c.threadCreate(1 + (t % procs), t % 4));
        b.refused("one thread too many", Err.LIMIT, maxThreads, (c) => c.threadCreate(1, 0));
        b.refused("fork with every thread slot used", Err.LIMIT, maxThreads, (c) => c.fork(1, 0));
      },
    );

    prop(
      `${build}: I/O slots: LIMIT when the next id's slot holds an unfinished I/O`,
      [fc.array(fc.oneof(fc.constant(-1), fc.nat(40)), { minLength: 1, maxLength: 80 })],
      150, 0x11_0021 + bi,
      (steps: number[]) => {
        const b = new Both(build);
        b.configure([...small, [Key.MAX_IOS, 16], [Key.IO_PAGES, 1024]]);
        const tid = setupWriter(b, 1);
        const slots = new Map<number, number>(); // slot -> id in flight
        let next = 1;
        for (const s of steps) {
          if (s < 0) {
            const submit = (c: Core) => c.submit(tid, Op.WRITE, 0x10_0000, 512, 0, 0);
            if (slots.has(next & 15)) b.refused(`submit ${next}`, Err.LIMIT, 16, submit);
            else {
              if (b.call(`submit ${next}`, submit) !== next) throw new Error(`id ${next} expected`);
              slots.set(next & 15, next++);
            }
          } else if (slots.size) {
            const [slot, id] = [...slots.entries()][s % slots.size];
            b.call(`complete ${id}`, (c) => c.complete(id));
            slots.delete(slot);
          }
        }
      },
    );

    prop(
      `${build}: I/O page records: LIMIT when fewer are free than the I/O has pages`,
      [fc.integer({ min: 16, max: 48 }), fc.array(fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: -8, max: -1 })), { minLength: 1, maxLength: 60 })],
      150, 0x11_0031 + bi,
      (ioPages: number, steps: number[]) => {
        const b = new Both(build);
        b.configure([...small, [Key.IO_PAGES, ioPages]]);
        const tid = setupWriter(b, 8);
        const inflight: Array<[number, number]> = []; // id, pages
        let used = 0;
        for (const s of steps) {
          if (s > 0) {
            const submit = (c: Core) => c.submit(tid, Op.WRITE, 0x10_0000, s * PAGE, 0, 0);
            if (used + s > ioPages) b.refused(`submit of ${s} pages`, Err.LIMIT, ioPages, submit);
            else {
              inflight.push([b.call(`submit of ${s} pages`, submit), s]);
              used += s;
            }
          } else if (inflight.length) {
            const [id, n] = inflight.splice(-s % inflight.length, 1)[0];
            b.call(`complete ${id}`, (c) => c.complete(id));
            used -= n;
          }
        }
      },
    );

    prop(
      `${build}: frames: a submit that needs more frames than are left fails with NOMEM, detail = frames needed`,
      [
        fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1024 }),
        fc.constantFrom(Policy.DIRECT, Policy.BOUNCE), fc.constantFrom(Device.NONE, Device.PARITY), fc.constantFrom(Op.WRITE, Op.READ),
      ],
      200, 0x11_0041 + bi,
      (touched: number, first: number, pages: number, policy: Policy, device: Device, op: Op) => {
        const b = new Both(build);
        b.configure([[Key.MAX_FRAMES, 512], [Key.DISK_BLOCKS, 2048], [Key.IO_PAGES, 2048], [Key.MAX_IOS, 16], [Key.POLICY, policy], [Key.DEVICE, device], [Key.STABLE, Stable.ALWAYS]]);
        const pid = b.call("proc", (c) => c.procCreate(0));
        const tid = b.call("thread", (c) => c.threadCreate(pid, 0));
        b.call("map 2048 pages", (c) => c.map(pid, 0x4000_0000, 2048 * PAGE, MapFlag.WRITE)); // 4 PTE tables
        if (touched) b.call(`touch ${touched} pages`, (c) => c.store(tid, 0x4000_0000, touched * PAGE, 1));
        const from = Math.min(first, 2048 - pages);
        // Demand faults for the untouched pages, then a bounce frame per page, then (parity writes) a scratch frame per page.
        const untouched = pages - Math.max(0, Math.min(from + pages, touched) - from);
        const need = untouched + (policy === Policy.BOUNCE ? pages : 0) + (device === Device.PARITY && op === Op.WRITE ? pages : 0);
        const free = 512 - 4 - touched;
        const submit = (c: Core) => c.submit(tid, op, 0x4000_0000 + from * PAGE, pages * PAGE, 0, 0);
        if (need > free) b.refused(`submit needing ${need} of ${free} frames`, Err.NOMEM, need, submit);
        else if (b.call(`submit needing ${need} of ${free} frames`, submit) !== 1) throw new Error("io 1 expected");
      },
    );

    prop(
      `${build}: frames: a mapping whose PTE tables do not fit fails with NOMEM, detail = tables`,
      [fc.integer({ min: 1, max: 2047 })],
      80, 0x11_0051 + bi,
      (pmds: number) => {
        const b = new Both(build);
        b.configure([[Key.MAX_FRAMES, 512], [Key.DISK_BLOCKS, 64]]);
        const pid = b.call("proc", (c) => c.procCreate(0));
        const map = (c: Core) => c.map(pid, 0, pmds * (2 << 20), MapFlag.WRITE);
        if (pmds > 512) b.refused(`map needing ${pmds} tables`, Err.NOMEM, pmds, map);
        else b.call(`map needing ${pmds} tables`, map);
      },
    );

    prop(
      `${build}: frames: a fork that cannot copy every pinned page fails with NOMEM, detail = frames needed`,
      [fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 400 })],
      150, 0x11_0061 + bi,
      (touched: number, pinned: number) => {
        const b = new Both(build);
        b.configure([[Key.MAX_FRAMES, 512], [Key.DISK_BLOCKS, 512], [Key.IO_PAGES, 1024], [Key.STABLE, Stable.ALWAYS]]);
        const pid = b.call("proc", (c) => c.procCreate(0));
        const tid = b.call("thread", (c) => c.threadCreate(pid, 0));
        b.call("map", (c) => c.map(pid, 0x9000_0000, 400 * PAGE, MapFlag.WRITE));
        b.call(`touch ${touched}`, (c) => c.store(tid, 0x9000_0000, touched * PAGE, 2));
        const pin = Math.min(pinned, touched);
        if (pin) b.call(`pin ${pin} (direct write)`, (c) => c.submit(tid, Op.WRITE, 0x9000_0000, pin * PAGE, 0, 0));
        // The child's PTE table, then a copy of each pinned private page.
        const need = 1 + pin;
        const free = 512 - 1 - touched;
        const fork = (c: Core) => c.fork(tid, 0);
        if (need > free) b.refused(`fork needing ${need} of ${free} frames`, Err.NOMEM, need, fork);
        else if (b.call(`fork needing ${need} of ${free} frames`, fork) <= 0) throw new Error("fork failed");
      },
    );
  });
});

/** A process with one thread and `pages` touched, writable pages at 0x100000; returns the tid. */
function setupWriter(b: Both, pages: number): number {
  const pid = b.call("proc", (c) => c.procCreate(0));
  const tid = b.call("thread", (c) => c.threadCreate(pid, 0));
  b.call("map", (c) => c.map(pid, 0x10_0000, pages * PAGE, MapFlag.WRITE));
  b.call("touch", (c) => c.store(tid, 0x10_0000, pages * PAGE, 1));
  return tid;
}
