// The write-protect's implementation choices as users give them: --wp on the
// commands, a sweep's fixed setting (in its points' keys), a workload file's
// "wp" and thread "state", fio's sd_wp_* options, traces recorded before the
// keys existed; and the cost layer's best implementation of a scenario.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Policy } from "../assembly/abi.js";
import { bestImplementation, wpCombinations } from "../src/cost/best.js";
import { builtinProfile } from "../src/cost/builtin.js";
import { bestForScenario } from "../src/crossover/best.js";
import { loadWasmCoreSync } from "../src/core/wasm.js";
import { replayTrace } from "../src/trace/replay.js";
import { DEFAULT_WP, wpLabel } from "../src/shared/wp.js";
import { cli } from "./support/cli.js";
import { readResults } from "./support/report.js";
import { runNodeWasi } from "./support/wasi.js";

const tmp = mkdtempSync(join(tmpdir(), "stable-dio-wp-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const json = (r: { out: string }) => JSON.parse(r.out) as { results: Array<{ config: Record<string, number>; counters: Record<string, number> }> };

describe("--wp reaches the runs", () => {
  it("run and report set the choices' keys; the main job too", async () => {
    const r = await cli("run", "-w", "db-writer", "-p", "wp-cow", "-P", "ios=32", "--wp", "restore=lazy,walk=fused", "--json");
    expect(r.code).toBe(0);
    const run = json(r).results[0];
    expect([run.config.wp_restore, run.config.wp_batch, run.config.wp_walk]).toEqual([1, 1, 1]);
    expect(run.counters.wp_walks).toBe(0);
    const main = await cli("-w", "db-writer", "-p", "wp-cow", "-P", "ios=32", "--wp", "batch=8", "--json", "--no-report");
    expect(json(main).results[0].counters.shootdowns).toBe(2 * (32 / 8));
  });

  it("the table says which choices its runs had, and only when they are not today's", async () => {
    const args = ["-w", "db-writer", "-p", "wp-cow,bounce", "-P", "ios=32", "--profile", "builtin", "--no-report"];
    const batch = await cli(...args, "--wp", "batch=8,walk=fused");
    expect(batch.code).toBe(0);
    expect(batch.out).toMatch(/^wp: the write-protect's choices of these runs \(--wp, or a workload's "wp"\): batch=8,walk=fused\. A batch also /m);
    const today = await cli(...args);
    expect(today.out).not.toMatch(/^wp: /m);
  });
  it("record writes every key, and the trace replays to the same counters", async () => {
    const r = await cli("record", "-w", "db-writer", "-p", "wp-cow", "-P", "ios=16", "--wp", "batch=4");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^set wp_batch 4$/m);
    expect(replayTrace(loadWasmCoreSync(), r.out, "t").mismatches).toEqual([]);
  });

  it("a trace recorded before the choices existed (no set wp_*) replays with their defaults, in the host and under WASI", async () => {
    const r = await cli("record", "-w", "racer", "-p", "wp-cow", "-P", "ios=32");
    const old = r.out.replace(/^set wp_\w+ \d+\n/gm, "").replace(/^counter (wp_walks|restore_faults|spurious_faults|ipis_skipped) \d+\n/gm, "");
    expect(old).not.toMatch(/^(set wp_|counter (wp_walks|restore_faults|spurious_faults|ipis_skipped) )/m);
    const host = replayTrace(loadWasmCoreSync(), old, "old.trace");
    expect(host.mismatches).toEqual([]);
    expect(host.counters.wp_walks).toBe(64); // separate walks, eager restores: the defaults
    const file = join(tmp, "old.trace");
    writeFileSync(file, old);
    const wasi = runNodeWasi([file], "", { [tmp]: tmp });
    expect(wasi.code).toBe(0);
    expect(wasi.stdout).toBe(JSON.stringify(host.counters) + "\n");
  });

  it("crossover runs the grid under the choices", async () => {
    const args = ["crossover", "--threads", "2", "--rates", "0", "--json"];
    const naive = JSON.parse((await cli(...args)).out);
    const lazy = JSON.parse((await cli(...args, "--wp", "restore=lazy")).out);
    const shoot = (g: { counts: Array<{ policy: string; size: number; clean: Record<string, number> }> }) =>
      g.counts.find((c) => c.policy === "wp-cow" && c.size === 65536)!.clean.shootdowns;
    expect(shoot(lazy)).toBe(shoot(naive) / 2);
    expect(lazy.spec.wp).toEqual({ ...DEFAULT_WP, restore: "lazy" });
  });

  it("sweep takes --wp as a fixed setting: in every point's key, the runs and the grid record", async () => {
    const dir = join(tmp, "sweep");
    const r = await cli("sweep", "-w", "db-writer", "-p", "wp-cow", "-P", "ios=16", "--workers", "1", "--wp", "restore=lazy", "--out", dir);
    expect(r.code).toBe(0);
    const doc = readResults(dir);
    expect(doc.sweep?.grid.wp).toBe("restore=lazy");
    expect(doc.runs[0].wp).toBe("restore=lazy");
    expect(doc.runs[0].key).toMatch(/ wp=restore=lazy$/);
    expect(doc.runs[0].counters.restore_faults).toBeGreaterThan(0);
    // Another setting is another point: nothing is resumed from the journal.
    const again = await cli("sweep", "-w", "db-writer", "-p", "wp-cow", "-P", "ios=16", "--workers", "1", "--out", dir, "--no-report");
    expect(again.out).toMatch(/1 computed .*, 0 from the journal/);
  });
});

