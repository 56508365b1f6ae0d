// The write-protect's implementation choices (docs/model.md section 12) on
// hand-worked cases, each on both cores: idle threads get no IPIs, a lazy
// restore halves the shootdowns and pays a reuse fault per page refilled, a
// submission call of eight I/Os is one shootdown, a fused walk is no walk of
// its own; and, call by call, what the model says about stale TLB entries,
// spurious faults, freed tables, reaps and a call ended by another thread.
import { describe, expect, test } from "vitest";
import { Counter, IoFlag, Key, MapFlag, Op, Policy, Restore, Stable, ThreadState } from "../assembly/abi.js";
import type { Core } from "../src/core/core.js";
import { loadWasmCoreSync } from "../src/core/wasm.js";
import { runWorkload } from "../src/host/driver.js";
import { RefCore } from "../src/model/index.js";
import { findWorkload } from "../src/workloads/index.js";
import { loadWorkloadFile } from "../src/workloads/load.js";
import type { WpChoices } from "../src/shared/wp.js";
import { packageFile } from "../src/core/paths.js";

const cores: Array<[string, () => Core]> = [["wasm", () => loadWasmCoreSync({ debug: true })], ["model", () => new RefCore()]];

function run(core: Core, workload: string, wp: Partial<WpChoices>, params: Record<string, number> = {}) {
  const w = workload.endsWith(".json") ? loadWorkloadFile(packageFile(workload)) : findWorkload(workload)!;
  const r = runWorkload(core, { workload: w, policy: Policy.WP_COW, seed: 1, params, wp });
  expect(r.balance.problems).toEqual([]);
  return r.counters;
}

describe.each(cores)("hand-worked runs (%s core)", (_, make) => {
  test("one 16 KiB write, a writer and seven other threads on eight CPUs: idle, 0 IPIs; running, 7 per shootdown", () => {
    const idle = run(make(), "examples/workloads/idle-threads.json", {}, { idle: 1 });
    expect([idle.shootdowns, idle.ipis, idle.tlb_flushes, idle.ipis_skipped]).toEqual([2, 0, 2, 14]);
    const running = run(make(), "examples/workloads/idle-threads.json", {}, { idle: 0 });
    expect([running.shootdowns, running.ipis, running.tlb_flushes, running.ipis_skipped]).toEqual([2, 14, 16, 0]);
    for (const c of [idle, running]) expect([c.writes, c.corruptions, c.pte_flips]).toEqual([1, 0, 8]);
  });

  test("db-writer, restore=lazy: half the shootdowns of eager, one reuse fault per page the writer fills again", () => {
    // 256 writes of 16 KiB (4 pages) from 8 buffers: each buffer's first fill demand-faults, every later one refills.
    const params = { ios: 256, size: 16384 };
    const eager = run(make(), "db-writer", {}, params);
    const lazy = run(make(), "db-writer", { restore: "lazy" }, params);
    expect(eager.shootdowns).toBe(2 * 256);
    expect(lazy.shootdowns).toBe(eager.shootdowns / 2);
    expect(lazy.restore_faults).toBe((256 - 8) * 4);
    expect([lazy.faults, lazy.wp_reuse, lazy.cow_copies, lazy.false_positives]).toEqual([(256 - 8) * 4, (256 - 8) * 4, 0, 0]);
    expect([eager.restore_faults, eager.faults]).toEqual([0, 0]);
    expect(lazy.wp_walks).toBe(256); // the write-protects' walks; a lazy restore walks nothing
    expect([eager.corruptions, lazy.corruptions]).toEqual([0, 0]);
  });

  test("batch=8 on a qd-8 writer: one shootdown per eight I/Os at submit (and one per eight reaped)", () => {
    const params = { ios: 256, size: 16384 };
    const lazy = run(make(), "db-writer", { batch: 8, restore: "lazy" }, params);
    expect(lazy.shootdowns).toBe(256 / 8); // submit only: a lazy restore has none
    const eager = run(make(), "db-writer", { batch: 8 }, params);
    expect(eager.shootdowns).toBe(2 * (256 / 8));
    expect(eager.wp_walks).toBe(2 * 256); // one walk per I/O still: the batch shares the flush, not the walk
    expect([lazy.corruptions, eager.corruptions]).toEqual([0, 0]);
  });

  test("walk=fused: the write-protect takes no walk of its own, the restore still does", () => {
    const params = { ios: 64, size: 16384 };
    const separate = run(make(), "db-writer", {}, params);
    const fused = run(make(), "db-writer", { walk: "fused" }, params);
    expect([separate.wp_walks, fused.wp_walks]).toEqual([128, 64]);
    expect(fused.shootdowns).toBe(separate.shootdowns);
    expect(fused.pte_flips).toBe(separate.pte_flips);
    expect(run(make(), "db-writer", { walk: "fused", restore: "lazy" }, params).wp_walks).toBe(0);
  });
});

