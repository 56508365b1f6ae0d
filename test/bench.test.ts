// bench: the sampler's statistics, the Wasm and model sides doing the same
// work, and the command printing well-formed, plausible output. Nothing here
// asserts how fast anything is.
import { describe, expect, it } from "vitest";
import { Device, Key, Policy, Stable } from "../assembly/abi.js";
import { benchCases } from "../src/bench/cases.js";
import { modelDio, modelWp } from "../src/bench/model-ops.js";
import type { BenchReport } from "../src/bench/run.js";
import { quantile, sample } from "../src/bench/sampler.js";
import { BASE_CONFIG, withKeys } from "../src/bench/setup.js";
import { wasmDio, wasmWp } from "../src/bench/wasm-ops.js";
import { wasmPath } from "../src/core/wasm.js";
import { cli } from "./support/cli.js";

const QUICK = ["--samples", "3", "--sample-ms", "0.2", "--warmup-ms", "0"];

describe("sampler", () => {
  it("quantiles by nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile([7], 0.99)).toBe(7);
  });
  it("keeps every accumulator and reports positive, ordered statistics", () => {
    let calls = 0;
    const t = sample((k) => {
      calls++;
      let x = 0;
      for (let i = 0; i < k; i++) x += i & 1;
      return x + 1;
    }, { samples: 5, sampleMs: 0.1, warmupMs: 0 });
    expect(t.samples).toBe(5);
    expect(t.k).toBeGreaterThanOrEqual(1);
    expect(t.acc).toBeGreaterThanOrEqual(calls);
    expect(t.minNs).toBeGreaterThan(0);
    expect(t.minNs).toBeLessThanOrEqual(t.medianNs);
    expect(t.medianNs).toBeLessThanOrEqual(t.p99Ns);
    expect(t.opsPerSec).toBeCloseTo(1e9 / t.medianNs, 6);
  });
});

describe("the Wasm and model sides do the same work", () => {
  it("write-protect + restore flips the same entries", () => {
    for (const [n, pmd] of [[1, false], [16, false], [512, false], [512, true]] as const) {
      expect(wasmWp(BASE_CONFIG, n, pmd).run(3)).toBe(modelWp(BASE_CONFIG, n, pmd).run(3));
    }
    expect(wasmWp(BASE_CONFIG, 16, false).run(3)).toBe(3 * 2 * 16);
    expect(wasmWp(BASE_CONFIG, 512, true).run(3)).toBe(3 * 2);
  });
  it("direct writes get the same I/O ids, for every policy", () => {
    for (const p of [Policy.DIRECT, Policy.BOUNCE, Policy.WP_COW, Policy.VERIFY]) {
      const cfg = withKeys(BASE_CONFIG, [[Key.POLICY, p], [Key.DEVICE, Device.FS_CSUM], [Key.STABLE, Stable.ALWAYS]]);
      expect(wasmDio(cfg, 4096).run(5)).toBe(modelDio(cfg, 4096).run(5));
    }
  });
  it("every case sets up and runs on both sides", () => {
    const ids = new Set<string>();
    for (const c of benchCases()) {
      expect(ids.has(c.id)).toBe(false);
      ids.add(c.id);
      for (const make of [c.wasm, c.model]) {
        const r = make();
        expect(Number.isFinite(r.run(1))).toBe(true);
        r.finish?.();
      }
    }
    for (const id of ["wp-pte-256", "wp-pmd", "fault-cow", "copy-cold-4m", "csum-fs-csum", "store-checked", "dio-wp-cow-none", "dio-wp-cow-fs-csum"])
      expect(ids.has(id)).toBe(true);
  });
});