describe("workload files and fio jobs", () => {
  const file = (name: string, spec: object) => {
    const f = join(tmp, name);
    writeFileSync(f, JSON.stringify(spec, null, 2));
    return f;
  };
  const base = {
    format: 1, id: "w", summary: "s", device: "fs-csum", params: { b: { default: 4, kind: "count" } },
    processes: [{ name: "p", threads: [{ name: "t", cpu: 0, io: { size: "16k", qd: 4, ios: 16 } }, { name: "u", cpu: 1 }] }],
  };

  it("\"wp\" gives the run's choices (batch may be a $param); --wp overrides them key by key", async () => {
    const f = file("wp.json", { ...base, wp: { restore: "lazy", batch: "$b" } });
    const own = json(await cli("run", "-w", f, "-p", "wp-cow", "--json")).results[0].config;
    expect([own.wp_restore, own.wp_batch, own.wp_walk]).toEqual([1, 4, 0]);
    const over = json(await cli("run", "-w", f, "-p", "wp-cow", "--json", "--wp", "restore=eager", "-P", "b=2")).results[0].config;
    expect([over.wp_restore, over.wp_batch]).toEqual([0, 2]);
  });

  it("a thread's \"state\": idle threads get no IPIs", async () => {
    const running = json(await cli("run", "-w", file("run.json", base), "-p", "wp-cow", "--json")).results[0].counters;
    const idle = json(await cli("run", "-w", file("idle.json", {
      ...base, processes: [{ ...base.processes[0], threads: [base.processes[0].threads[0], { name: "u", cpu: 1, state: "idle" }] }],
    }), "-p", "wp-cow", "--json")).results[0].counters;
    expect(running.ipis).toBe(running.shootdowns);
    expect([idle.ipis, idle.ipis_skipped]).toEqual([0, idle.shootdowns]);
  });

  it("bad values are one line naming the file and the line", async () => {
    const bad = await cli("run", "-w", file("bad-wp.json", { ...base, wp: { restore: "lazzy" } }), "-p", "wp-cow");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^stable-dio: .*bad-wp\.json:\d+: wp\.restore: "lazzy" is not allowed \(allowed: "eager", "lazy"\)\n$/);
    const state = await cli("run", "-w", file("bad-state.json", {
      ...base, processes: [{ ...base.processes[0], threads: [base.processes[0].threads[0], { name: "u", cpu: 1, state: "asleep" }] }],
    }), "-p", "wp-cow");
    expect(state.code).toBe(2);
    expect(state.err).toMatch(/^stable-dio: .*bad-state\.json:\d+: processes\[0\]\.threads\[1\]\.state: expected "running", "idle" or a "\$param", got "asleep"\n$/);
    const batch = await cli("run", "-w", file("bad-batch.json", { ...base, wp: { batch: 0 } }), "-p", "wp-cow");
    expect(batch.err).toMatch(/bad-batch\.json:\d+: wp\.batch: 0 is out of range/);
  });

  it("fio's sd_wp_* options set the choices, one value per run", async () => {
    const job = (extra: string) => {
      const f = join(tmp, `j${extra.length}.fio`);
      writeFileSync(f, `[a]\nrw=randwrite\nbs=16k\nsize=256k\niodepth=4\ndirect=1\nsd_wp_batch=4\nsd_wp_walk=fused\n${extra}`);
      return f;
    };
    const ok = json(await cli("run", "--fio", job(""), "-p", "wp-cow", "--json")).results[0].config;
    expect([ok.wp_batch, ok.wp_walk, ok.wp_restore]).toEqual([4, 1, 0]);
    const clash = await cli("run", "--fio", job("[b]\nrw=randwrite\nbs=16k\nsize=256k\nsd_wp_batch=2\n"), "-p", "wp-cow");
    expect(clash.code).toBe(2);
    expect(clash.err).toMatch(/^stable-dio: .*\.fio:13: sd_wp_batch=2: one value per run, and an earlier job has sd_wp_batch=4\n$/);
    const bad = await cli("run", "--fio", job("sd_wp_restore=soon\n"), "-p", "wp-cow");
    expect(bad.err).toMatch(/^stable-dio: .*\.fio:9: sd_wp_restore=soon: bad value 'soon' for restore \(allowed: eager, lazy\)\n$/);
  });
});

