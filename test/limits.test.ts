// Limits of a whole run. A run that needs more frames than the core has fails
// with NOMEM and the frames the failing call needed, in the core and as the
// host driver reports it, and on the command line as one line naming the
// file, the run and the frames (exit 2). A run with 1,000,000 pages mapped and 10,000 I/Os
// in flight (write-protected, some written in flight) completes, with
// sd_check 0 along the way, the same counters in the Wasm core (release
// build: the debug build's per-call check would take minutes here) and the
// reference model, and every frame back after completion and exit.
import { spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { Counter, Device, Err, FrameKind, Key, MapFlag, Op, Policy, Stable } from "../assembly/abi.js";
import type { Core } from "../src/core/core.js";
import { loadWasmCoreSync } from "../src/core/wasm.js";
import { CoreCallError, OutOfFrames, runWorkload } from "../src/host/driver.js";
import { RefCore } from "../src/model/index.js";
import { findWorkload } from "../src/workloads/index.js";
import { parseWorkload } from "../src/workloads/load.js";
import { cli } from "./support/cli.js";
import { BIN } from "./support/process.js";
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

describe("forked children that keep their copies: the pool counts them, the core's limit refuses what it cannot hold", () => {
  /** `count` children, each writing its copy of sixteen `size` buffers and never exiting. */
  const hog = (count: number, size: string) => JSON.stringify({
    format: 1, id: "fork-hog", summary: "forked children that write their copies of the buffers and never exit", device: "none",
    processes: [{ name: "server", threads: [{ name: "parent", cpu: 0, io: {
      size, qd: 16, ios: 1024, forks: { count, cpu: 1, child: { writeBuffers: true, exit: false } } } }] }],
  }, null, 2);

  test("40 children x 1,024 pages of copies: the run completes, the copies are there, every frame balances", () => {
    for (const core of [loadWasmCoreSync(), new RefCore()]) {
      const r = runWorkload(core, { workload: parseWorkload(hog(40, "256k"), "hog.json"), policy: Policy.DIRECT, seed: 1 });
      expect(r.config.max_frames).toBeGreaterThanOrEqual(40 * 16 * 64);
      // Every child's write breaks COW on each of its 1,024 buffer pages (or its pinned copies were made at fork).
      expect(r.frames.user).toBeGreaterThanOrEqual(41 * 16 * 64);
      expect(r.balance.ok, JSON.stringify(r.balance)).toBe(true);
    }
  });

  test("4,000 children x 4,096 pages: refused before it runs, naming the file and the frames it needs", async () => {
    const file = inputFile("hog", ".json", hog(4000, "1m"));
    const r = await cli("run", "--workload", file, "-p", "direct");
    expect(r.code, r.err).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(new RegExp(`^stable-dio: ${file}:\\d+: cannot run on none: needs 16384000 frames for the copies its forked children keep, ` +
      "the core has at most 1048576\n$"));
  });

  // An embedder's limit on the Wasm memory (a child Node with --wasm-max-mem-pages), below and above what the
  // run's tables need at reset: one line naming the file, the run and what did not fit; exit 2; no stack trace.
  for (const [pages, what] of [[2048, /the Wasm runtime would not let the core grow its memory to lay out this run \(a pool of \d+ frames, 256M of disk, 41 processes;/],
    [6000, /out of memory: a (store|fork) by thread \d+ needed \d+ more frames? with \d+ of the run's \d+ frames in use, and the Wasm memory could not grow to hold them$/m]] as const) {
    test(`run --workload FILE under a ${pages / 16} MiB Wasm memory limit: ${pages === 2048 ? "the reset" : "a call in the run"} does not fit`, () => {
      const file = inputFile("hog", ".json", hog(40, "256k"));
      const r = spawnSync(process.execPath, [`--wasm-max-mem-pages=${pages}`, BIN, "run", "--workload", file, "-p", "direct"], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.split("\n")).toHaveLength(2);
      expect(r.stderr).toMatch(new RegExp(`^stable-dio: ${file}: fork-hog/direct: `));
      expect(r.stderr).toMatch(what);
    });
  }
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