/** A fresh core under wp-cow with every I/O stable, `cpus` CPUs, the choices given. */
function fresh(make: () => Core, cpus: number, keys: Array<[Key, number]> = []): Core {
  const c = make();
  for (const [k, v] of [[Key.POLICY, Policy.WP_COW], [Key.STABLE, Stable.ALWAYS], [Key.CPUS, cpus], [Key.DISK_BLOCKS, 64], [Key.MAX_FRAMES, 1024], ...keys]) {
    expect(c.set(k, v)).toBe(0);
  }
  expect(c.reset()).toBe(0);
  return c;
}

const VA = 0x10_0000;
const n = (c: Core, k: Counter) => c.counter(k);

describe.each(cores)("call by call (%s core)", (_, make) => {
  test("a shootdown skips an idle thread's CPU; the thread's next call flushes it, once, without an IPI", () => {
    const c = fresh(make, 2);
    const pid = c.procCreate(0);
    const writer = c.threadCreate(pid, 0), sleeper = c.threadCreate(pid, 1);
    expect(c.map(pid, VA, 4096, MapFlag.WRITE)).toBe(0);
    expect(c.store(sleeper, VA, 4096, 1)).toBe(0); // CPU 1 caches the page, writable
    expect(c.threadState(sleeper, ThreadState.IDLE)).toBe(0);
    const io = c.submit(writer, Op.WRITE, VA, 4096, 0, 0);
    expect([n(c, Counter.SHOOTDOWNS), n(c, Counter.IPIS), n(c, Counter.IPIS_SKIPPED), n(c, Counter.TLB_FLUSHES)]).toEqual([1, 0, 1, 1]);
    expect(c.check()).toBe(0); // the skipped CPU kept no entry it could use
    // It wakes for a store to its buffer in flight: first its CPU catches up (a flush, no IPI), then the store
    // faults: a COW, whose one-page shootdown from CPU 1 flushes it and interrupts CPU 0, where the writer runs.
    expect(c.store(sleeper, VA, 8, 2)).toBe(0);
    expect([n(c, Counter.TLB_FLUSHES), n(c, Counter.IPIS), n(c, Counter.COW_COPIES)]).toEqual([1 + 1 + 2, 1, 1]);
    expect(c.complete(io)).toBe(0);
    expect(c.scrub()).toBe(0);
    expect(c.check()).toBe(0);
    expect(c.threadState(sleeper, 2)).toBe(-1); // INVAL: no such state
  });

  test("a write through a stale read-only entry of a page a lazy restore's fault made writable is a spurious fault", () => {
    const c = fresh(make, 2, [[Key.WP_RESTORE, Restore.LAZY]]);
    const pid = c.procCreate(0);
    const t0 = c.threadCreate(pid, 0), t1 = c.threadCreate(pid, 1);
    c.map(pid, VA, 4096, MapFlag.WRITE);
    c.store(t0, VA, 4096, 1);
    c.complete(c.submit(t0, Op.WRITE, VA, 4096, 0, 0)); // lazy: the PTE stays read-only
    expect(c.load(t1, VA, 16)).toBeInstanceOf(Uint8Array); // CPU 1 caches it read-only
    c.store(t0, VA, 16, 7); // the reuse fault: writable again, no flush
    expect([n(c, Counter.RESTORE_FAULTS), n(c, Counter.SPURIOUS_FAULTS)]).toEqual([1, 0]);
    const shootdowns = n(c, Counter.SHOOTDOWNS);
    c.store(t1, VA, 16, 8); // through CPU 1's stale read-only entry
    expect([n(c, Counter.SPURIOUS_FAULTS), n(c, Counter.RESTORE_FAULTS), n(c, Counter.SHOOTDOWNS)]).toEqual([1, 1, shootdowns]);
    expect(c.check()).toBe(0);
  });

  test("an unmap that leaves a page table empty interrupts idle CPUs too (freed tables); one that does not, skips them", () => {
    const c = fresh(make, 2);
    const pid = c.procCreate(0);
    const t0 = c.threadCreate(pid, 0), idle = c.threadCreate(pid, 1);
    c.threadState(idle, ThreadState.IDLE);
    c.map(pid, VA, 2 * 4096, MapFlag.WRITE);
    c.store(t0, VA, 2 * 4096, 1);
    expect(c.unmap(t0, VA, 4096)).toBe(0); // the table still maps the second page
    expect([n(c, Counter.IPIS), n(c, Counter.IPIS_SKIPPED)]).toEqual([0, 1]);
    expect(c.unmap(t0, VA + 4096, 4096)).toBe(0); // now nothing in the table is mapped: Linux frees it
    expect([n(c, Counter.IPIS), n(c, Counter.IPIS_SKIPPED)]).toEqual([1, 1]);
    expect(c.check()).toBe(0);
  });

  test("a submission call of three I/Os is one shootdown at its end; a reap of three, one more", () => {
    for (const [batch, want] of [[4, [1, 2]], [1, [3, 6]]] as const) {
      const c = fresh(make, 2, [[Key.WP_BATCH, batch]]);
      const pid = c.procCreate(0);
      const t = c.threadCreate(pid, 0);
      c.threadCreate(pid, 1); // a running thread on CPU 1: each shootdown is an IPI
      c.map(pid, VA, 3 * 4096, MapFlag.WRITE);
      c.store(t, VA, 3 * 4096, 1);
      const ios = [0, 1, 2].map((i) => c.submit(t, Op.WRITE, VA + i * 4096, 4096, i * 8, i < 2 ? IoFlag.MORE : 0));
      expect(ios).toEqual([1, 2, 3]);
      expect(n(c, Counter.SHOOTDOWNS)).toBe(want[0]);
      expect(n(c, Counter.IPIS)).toBe(want[0]);
      ios.forEach((io, i) => expect(c.complete(io, i < 2)).toBe(0));
      expect(n(c, Counter.SHOOTDOWNS)).toBe(want[1]);
      expect(c.check()).toBe(0);
    }
  });

  test("an open submission call ends before another thread's call: its store cannot use the stale writable entry", () => {
    const c = fresh(make, 2, [[Key.WP_BATCH, 8]]);
    const pid = c.procCreate(0);
    const t0 = c.threadCreate(pid, 0), t1 = c.threadCreate(pid, 1);
    c.map(pid, VA, 4096, MapFlag.WRITE);
    c.store(t1, VA, 4096, 1); // CPU 1 caches the page writable
    const io = c.submit(t0, Op.WRITE, VA, 4096, 0, IoFlag.MORE); // the call stays open: its shootdown held back
    expect(n(c, Counter.SHOOTDOWNS)).toBe(0);
    expect(c.check()).toBe(0); // a stale entry inside the held-back change is allowed
    expect(c.store(t1, VA, 8, 9)).toBe(0); // ends the call first (its shootdown), then faults: a COW
    expect([n(c, Counter.SHOOTDOWNS), n(c, Counter.COW_COPIES), n(c, Counter.VIOLATIONS)]).toEqual([2, 1, 1]);
    c.complete(io);
    expect(c.scrub()).toBe(0);
  });
});
