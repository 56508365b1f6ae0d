// Limits of a whole run. A run that needs more frames than the core has fails
// with NOMEM and the frames the failing call needed, in the core and as the
// host driver reports it, and on the command line as one line naming the
// file, the run and the frames (exit 2). A run with 1,000,000 pages mapped and 10,000 I/Os
// in flight (write-protected, some written in flight) completes, with
// sd_check 0 along the way, the same counters in the Wasm core (release
// build: the debug build's per-call check would take minutes here) and the
// reference model, and every frame back after completion and exit.
import { describe, expect, test } from "vitest";
import { Counter, Device, Err, FrameKind, Key, MapFlag, Op, Policy, Stable } from "../assembly/abi.js";
import type { Core } from "../src/core/core.js";
import { loadWasmCoreSync } from "../src/core/wasm.js";
import { CoreCallError, OutOfFrames, runWorkload } from "../src/host/driver.js";
import { RefCore } from "../src/model/index.js";
import { findWorkload } from "../src/workloads/index.js";
import { parseWorkload } from "../src/workloads/load.js";
import { cli } from "./support/cli.js";
import { inputFile } from "./support/fuzz/files.js";

const PAGE = 4096;

/** A Core whose frame pool the driver cannot size: MAX_FRAMES is held at `frames`. */
function capped(core: Core, frames: number): Core {
  return new Proxy(core, {
    get(target, prop, receiver) {
      if (prop === "set") return (k: number, v: number) => target.set(k, k === Key.MAX_FRAMES ? frames : v);
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe("a run that needs more frames than the core has", () => {
  for (const make of [() => loadWasmCoreSync(), () => new RefCore()]) {
    test(`${make().kind}: the driver stops at the call, with NOMEM and the frames it needed`, () => {
      const w = findWorkload("db-writer")!;
      let error: unknown;
      try {
        runWorkload(capped(make(), 1024), { workload: w, policy: Policy.BOUNCE, seed: 1, params: { size: 1 << 20, qd: 4, ios: 16 } });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CoreCallError);
      expect(error).toBeInstanceOf(OutOfFrames);
      const e = error as OutOfFrames;
      expect(e.rc).toBe(-Err.NOMEM);
      expect(e.needed).toBeGreaterThan(0);
      expect(e.pool).toBe(1024);
      expect(e.message).toMatch(new RegExp(`^the run needs more than the 1024 frames \\(4M\\) it was given: a \\w+ by thread \\d+ needed ${e.needed} more frames? with \\d+ in use`));
    });
  }
});

describe("a workload file that needs more frames than the run has, on the command line", () => {
  // Forty children, each writing its copy of sixteen 256 KiB buffers and never exiting: 40 x 1024 frames of copies.
  const HOG = JSON.stringify({
    format: 1, id: "fork-hog", summary: "forked children that write their copies of the buffers and never exit", device: "none",
    processes: [{ name: "server", threads: [{ name: "parent", cpu: 0, io: {
      size: "256k", qd: 16, ios: 1024, forks: { count: 40, cpu: 1, child: { writeBuffers: true, exit: false } } } }] }],
  }, null, 2);

  test("the driver: OutOfFrames, the frames the call needed, the frames in use and the pool", () => {
    let error: unknown;
    try {
      runWorkload(loadWasmCoreSync(), { workload: parseWorkload(HOG, "hog.json"), policy: Policy.DIRECT, seed: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutOfFrames);
    const e = error as OutOfFrames;
    expect(e.rc).toBe(-Err.NOMEM);
    expect(e.needed).toBeGreaterThan(0);
    expect(e.inUse).toBe(e.pool);
    expect(e.message).toBe(`the run needs more than the ${e.pool} frames (${e.pool / 256}M) it was given: a ${e.op.op} by thread ${(e.op as { tid: number }).tid} ` +
      `needed ${e.needed} more frame${e.needed === 1 ? "" : "s"} with ${e.pool} in use (the pool is sized from the workload's mappings and in-flight I/O; ` +
      "a smaller size, qd, ios, forks or mapping needs fewer)");
  });

  test("run --workload FILE: one line naming the file, the run and the frames; exit 2; no stack trace", async () => {
    const file = inputFile("hog", ".json", HOG);
    for (const json of [[], ["--json"]]) {
      const r = await cli("run", "--workload", file, "-p", "direct,wp-cow", ...json);
      expect(r.code, r.err).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(new RegExp(`^stable-dio: ${file}: fork-hog/direct: the run needs more than the \\d+ frames \\(\\d+M\\) it was given: ` +
        "a (store|fork) by thread \\d+ needed \\d+ more frames? with \\d+ in use \\(.*\\)\n$"));
    }
  });
});

describe("1,000,000 pages mapped and 10,000 I/Os in flight", () => {
  const PAGES = 1_000_000;
  const IOS = 10_000;
  const BASE = 0x0400_0000;

  function run(c: Core): number[] {
    const keys: Array<[Key, number]> = [
      [Key.POLICY, Policy.WP_COW], [Key.DEVICE, Device.PI], [Key.STABLE, Stable.ALWAYS], [Key.DISK_BLOCKS, 16384],
      [Key.MAX_FRAMES, 65536], [Key.MAX_IOS, 16384], [Key.IO_PAGES, 65536], [Key.CPUS, 4], [Key.MAX_PROCS, 4], [Key.MAX_THREADS, 8],
    ];
    for (const [k, v] of keys) expect(c.set(k, v)).toBe(0);
    expect(c.reset()).toBe(0);
    const pid = c.procCreate(0);
    const tids = [0, 1, 2, 3].map((cpu) => c.threadCreate(pid, cpu));
    expect(c.map(pid, BASE, PAGES * PAGE, MapFlag.WRITE)).toBe(0);
    const ios: number[] = [];
    for (let i = 0; i < IOS; i++) {
      // 16 KiB every 100 pages, across the whole mapping; a quarter are reads.
      const va = BASE + i * 100 * PAGE;
      const id = c.submit(tids[i % 4], i % 4 === 3 ? Op.READ : Op.WRITE, va, 4 * PAGE, (i * 32) % (16384 * 8 - 32), 0);
      expect(id, `submit ${i}`).toBe(i + 1);
      ios.push(id);
      // Every tenth write gets written in flight: a COW copy.
      if (i % 10 === 0) expect(c.store(tids[(i + 1) % 4], va + 100, 8, 0xee)).toBe(0);
    }
    expect(c.check()).toBe(0);
    expect(c.frameStats(FrameKind.PINNED)).toBe(IOS * 4);
    for (let i = 0; i < IOS; i += 2) expect(c.dma(ios[i])).toBe(0);
    for (let i = IOS - 1; i >= 0; i--) expect(c.complete(ios[i])).toBe(0);
    expect(c.check()).toBe(0);
    for (const k of [FrameKind.PINNED, FrameKind.BOUNCE, FrameKind.SCRATCH]) expect(c.frameStats(k), FrameKind[k]).toBe(0);
    expect(c.frameStats(FrameKind.USER)).toBe(IOS * 4);
    expect(c.scrub()).toBe(0);
    const counters: number[] = [];
    for (let i = 0; i < Counter.COUNT; i++) counters.push(c.counter(i));
    expect(c.exit(pid)).toBe(0);
    expect(c.check()).toBe(0);
    expect(c.frameStats(FrameKind.USER) + c.frameStats(FrameKind.PGTABLE)).toBe(0);
    expect(c.frameStats(FrameKind.FREE)).toBe(c.frameStats(FrameKind.TOTAL));
    expect(c.counter(Counter.FRAMES_ALLOCATED)).toBe(c.counter(Counter.FRAMES_FREED));
    return counters;
  }

  test("completes on the Wasm core and the model, with the same counters and nothing left over", () => {
    const wasm = run(loadWasmCoreSync());
    const model = run(new RefCore());
    expect(wasm).toEqual(model);
    expect(wasm[Counter.COW_COPIES]).toBe(IOS / 10);
    expect(wasm[Counter.COMPLETIONS]).toBe(IOS);
  });
});
