// Workload files: the built-ins validate against the shipped schema and run
// from their files; a copied and edited file runs; every malformed file is
// one line naming file, line and problem, exit 2; the engine's behaviours
// (DMA windows, forked modifiers, read-only and shared buffers, size ranges).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ajvModule from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { Policy } from "../assembly/abi.js";
import { loadWasmCoreSync } from "../src/core/wasm.js";
import { runWorkload } from "../src/host/driver.js";
import type { RunResult } from "../src/host/result.js";
import type { JsonReport } from "../src/report/json.js";
import { BUILTIN_IDS } from "../src/workloads/index.js";
import { parseWorkload } from "../src/workloads/load.js";
import type { WorkloadSpec } from "../src/workloads/spec.js";
import { cli } from "./support/cli.js";
import { expectFileError } from "./support/file-error.js";

const dir = mkdtempSync(join(tmpdir(), "stable-dio-files-"));
let n = 0;
/** Writes a file into the test's temp dir; returns its path. */
function file(text: string, ext = "json"): string {
  const path = join(dir, `w${n++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

/** 1-based line of the last occurrence of `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.lastIndexOf(needle);
  if (i < 0) throw new Error(`no ${needle} in the text`);
  return text.slice(0, i).split("\n").length;
}

const builtin = (id: string): WorkloadSpec => JSON.parse(readFileSync(`workloads/${id}.json`, "utf8")) as WorkloadSpec;

/** A small workload: a writer and a modifier thread. */
function small(extra: Record<string, unknown> = {}, modify: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: 1, id: "small", summary: "test", device: "fs-csum",
    processes: [{
      name: "app", flags: { unsafe: true },
      threads: [
        { name: "writer", cpu: 0, io: { size: "16k", qd: 4, ios: 128, region: "4M", modify: { by: "toucher", probability: 0.5, ...modify }, ...extra } },
        { name: "toucher", cpu: 1 },
      ],
    }],
  };
}

const core = loadWasmCoreSync();
const run = (text: string, policy: Policy, seed = 1, record = false): RunResult =>
  runWorkload(core, { workload: parseWorkload(text, "t.json"), policy, seed, record });

describe("the built-in workload files", () => {
  it("are the workloads/ folder, each named by its id, and each validates against the shipped schema", () => {
    const files = readdirSync("workloads").filter((f) => f.endsWith(".json")).sort();
    expect(files).toEqual([...BUILTIN_IDS].map((id) => `${id}.json`).sort());
    const Ajv2020 = ajvModule.default;
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync("schema/workload.schema.json", "utf8")) as object);
    for (const f of files) {
      const spec = JSON.parse(readFileSync(`workloads/${f}`, "utf8")) as WorkloadSpec;
      expect(validate(spec), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(`${spec.id}.json`).toBe(f);
    }
  });

  it("run from their files under every policy and give the built-in's counters", async () => {
    for (const id of BUILTIN_IDS) {
      const fromFile = await cli("run", "--workload", `workloads/${id}.json`, "-P", "ios=48", "--json");
      // A file's queue depth is the user's: said when the device held it lower (at the default latency, above ~5).
      expect(fromFile.err, id).toMatch(new RegExp(`^(stable-dio: ${id}: qd \\d+, but no thread had more than \\d+ I/Os? in flight: .*--param latency=\\d+\\)\n)?$`));
      expect(fromFile.code, id).toBe(0);
      const doc = JSON.parse(fromFile.out) as JsonReport;
      expect(doc.source).toEqual({ file: `workloads/${id}.json`, kind: "workload", ignored: [], notModelled: [], notes: [] });
      expect(doc.results).toHaveLength(8);
      for (const r of doc.results) expect(r.balance.ok, `${id} ${r.policy}`).toBe(true);
      const byId = JSON.parse((await cli("--workload", id, "-P", "ios=48", "--json")).out) as JsonReport;
      expect(doc.results.map((r) => r.counters)).toEqual(byId.results.map((r) => r.counters));
    }
  });

  it("run --workload takes a built-in's id too", async () => {
    const r = await cli("run", "--workload", "racer", "-p", "direct,wp-cow", "-P", "ios=64");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^racer +fs-csum +direct +[1-9]/m);
  });
});