describe("stable-dio bench", () => {
  it("--json: every operation timed on both cores, the machine named, the targets checked", async () => {
    const r = await cli("bench", ...QUICK, "--only", "wp,cow,store,csum,dio-wp-cow-none,dio-wp-cow-fs-csum,copy-hot-4k", "--json");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const doc = JSON.parse(r.out) as BenchReport;
    expect(doc.kind).toBe("bench");
    expect(doc.machine.cores).toBeGreaterThan(0);
    expect(doc.machine.cpu.length).toBeGreaterThan(0);
    expect(doc.machine.node).toBe(process.versions.node);
    expect(doc.note).toMatch(/without the tests. corruption oracle/);
    expect(doc.results.map((x) => x.id)).toContain("wp-pte-512");
    for (const x of doc.results) {
      for (const t of [x.wasm, x.model!]) {
        expect(t.samples).toBe(3);
        expect(t.medianNs).toBeGreaterThan(0);
        expect(t.p99Ns).toBeGreaterThanOrEqual(t.medianNs);
        expect(t.opsPerSec).toBeGreaterThan(0);
      }
      expect(x.ratio).toBeGreaterThan(0);
    }
    expect(doc.acc).toBeGreaterThan(0);
    const targets = doc.targets.map((t) => t.target);
    expect(targets).toContain("write-protect + restore of 256 PTEs <= 100 ns");
    expect(targets).toContain("crc32c >= 1.5 GB/s");
    expect(targets).toContain("checked 4 KiB write <= 1.3x raw memory.copy");
    for (const t of doc.targets) expect(t.margin).toMatch(/^\d+\.\d\dx (better|worse) than the limit$/);
  });
  it("prints a table with units, rates and the targets, in a user's words", async () => {
    const r = await cli("bench", ...QUICK, "--only", "wp-pte-1,csum-fs-csum,copy-cold-4m", "--no-model");
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(/^stable-dio bench: measured \d{4}-\d\d-\d\dT.* on .*, \d+ cores, .*Node /);
    expect(r.out).toMatch(/^operation +wasm ns +p99 +ops\/s +model ns +p99 +model\/wasm$/m);
    expect(r.out).toMatch(/^write-protect \+ restore, 1 PTE +[\d.,]+ +[\d.,]+ +[\d.]+[kMG]? +- +- +-$/m);
    expect(r.out).toMatch(/^fs-csum crc32c over 64K +\d+\.\d\d +[\d.,]+ +-$/m);
    expect(r.out).toMatch(/^bounce copy 4M, cold \(walking 256 MiB\) +\d+\.\d\d/m);
    expect(r.out).toMatch(/^crc32c >= 1\.5 GB\/s +[\d.]+ GB\/s +(met|MISSED) /m);
    expect(r.out).toMatch(/^Targets \(the speeds the Wasm core is built to reach, BENCHMARKS\.md\):$/m);
    // Developer words stay out: no issue numbers, no accumulators (those are in --json), no ABI key names.
    expect(r.out).not.toMatch(/issue \d|Accumulators|ORACLE|DMA_CHECK|STABLE=/);
  });
  it("--wasm and --against: two builds of the core, timed alternately, both columns and their ratio", async () => {
    const release = wasmPath();
    const r = await cli("bench", ...QUICK, "--only", "wp-pte-1,wp-io-pte-256", "--no-model", "--wasm", release, "--against", release, "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as BenchReport;
    expect([doc.wasm, doc.against]).toEqual([release, release]);
    for (const x of doc.results) {
      for (const t of [x.wasm, x.against!]) {
        expect(t.samples).toBe(3);
        expect(t.p99Ns).toBeGreaterThanOrEqual(t.medianNs);
      }
      expect(x.against!.k).toBe(x.wasm.k);
    }
    const text = await cli("bench", ...QUICK, "--only", "wp-pte-1", "--no-model", "--against", release);
    expect(text.out).toMatch(/^operation +wasm ns +p99 +ops\/s +against ns +p99 +wasm\/against +model ns +p99 +model\/wasm$/m);
    expect(text.out).toMatch(/^write-protect \+ restore, 1 PTE +[\d.,]+ +[\d.,]+ +[\d.]+[kMG]? +[\d.,]+ +[\d.,]+ +\d+\.\d\dx +- +- +-$/m);
  });
  it("bad arguments are one-line usage errors", async () => {
    for (const [argv, msg] of [
      [["bench", "--only", "nope"], /^stable-dio: unknown benchmark 'nope' \(allowed: wp, cow, .*\)\n$/],
      [["bench", "--samples", "0"], /^stable-dio: bad value '0' for --samples \(allowed: an integer 1\.\.100000\)\n$/],
      [["bench", "--sample-ms", "x"], /^stable-dio: bad value 'x' for --sample-ms/],
      [["bench", "--wasm", "no/such.wasm"], /^stable-dio: --wasm no\/such\.wasm: no such file\n$/],
      [["bench", "--against", "package.json"], /^stable-dio: --against package\.json: not a WebAssembly module\n$/],
    ] as const) {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.out).toBe("");
    }
  });
});