describe("the best implementation of a scenario (src/cost/best.ts)", () => {
  const costs = builtinProfile().costs;

  it("enumerates every combination, today's first", () => {
    const all = wpCombinations([1, 8]);
    expect(all).toHaveLength(2 * 2 * 2);
    expect(all[0]).toEqual(DEFAULT_WP);
    expect(new Set(all.map(wpLabel)).size).toBe(8);
  });

  it("picks the cheapest combination that loses nothing the naive one does not", () => {
    // Shootdowns cost; a lazy restore here would be the cheapest, but it loses a read the naive one does not.
    const evaluate = (wp: typeof DEFAULT_WP) => ({
      writes: 1, shootdowns: 2 / wp.batch, tlb_flushes: 2 / wp.batch, ipis: wp.restore === "lazy" ? 0 : 4 / wp.batch,
      lost_reads: wp.restore === "lazy" ? 1 : 0,
    });
    const b = bestImplementation(evaluate, costs, { cache: "hot", batches: [1, 4] });
    expect(b.naive.label).toBe("");
    expect(b.candidates.filter((c) => !c.safe).map((c) => c.wp.restore)).toEqual(["lazy", "lazy", "lazy", "lazy"]);
    expect(b.best.wp).toEqual({ restore: "eager", batch: 4, walk: "separate" }); // walk costs nothing here: ties keep separate
    for (const c of b.candidates) if (c.safe) expect(c.perIoNs).toBeGreaterThanOrEqual(b.best.perIoNs);
  });

  it("on the core: wp-cow on two CPUs, 64 KiB written in flight, is cheaper at its best and loses nothing", () => {
    const b = bestForScenario(loadWasmCoreSync(), { policy: Policy.WP_COW, size: 65536, threads: 2, mapping: "pte", violate: true, ios: 4 }, costs, { cache: "hot" });
    expect(b.candidates).toHaveLength(8);
    expect(b.best.safe).toBe(true);
    expect(b.best.perIoNs).toBeLessThan(b.naive.perIoNs);
    expect(b.best.losses).toEqual({ corruptions: 0, torn_sectors: 0, lost_reads: 0 });
    for (const c of b.candidates) if (c.safe) expect(c.perIoNs).toBeGreaterThanOrEqual(b.best.perIoNs);
  });
});