describe("a copied and edited file", () => {
  it("runs: two guest threads, whole-buffer modifications before the DMA point, on fs-csum", async () => {
    const spec = builtin("qemu-guest") as unknown as { id: string; device: string; params: Record<string, unknown>; processes: Array<{ threads: Array<{ io?: { modify: Record<string, unknown> } }> }> };
    spec.id = "my-guest";
    spec.device = "fs-csum";
    spec.params.threads = 2;
    spec.params.ios = 256;
    spec.params.p = 0.5;
    spec.processes[0].threads[0].io!.modify = { by: "vcpu", probability: "$p", bytes: "buffer", when: "before-dma" };
    const path = file(JSON.stringify(spec, null, 2));
    const r = await cli("run", "--workload", path, "-p", "direct,bounce,wp-cow", "--json");
    // qemu-guest's qd 16 is more than the default latency lets a thread keep in flight: said once.
    expect(r.err).toMatch(/^stable-dio: my-guest: qd 16, but no thread had more than [1-9] I\/Os? in flight: the device \(latency=4: DMA 1\.\.8 steps after submit, completion 1\.\.4 after\) completes them before the thread submits more, so a deeper qd changes nothing here; a longer latency keeps more in flight \(e\.g\. --param latency=256\)\n$/);
    expect(r.code).toBe(0);
    const [direct, bounce, cow] = (JSON.parse(r.out) as JsonReport).results;
    expect(direct.inflight.max).toBeLessThan(16);
    // With the latency it suggests, the queue fills, and nothing is said.
    const deep = await cli("run", "--workload", path, "-p", "direct", "-P", "latency=256", "--json");
    expect(deep.err).toBe("");
    expect((JSON.parse(deep.out) as JsonReport).results[0].inflight.max).toBe(16);
    expect(direct.workload).toBe("my-guest");
    expect(direct.device).toBe("fs-csum");
    expect(direct.counters.writes).toBe(256);
    expect(direct.config.cpus).toBe(3); // two iothreads and the vCPU
    expect(direct.counters.corruptions).toBeGreaterThan(0);
    expect(direct.counters.torn_sectors).toBeGreaterThan(0);
    expect(bounce.counters.corruptions).toBe(0);
    expect(cow.counters.corruptions).toBe(0);
    expect(cow.counters.violations).toBeGreaterThan(0);
  });
});

describe("malformed files: one line naming file, line and problem; exit 2; no stack trace", () => {
  const ok = JSON.stringify(small(), null, 2);
  const cases: Array<[string, string, string, RegExp]> = [
    // [what, file text, the text on the line to name, the problem]
    ["bad JSON: a trailing comma", ok.replace('"ios": 128,', '"ios": 128,,'), '"ios": 128,,', /bad JSON: expected a property name/],
    ["bad JSON: a comment", ok.replace('"ios": 128,', '"ios": 128, // I/Os'), "// I/Os", /comments are not JSON/],
    // Found by fuzzing: 1e999 was read as Infinity and came back as "got null".
    ["bad JSON: a number too large", ok.replace('"qd": 4', '"qd": -1e999'), '"qd": -1e999', /bad JSON: -1e999 is too large for a number\n$/],
    ["bad JSON: a duplicate key", ok.replace('"ios": 128,', '"ios": 128,\n"ios": 64,'), '"ios": 64', /duplicate key "ios"/],
    ["schema: an unknown field", ok.replace('"ios": 128,', '"ios": 128,\n"colour": "red",'), '"colour"', /io\.colour: unknown field \(allowed: .*modify\)/],
    ["schema: a wrong type", ok.replace('"qd": 4', '"qd": "four"'), '"qd": "four"', /io\.qd: expected a whole number or a "\$param", got "four"/],
    ["schema: out of range", ok.replace('"cpu": 1', '"cpu": 64'), '"cpu": 64', /threads\[1\]\.cpu: 64 is out of range/],
    ["schema: a bad enum value", ok.replace('"device": "fs-csum"', '"device": "nvme"'), '"device"', /device: "nvme" is not allowed \(allowed: "none", "pi", "parity", "fs-csum"\)/],
    ["schema: a missing field", ok.replace('"summary": "test",', ""), '{\n  "format"', /missing required field "summary"/],
    // Found by test/fuzz-workload.test.ts: these said "expected must be object" and "expected must match pattern".
    ["schema: an object that is null", ok.replace('"flags": {\n        "unsafe": true\n      }', '"flags": null'), '"flags": null', /processes\[0\]\.flags: expected an object, got null\n$/],
    ["schema: a bad id", ok.replace('"id": "small"', '"id": "Small!"'), '"id"', /id: expected lower case letters, digits and '-', starting with a letter or digit, got "Small!"\n$/],
    ["schema: a bad parameter name", ok.replace('"device": "fs-csum",', '"device": "fs-csum",\n"params": {"Depth": 4},'), '"Depth"', /params: bad name "Depth": expected lower case letters, digits and '_', starting with a letter\n$/],
    ["schema: a parameter help that is not text", ok.replace('"device": "fs-csum",', '"device": "fs-csum",\n"params": {"qd": {"default": 4,\n"help": 5}},'), '"help": 5', /params\.qd\.help: expected a string, got 5\n$/],
    ["semantic: fs-csum alignment", ok.replace('"size": "16k"', '"size": 512'), '"size": 512', /fs-csum does 4 KiB-aligned I\/O only/],
    ["semantic: an unknown modifier thread", ok.replace('"by": "toucher"', '"by": "nobody"'), '"by": "nobody"', /no thread "nobody" \(threads: writer, toucher\)/],
    ["semantic: an undeclared parameter", ok.replace('"qd": 4', '"qd": "$depth"'), '"qd": "$depth"', /unknown parameter "\$depth"/],
    ["semantic: a size not a multiple of 512", ok.replace('"size": "16k"', '"size": 1000'), '"size": 1000', /size 1000B is not a multiple of 512/],
    ["semantic: a thread name used twice", ok.replace('"name": "toucher"', '"name": "writer"'), '"name": "writer"', /thread name "writer" is used twice/],
  ];
  for (const [what, text, needle, problem] of cases) {
    it(what, async () => {
      const path = file(text);
      expectFileError(await cli("run", "--workload", path), path, lineOf(text, needle), problem);
    });
  }

  it("semantic: buffers larger than their mapping name the buffers' line", async () => {
    const spec = small({ buffers: { mapping: "pool" } });
    (spec.processes as Array<Record<string, unknown>>)[0].mappings = [{ name: "pool", size: "32k" }];
    const text = JSON.stringify(spec, null, 2);
    const path = file(text);
    const r = await cli("run", "--workload", path);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`stable-dio: ${path}:${lineOf(text, '"mapping": "pool"')}: mapping "pool" is 32K; 4 buffers of 16K need 64K from 0B\n`);
  });

  it("semantic: neighbour stores need room beside the buffer in its page", async () => {
    const text = JSON.stringify(small({}, { bytes: "neighbour" }), null, 2);
    const path = file(text);
    const r = await cli("run", "--workload", path);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^stable-dio: ${path}:${lineOf(text, '"bytes": "neighbour"')}: no room beside a 16K buffer`));
  });

  it("a file that cannot be read, and a name that is neither a built-in nor a file", async () => {
    const gone = await cli("run", "--workload", join(dir, "missing.json"));
    expect(gone.code).toBe(2);
    expect(gone.err).toBe(`stable-dio: ${join(dir, "missing.json")}: cannot read the file (ENOENT)\n`);
    const nope = await cli("run", "--workload", "racr");
    expect(nope.code).toBe(2);
    expect(nope.err).toMatch(/^stable-dio: unknown workload 'racr'; did you mean 'racer'\? \(allowed: db-writer, .*huge-pages, or a \.json workload file\)\n$/);
  });

  it("a parameter override the file cannot take is a usage error naming the file and the workload", async () => {
    const r = await cli("run", "--workload", "workloads/sub-page.json", "--device", "fs-csum");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^stable-dio: workloads\/sub-page\.json: workload 'sub-page' cannot run on fs-csum: .*4 KiB.*\n$/);
  });
});

describe("the engine", () => {
  it("same seed, same counters and op stream for a file workload; another seed, another stream", () => {
    const text = JSON.stringify(small());
    const a = run(text, Policy.WP_COW, 9, true);
    const b = run(text, Policy.WP_COW, 9, true);
    expect(b.counters).toEqual(a.counters);
    expect(b.trace).toEqual(a.trace);
    expect(run(text, Policy.WP_COW, 10, true).trace).not.toEqual(a.trace);
  });

  it("modifications before the DMA point corrupt a direct write; after it they cannot, but still cost wp-cow copies", () => {
    const before = JSON.stringify(small({}, { when: "before-dma" }));
    const after = JSON.stringify(small({}, { when: "after-dma" }));
    expect(run(before, Policy.DIRECT).counters.corruptions).toBeGreaterThan(0);
    const late = run(after, Policy.DIRECT);
    expect(late.counters.stores).toBeGreaterThan(128); // the fills, and the modifications
    expect(late.counters.corruptions).toBe(0);
    expect(late.counters.torn_sectors).toBe(0);
    expect(run(after, Policy.WP_COW).counters.cow_copies).toBeGreaterThan(0);
  });

  it("a forked process modifies its own copy of private buffers: nothing breaks", () => {
    const spec = small({}, { by: "child" });
    const procs = spec.processes as Array<Record<string, unknown>>;
    procs[0].threads = [(procs[0].threads as unknown[])[0]];
    procs.push({ name: "forked", fork: "writer", threads: [{ name: "child", cpu: 1 }] });
    const r = run(JSON.stringify(spec), Policy.DIRECT);
    expect(r.counters.forks).toBe(1);
    expect(r.counters.stores).toBeGreaterThan(128);
    expect(r.counters.corruptions).toBe(0);
    expect(r.balance.ok).toBe(true);
  });

  it("read-only buffers are written unfilled; size ranges draw multiples of the minimum", () => {
    const ro = JSON.stringify({ ...small(), processes: [{ name: "app", threads: [{ name: "w", cpu: 0, io: { size: "8k", qd: 2, ios: 32, buffers: { readonly: true } } }] }] });
    const r = run(ro, Policy.WP_COW);
    expect(r.counters.stores).toBe(0);
    expect(r.counters.writes).toBe(32);
    expect(r.counters.corruptions).toBe(0);
    const ranged = JSON.stringify({ ...small(), processes: [{ name: "app", threads: [{ name: "w", cpu: 0, io: { size: { min: "4k", max: "64k" }, qd: 2, ios: 64 } }] }] });
    const s = run(ranged, Policy.BOUNCE);
    expect(s.counters.bytes_written % 4096).toBe(0);
    expect(s.counters.bytes_written).toBeGreaterThan(64 * 4096);
    expect(s.counters.bytes_written).toBeLessThan(64 * 65536);
  });

  it("a split draws its sizes by weight; bytes stops the job there, the last I/O cut to what is left", () => {
    const job = (io: Record<string, unknown>) => JSON.stringify({ ...small(), processes: [{ name: "app", threads: [{ name: "w", cpu: 0, io: { qd: 2, region: "8M", ...io } }] }] });
    const split = run(job({ size: { split: [{ size: "4k", weight: 3 }, { size: "64k", weight: 1 }] }, ios: 400 }), Policy.BOUNCE);
    const n64 = (split.counters.bytes_written - 4096 * split.counters.writes) / (65536 - 4096);
    expect(Number.isInteger(n64)).toBe(true);
    expect(n64 / 400).toBeGreaterThan(0.15);
    expect(n64 / 400).toBeLessThan(0.35);
    // 1 MiB in 4k..64k I/Os: exactly 1 MiB however the sizes fall, fewer I/Os than the cap.
    const budget = run(job({ size: { min: "4k", max: "64k" }, ios: 1000, bytes: "1M" }), Policy.BOUNCE);
    expect(budget.counters.bytes_written).toBe(1024 * 1024);
    expect(budget.counters.writes).toBeLessThan(1000);
    // Two clones share it: half each.
    const clones = JSON.stringify({ ...small(), processes: [{ name: "app", threads: [{ name: "w", cpu: 0, count: 2, io: { size: "4k", qd: 2, ios: 1000, bytes: "64k" } }] }] });
    expect(run(clones, Policy.BOUNCE).counters.writes).toBe(16);
  });

  it("after: a thread starts when the threads it names have ended; one that would wait for itself is refused", () => {
    const two = (after: Record<string, unknown>) => JSON.stringify({
      ...small(), processes: [{ name: "app", threads: [
        { name: "a", cpu: 0, io: { size: "4k", qd: 4, ios: 16 } },
        { name: "b", cpu: 1, ...after, io: { size: "4k", qd: 4, ios: 16, offset: "1M" } },
      ] }],
    });
    const order = (text: string) => run(text, Policy.DIRECT, 1, true).trace!.filter((o) => o.op === "submit").map((o) => (o as { tid: number }).tid);
    const free = order(two({}));
    const after = order(two({ after: ["a"] }));
    expect(free.slice(0, 16).some((t) => t !== free[0])).toBe(true);
    expect(after).toEqual([...Array(16).fill(after[0]), ...Array(16).fill(after[16])]);
    // w waits for its own modifier, which runs until w ends.
    const loop = JSON.stringify({
      ...small(), processes: [{ name: "app", threads: [
        { name: "w", cpu: 0, after: ["m"], io: { size: "4k", qd: 2, ios: 8, modify: { by: "m", probability: 0.5 } } },
        { name: "m", cpu: 1 },
      ] }],
    });
    expect(() => parseWorkload(loop, "loop.json")).toThrow(/loop\.json:\d+: .*thread "w" would wait for itself/);
    expect(() => parseWorkload(two({ after: ["c"] }), "x.json")).toThrow(/x\.json:\d+: .*no thread "c"/);
  });

  it("512-byte aligned buffers share pages: a store to an idle buffer faults on its neighbour's protection", () => {
    const packed = (align: number): string => JSON.stringify({
      format: 1, id: "packed", summary: "test", device: "pi",
      processes: [{
        name: "app",
        threads: [
          { name: "w", cpu: 0, io: { size: 512, qd: 8, ios: 256, region: "1M", buffers: { align },
            modify: { by: "m", when: "continuous", bytes: "buffer" } } },
          { name: "m", cpu: 1 },
        ],
      }],
    });
    const shared = run(packed(512), Policy.WP_COW);
    expect(shared.counters.false_positives).toBeGreaterThan(0);
    expect(shared.counters.corruptions).toBe(0);
    expect(run(packed(4096), Policy.WP_COW).counters.false_positives).toBe(0);
  });
});

describe("a file never written (io.written: false)", () => {
  // direct-reader (generic/772) reads a file its test wrote first: the default. The same job on a
  // file that was never written (a hole, fallocate's preallocated extents) has no checksums on
  // fs-csum, so the reads its toucher changes after the DMA point verify nothing.
  const reader = (written?: boolean): string => {
    const spec = builtin("direct-reader") as unknown as { processes: Array<{ threads: Array<{ io?: Record<string, unknown> }> }> };
    const io = spec.processes[0].threads[0].io!;
    if (written !== undefined) io.written = written;
    return JSON.stringify(spec);
  };

  it("default: written, as the built-in means it (the same counters as with written: true)", () => {
    const plain = run(reader(), Policy.DIRECT);
    expect(plain.counters).toEqual(run(reader(true), Policy.DIRECT).counters);
    expect(plain.counters.read_verify_failures).toBeGreaterThan(0);
    expect(plain.counters.unwritten_reads).toBe(0);
  });

  it("false: every read page is of an unwritten block, none verified; a write would give its block a checksum", () => {
    const holes = run(reader(false), Policy.DIRECT, 1, true);
    expect(holes.counters.read_verify_failures).toBe(0);
    expect(holes.counters.unwritten_reads).toBe(holes.counters.bytes_read / 4096);
    // The region (16 MiB) is made unwritten once, at setup, before any process exists.
    const first = holes.trace!.findIndex((o) => o.op === "unwritten");
    expect(holes.trace![first]).toEqual({ op: "unwritten", block: 0, count: 4096 });
    expect(first).toBe(0);
    // On pi the flag changes nothing: every block keeps a check.
    const spec = JSON.parse(reader(false)) as Record<string, unknown>;
    const onPi = runWorkload(core, { workload: parseWorkload(JSON.stringify({ ...spec, device: "pi" }), "t.json"), policy: Policy.DIRECT, seed: 1, record: true });
    expect(onPi.trace!.some((o) => o.op === "unwritten")).toBe(false);
  });
});

describe("a job that uses another job's buffers (buffers.of)", () => {
  const pool = (reader: Record<string, unknown>, writer: Record<string, unknown> = {}): string => JSON.stringify({
    format: 1, id: "pool", summary: "test", device: "fs-csum",
    processes: [{
      name: "db",
      threads: [
        { name: "w", cpu: 0, io: { size: "16k", qd: 4, ios: 64, region: "4M", ...writer } },
        { name: "r", cpu: 1, io: { direction: "read", size: "16k", qd: 4, ios: 64, region: "4M", offset: "4M", buffers: { of: "w" }, ...reader } },
      ],
    }],
  });

  it("submits into the owner's slots (nothing mapped for it); a read after a write from the buffer takes GUP's write fault", () => {
    const r = run(pool({}), Policy.WP_COW, 1, true);
    const maps = r.trace!.filter((o) => o.op === "map");
    expect(maps).toHaveLength(1);
    const vas = (tid: number) => new Set(r.trace!.filter((o) => o.op === "submit" && (o as { tid: number }).tid === tid).map((o) => (o as { va: number }).va));
    expect(vas(2)).toEqual(vas(1));
    expect(r.counters.gup_write_faults).toBeGreaterThan(0);
    expect(r.balance.ok).toBe(true);
  });

  it("refuses what cannot be: a later or unknown thread, another process, bigger I/O, its own fields", () => {
    const bad = (text: string, re: RegExp) => expect(() => parseWorkload(text, "p.json")).toThrow(re);
    bad(pool({ buffers: { of: "x" } }), /p\.json:\d+: .*no thread "x"/);
    bad(pool({ size: "32k" }), /p\.json:\d+: .*thread "w"'s buffers are 16K, smaller than this job's I\/O \(32K\)/);
    bad(pool({ buffers: { of: "w", align: 4096 } }), /p\.json:\d+: .*the buffers are thread "w"'s: align comes from there/);
    bad(pool({ buffers: { of: "r" } }), /p\.json:\d+: .*a thread's buffers are its own already/);
    const later = JSON.parse(pool({})) as { processes: Array<{ threads: unknown[] }> };
    later.processes[0].threads.reverse();
    bad(JSON.stringify(later), /p\.json:\d+: .*thread "w" has no buffers: it does no I\/O, or comes later in the process/);
    const apart = JSON.parse(pool({})) as { processes: Array<{ name: string; threads: unknown[] }> };
    apart.processes.push({ name: "other", threads: [apart.processes[0].threads.pop()] });
    bad(JSON.stringify(apart), /p\.json:\d+: .*thread "w" is in another process/);
  });
});

describe("aliases and completion rings (mappings[].alias, mappings[].ring, modify.via)", () => {
  const alias = (segment: Record<string, unknown>, via = "segment", pool: Record<string, unknown> = {}): string => JSON.stringify({
    format: 1, id: "alias", summary: "test", device: "fs-csum",
    processes: [
      {
        name: "db", mappings: [{ name: "pool", size: "64k", shared: true, prefault: true, ...pool }],
        threads: [{ name: "w", cpu: 0, io: { size: "16k", qd: 4, ios: 64, region: "4M", buffers: { mapping: "pool" }, modify: { by: "m", probability: 0.5, via } } }],
      },
      { name: "stats", mappings: [{ name: "segment", size: "64k", alias: { process: "db", mapping: "pool" }, ...segment }], threads: [{ name: "m", cpu: 1 }] },
    ],
  });

  it("the alias is mapped with sd_map_alias at setup, and the modifier stores through it", () => {
    const r = run(alias({}), Policy.WP_WAIT, 1, true);
    const op = r.trace!.find((o) => o.op === "alias") as { pid: number; srcpid: number; len: number };
    expect([op.pid, op.srcpid, op.len]).toEqual([2, 1, 65536]);
    const segment = (r.trace!.find((o) => o.op === "alias") as { va: number }).va;
    const stores = r.trace!.filter((o) => o.op === "store" && (o as { tid: number }).tid === 2) as Array<{ va: number }>;
    expect(stores.length).toBeGreaterThan(0);
    for (const s of stores) expect(s.va - segment).toBeLessThan(65536);
    expect(r.counters.stalls).toBeGreaterThan(0);
    expect(r.counters.corruptions).toBe(0);
  });

  it("refuses an alias it cannot map, and a via that is no alias of the buffers' mapping", () => {
    const bad = (text: string, re: RegExp) => expect(() => parseWorkload(text, "a.json")).toThrow(re);
    bad(alias({ alias: { process: "nobody", mapping: "pool" } }), /a\.json:\d+: .*no process "nobody" here or above/);
    bad(alias({ alias: { process: "db", mapping: "heap" } }), /a\.json:\d+: .*no mapping "heap" in process "db"/);
    bad(alias({}, "segment", { prefault: false }), /a\.json:\d+: .*must be shared, not huge, and prefault/);
    bad(alias({ size: "128k" }), /a\.json:\d+: .*an alias of 64K \("pool"\) cannot be 128K/);
    bad(alias({ shared: true }), /a\.json:\d+: .*an alias maps the frames of "pool": shared comes from there/);
    bad(alias({}, "nothing"), /a\.json:\d+: .*no mapping "nothing" in the modifier's process "stats"/);
    bad(alias({ size: "16k" }), /a\.json:\d+: .*mapping "segment" \(16K\) does not reach the last buffer/);
  });

  it("a ring mapping is registered after it is populated; one per process, shared", () => {
    const ring = (m: Record<string, unknown>, more: Array<Record<string, unknown>> = []) => JSON.stringify({
      format: 1, id: "ring", summary: "test", device: "fs-csum",
      processes: [{
        name: "app", mappings: [{ name: "ring", size: "16k", shared: true, ring: "aio", ...m }, ...more],
        threads: [{ name: "w", cpu: 0, io: { size: "4k", qd: 4, ios: 64, region: "4M", buffers: { mapping: "ring" } } }],
      }],
    });
    const r = run(ring({}), Policy.DIRECT, 1, true);
    const at = r.trace!.findIndex((o) => o.op === "ring");
    expect(r.trace![at]).toMatchObject({ op: "ring", pid: 1, len: 16384, kind: 0 });
    expect(r.trace![at - 1]).toMatchObject({ op: "store", len: 16384, byte: 0 }); // populated first
    expect(r.counters.kernel_stores).toBe(2 * r.counters.completions);
    const bad = (text: string, re: RegExp) => expect(() => parseWorkload(text, "r.json")).toThrow(re);
    bad(ring({ shared: false }), /r\.json:\d+: .*a completion ring is a MAP_SHARED mapping of 4 KiB pages/);
    bad(ring({}, [{ name: "other", size: "16k", shared: true, ring: "io_uring" }]), /r\.json:\d+: .*a process has one completion ring/);
  });
});
