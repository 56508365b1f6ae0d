// The crossover: the core's per-I/O counts in the small scenarios, the grid's
// projections (positive, growing where physics says they must), where the
// crossover lands relative to the costs, and the command's output.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Policy } from "../assembly/abi.js";
import { cli } from "./support/cli.js";
import { loadWasmCoreSync } from "../src/core/wasm.js";
import { builtinProfile } from "../src/cost/builtin.js";
import { gridCells, runGrid, mix, type GridSpec } from "../src/crossover/grid.js";
import { bestForScenario } from "../src/crossover/best.js";
import { breakEvens, linearIn, solve, unitValue, withUnit } from "../src/crossover/breakeven.js";
import { fmtSpan, rowAcross } from "../src/crossover/range.js";
import { DEFAULT_STALL_WAIT_NS, project } from "../src/cost/model.js";
import { readReferences } from "../src/cost/reference.js";
import { packageFile } from "../src/core/paths.js";
import { runScenario, type Scenario } from "../src/crossover/scenario.js";

const core = loadWasmCoreSync();

/** The scenario's counters per I/O written. */
function perIo(s: Scenario): Record<string, number> {
  const c = runScenario(core, s);
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v / c.writes]));
}

describe("scenario counts per I/O", () => {
  it("wp-cow on 4 KiB PTEs: one protect and one restore, each a shootdown to every CPU of the process", () => {
    const one = perIo({ policy: Policy.WP_COW, size: 16384, threads: 1, mapping: "pte", violate: false });
    expect(one).toMatchObject({ pte_flips: 8, tlb_flushes: 2, ipis: 0, pins: 4 });
    const four = perIo({ policy: Policy.WP_COW, size: 16384, threads: 4, mapping: "pte", violate: false });
    expect(four).toMatchObject({ ipis: 6, tlb_flushes: 8 });
  });
  it("a violation costs a fault and a COW copy under wp-cow, a stall under wp-wait, nothing under bounce", () => {
    const cow = perIo({ policy: Policy.WP_COW, size: 65536, threads: 1, mapping: "pte", violate: true });
    expect(cow).toMatchObject({ faults: 1, cow_copies: 1 });
    const wait = perIo({ policy: Policy.WP_WAIT, size: 65536, threads: 1, mapping: "pte", violate: true });
    expect(wait).toMatchObject({ stalls: 1, cow_copies: 0 });
    const bounce = perIo({ policy: Policy.BOUNCE, size: 65536, threads: 1, mapping: "pte", violate: true });
    expect(bounce).toMatchObject({ faults: 0, bytes_bounced: 65536 });
  });
  it("a 2 MiB PMD is one entry to protect; a violation splits it", () => {
    const clean = perIo({ policy: Policy.WP_COW, size: 1 << 20, threads: 1, mapping: "pmd", violate: false });
    expect(clean).toMatchObject({ pmd_flips: 2, pte_flips: 0 });
    const hit = perIo({ policy: Policy.WP_COW, size: 1 << 20, threads: 1, mapping: "pmd", violate: true });
    expect(hit).toMatchObject({ pmd_splits: 1, cow_copies: 1 });
  });
  it("every policy runs: verify on fs-csum less the submit-time checksum, opt-out and opt-out-inverse on an unflagged process", () => {
    const size = 65536;
    const run = (policy: Policy, violate: boolean) => perIo({ policy, size, threads: 1, mapping: "pte", violate });
    // verify: one re-check of each page and no more; a violation is caught, rewritten once, and the process's next I/O bounced.
    expect(run(Policy.VERIFY, false)).toMatchObject({ csum_bytes: size, verify_ios: 1, verify_failures: 0, bounce_ios: 0 });
    expect(run(Policy.VERIFY, true)).toMatchObject({ verify_failures: 0.5, bytes_rewrite: size / 2, bounce_ios: 0.5, degraded: 0.5 });
    // The other policies checksum nothing on device none.
    expect(run(Policy.DIRECT, false).csum_bytes).toBe(0);
    expect(run(Policy.OPT_OUT, true)).toEqual(run(Policy.DIRECT, true));
    expect(run(Policy.OPT_OUT_INVERSE, true)).toEqual(run(Policy.BOUNCE, true));
    // wp-cow-degrade: wp-cow until the violation, bounced after it.
    expect(run(Policy.WP_COW_DEGRADE, false)).toEqual(run(Policy.WP_COW, false));
    expect(run(Policy.WP_COW_DEGRADE, true)).toMatchObject({ cow_copies: 0.5, bounce_ios: 0.5 });
  });
  it("every I/O starts from the same state, so 2 and 6 I/Os give the same counts per I/O", () => {
    for (const violate of [false, true]) {
      const a = perIo({ policy: Policy.WP_COW, size: 8192, threads: 2, mapping: "pte", violate, ios: 2 });
      const b = perIo({ policy: Policy.WP_COW, size: 8192, threads: 2, mapping: "pte", violate, ios: 6 });
      for (const k of ["pte_flips", "tlb_flushes", "ipis", "faults", "cow_copies", "pins", "bytes_copied"]) expect(b[k]).toBe(a[k]);
    }
  });
});

describe("the grid", () => {
  const spec: GridSpec = {
    sizes: [4096, 65536, 1 << 20, 4 << 20], threads: [1, 4], mappings: ["pte", "pmd"], caches: ["hot", "cold"], rates: [0, 0.5, 1],
  };
  const g = runGrid(core, spec, builtinProfile().costs);
  const cell = (size: number, threads: number, mapping: string, cache: string, rate: number) =>
    g.cells.find((c) => c.size === size && c.threads === threads && c.mapping === mapping && c.cache === cache && c.rate === rate)!;

  it("has every cell, with positive costs", () => {
    expect(g.cells).toHaveLength(4 * 2 * 2 * 2 * 3);
    for (const c of g.cells) for (const p of ["direct", "bounce", "wp-cow", "wp-wait"] as const) expect(c.ns[p]).toBeGreaterThan(0);
  });
  it("grows where physics says: bounce with size and with cold caches, wp-cow with threads and violations", () => {
    for (const cache of ["hot", "cold"]) {
      let last = 0;
      for (const size of spec.sizes) {
        const v = cell(size, 1, "pte", cache, 0).ns.bounce;
        expect(v).toBeGreaterThan(last);
        last = v;
      }
    }
    for (const size of spec.sizes) {
      expect(cell(size, 1, "pte", "cold", 0).ns.bounce).toBeGreaterThan(cell(size, 1, "pte", "hot", 0).ns.bounce);
      expect(cell(size, 4, "pte", "hot", 0).ns["wp-cow"]).toBeGreaterThan(cell(size, 1, "pte", "hot", 0).ns["wp-cow"]);
      expect(cell(size, 1, "pte", "hot", 1).ns["wp-cow"]).toBeGreaterThan(cell(size, 1, "pte", "hot", 0).ns["wp-cow"]);
      expect(cell(size, 1, "pte", "hot", 0.5).ns["wp-wait"]).toBeGreaterThan(cell(size, 1, "pte", "hot", 0).ns["wp-wait"]);
      expect(cell(size, 1, "pte", "hot", 0.5).waitNs).toBeGreaterThan(0);
      // One PMD entry instead of a PTE per page.
      if (size >= 65536) expect(cell(size, 1, "pmd", "hot", 0).ns["wp-cow"]).toBeLessThan(cell(size, 1, "pte", "hot", 0).ns["wp-cow"]);
    }
  });
  it("mixes counts linearly in the violation rate", () => {
    const pc = g.counts.find((c) => c.policy === "wp-cow" && c.size === 65536 && c.threads === 1 && c.mapping === "pte")!;
    const m = mix(pc, 0.5);
    expect(m.faults).toBe((pc.clean.faults + pc.violated.faults) / 2);
  });
  it("puts each crossover where wp-cow is cheaper at that size and every larger one, and not just below it", () => {
    expect(g.crossovers).toHaveLength(2 * 2 * 3 * 2);
    for (const x of g.crossovers) {
      const row = spec.sizes.map((s) => cell(s, x.threads, x.mapping, x.cache, x.rate));
      if (x.size === null) {
        expect(row.at(-1)!.ns["wp-cow"]).toBeGreaterThanOrEqual(row.at(-1)!.ns.bounce);
        continue;
      }
      const i = spec.sizes.indexOf(x.size);
      for (const c of row.slice(i)) expect(c.ns["wp-cow"]).toBeLessThan(c.ns.bounce);
      if (i > 0) expect(row[i - 1].ns["wp-cow"]).toBeGreaterThanOrEqual(row[i - 1].ns.bounce);
    }
  });
});

describe("wp-cow at its best", () => {
  const costs = builtinProfile().costs;
  const spec: GridSpec = { sizes: [4096, 65536, 1 << 20], threads: [1, 4], mappings: ["pte", "pmd"], caches: ["hot", "cold"], rates: [0, 0.1], best: true };
  const g = runGrid(core, spec, costs);

  it("the scenario refills each buffer after its I/O: a lazy restore pays a reuse fault per page (per PMD), an eager one none", () => {
    const lazy = { restore: "lazy", batch: 1, walk: "separate" } as const;
    const pte = perIo({ policy: Policy.WP_COW, size: 16384, threads: 1, mapping: "pte", violate: false, wp: lazy });
    expect(pte).toMatchObject({ restore_faults: 4, pte_flips: 8, tlb_flushes: 1, wp_walks: 1 });
    const pmd = perIo({ policy: Policy.WP_COW, size: 1 << 20, threads: 1, mapping: "pmd", violate: false, wp: lazy });
    expect(pmd).toMatchObject({ restore_faults: 1, pmd_flips: 2 });
    const eager = perIo({ policy: Policy.WP_COW, size: 16384, threads: 1, mapping: "pte", violate: false });
    expect(eager).toMatchObject({ restore_faults: 0, faults: 0, tlb_flushes: 2, wp_walks: 2 });
  });
  it("each cell's best is what src/cost/best.ts picks for that scenario, never dearer than wp-cow as run", () => {
    for (const c of g.cells) {
      expect(c.ns["wp-cow best"]).toBeLessThanOrEqual(c.ns["wp-cow"]);
      if (c.rate !== 0) continue; // bestForScenario runs one scenario; the grid mixes clean and violated runs
      const b = bestForScenario(core, { policy: Policy.WP_COW, size: c.size, threads: c.threads, mapping: c.mapping, violate: false }, costs,
        { cache: c.cache, stallWaitNs: DEFAULT_STALL_WAIT_NS });
      expect(c.ns["wp-cow best"], JSON.stringify(c)).toBeCloseTo(b.best.perIoNs, 6);
      expect(c.bestWp).toBe(b.best.label);
    }
  });
  it("the choices that save a walk or a shootdown win somewhere, and the best's crossover is never later than wp-cow's", () => {
    expect(new Set(g.cells.map((c) => c.bestWp)).size).toBeGreaterThan(1);
    expect(g.cells.some((c) => c.bestWp?.includes("walk=fused"))).toBe(true);
    const order = (s: number | null) => s ?? Infinity;
    for (const x of g.bestCrossovers!) {
      const naive = g.crossovers.find((y) => y.mapping === x.mapping && y.cache === x.cache && y.rate === x.rate && y.threads === x.threads)!;
      if (x.size !== null && naive.size !== null) expect(order(x.size)).toBeLessThanOrEqual(order(naive.size));
    }
  });
  it("a cheaper combination that loses data is never the best (gridCells on made-up counts)", () => {
    const base = { writes: 1, bytes_written: 4096, pte_flips: 2, tlb_flushes: 2, wp_walks: 2 };
    const point = (policy: string, clean: Record<string, number>, wp?: { restore: "eager" | "lazy"; batch: number; walk: "separate" | "fused" }) =>
      ({ size: 4096, threads: 1, mapping: "pte" as const, policy, clean, violated: clean, ...(wp ? { wp } : {}) });
    const one: GridSpec = { sizes: [4096], threads: [1], mappings: ["pte"], caches: ["hot"], rates: [0], policies: ["bounce", "wp-cow"], best: true };
    const counts = [
      point("bounce", { writes: 1, bytes_written: 4096, bounce_ios: 1, bytes_bounced: 4096 }),
      point("wp-cow", base),
      point("wp-cow walk=fused", { ...base, wp_walks: 0, corruptions: 1 }, { restore: "eager", batch: 1, walk: "fused" }),
      point("wp-cow restore=lazy", { ...base, wp_walks: 1, tlb_flushes: 1 }, { restore: "lazy", batch: 1, walk: "separate" }),
    ];
    const [c] = gridCells(counts, one, costs);
    expect(c.bestWp).toBe("restore=lazy"); // the fused one is cheaper still, but corrupts a block wp-cow does not
    expect(c.ns["wp-cow best"]).toBeLessThan(c.ns["wp-cow"]);
  });
  it("the break-even fixed cost is the walk and the flush together, shared as the profile shares them", () => {
    expect(unitValue(costs, "flush")).toBeCloseTo(costs.flush + costs.walk!, 9);
    const at = withUnit(costs, "flush", unitValue(costs, "flush"));
    expect(at.flush).toBeCloseTo(costs.flush, 9);
    expect(at.walk).toBeCloseTo(costs.walk!, 9);
    expect(withUnit(costs, "flush", 0)).toMatchObject({ flush: 0, walk: 0 });
  });
});

describe("stable-dio crossover", () => {
  it("prints the crossover table, the cost table and the throughput, labelled projected", async () => {
    const r = await cli("crossover", "--threads", "1,2", "--rates", "0,1");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/^stable-dio crossover: projected kernel CPU per I\/O, costs from the built-in .* profile/);
    expect(r.out).toMatch(/^mapping +buffers +violations +1 thread +2 threads$/m);
    expect(r.out).toMatch(/^4K PTEs +hot +0% +\S+ +\S+/m);
    expect(r.out).toMatch(/^2M PMDs +cold +100% +\S+/m);
    expect(r.out).toMatch(/^size +direct +bounce hot +bounce cold +wp-cow pte hot/m);
    expect(r.out).toMatch(/^Throughput \(projected;/m);
    // wp-cow at its best, each cell with the combination that made it.
    expect(r.out).toMatch(/^wp-cow at its best: the cheapest combination of --wp choices/m);
    expect(r.out.match(/^(4K PTEs|2M PMDs) +(hot|cold) +(0|100)% +((never|\d+[KM]) (today|(lazy|b2|fused)(,(lazy|b2|fused))*) *){2}$/gm)).toHaveLength(8);
    expect(r.out).toMatch(/^At its best across the 4 reference profiles \(1 thread, hot buffers, no violations\): 4K PTEs (from|never)/m);
    expect(r.out).toMatch(/^4M +\d+ \((cpu|bandwidth|iops|queue)\) +\d/m);
    // The range across the reference profiles, and the break-even unit costs by size.
    expect(r.out).toMatch(/^built-in +88\.6 +1,113 +never +from 128K$/m);
    expect(r.out).toMatch(/^Across the 4 reference profiles: 4K PTEs from 256K to never; 2M PMDs from 128K to 256K\.$/m);
    expect(r.out).toMatch(/^pte, the per-PTE cost \(.*\): built-in 88\.6, ref:epyc-vm 88\.6, ref:xeon-vm 9\.51, ref:milan-6\.16 16\.9, ref:milan-6\.17 42\.2\.$/m);
    expect(r.out).toMatch(/^flush, the per-operation fixed cost \(.*\): built-in 1,113, /m);
    expect(r.out.match(/^size +4K PTEs hot +4K PTEs cold +2M PMDs hot +2M PMDs cold +2 threads$/gm)).toHaveLength(2);
    expect(r.out).toMatch(/^4K +never +never +never +never +never$/m); // per PTE: at 4 KiB not even free PTEs make wp-cow cheaper
    expect(r.out).toMatch(/^4M +< [\d.,]+ +< [\d.,]+ +< [\d.,]+ +< [\d.,]+ +< [\d.,]+$/m); // per PTE: at 4 MiB, a cheap enough walk wins everywhere
  });
  it("--json has every cell and crossover, and the profile it used", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stable-dio-test-"));
    const file = join(dir, "p.json");
    writeFileSync(file, JSON.stringify({ ...builtinProfile(), name: "hand-made" }));
    const r = await cli("crossover", "--threads", "1", "--rates", "0", "--profile", file, "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.kind).toBe("crossover");
    expect(doc.profile.name).toBe("hand-made");
    expect(doc.cells).toHaveLength(11 * 2 * 2);
    expect(doc.crossovers).toHaveLength(2 * 2);
    // The four policies, and wp-cow under the other 7 combinations of restore x walk x batch (1, or the run's 2 I/Os in one call).
    expect(doc.counts.length).toBe(11 * 2 * (4 + 7));
    expect(doc.bestCrossovers).toHaveLength(2 * 2);
    for (const r of doc.references) expect(r.bestCrossovers).toHaveLength(2 * 2);
    for (const c of doc.cells) {
      expect(c.ns["wp-cow best"]).toBeLessThanOrEqual(c.ns["wp-cow"]);
      expect(c.bestWp).toMatch(/^((restore=lazy|batch=2|walk=fused)(,|$))*$/);
    }
  });
  it("bad arguments are one-line usage errors", async () => {
    for (const [argv, msg] of [
      [["crossover", "--rates", "2"], /^stable-dio: bad value '2' for --rates \(allowed: a number 0\.\.1\)\n$/],
      [["crossover", "--threads", "1,,4"], /^stable-dio: empty item 2 in --threads list '1,,4' \(allowed: .*\)\n$/],
      [["crossover", "--threads", "0"], /^stable-dio: bad value '0' for --threads/],
      [["crossover", "--profile", "/nonexistent/p.json"], /^stable-dio: cannot read profile \/nonexistent\/p\.json: ENOENT \(allowed: machine, builtin, ref:epyc-vm, .*, or a FILE from stable-dio calibrate\)\n$/],
    ] as const) {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });
});

describe("break-even unit costs", () => {
  const spec: GridSpec = {
    sizes: [4096, 65536, 256 << 10, 1 << 20, 4 << 20], threads: [1, 4], mappings: ["pte", "pmd"], caches: ["hot", "cold"], rates: [0, 0.1],
  };
  const costs = builtinProfile().costs;
  const g = runGrid(core, spec, costs);
  const all = breakEvens(g, costs);
  const counts = (policy: string, b: { size: number; threads: number; mapping: string }) =>
    g.counts.find((c) => c.policy === policy && c.size === b.size && c.threads === b.threads && c.mapping === b.mapping)!;
  const at = (policy: string, b: (typeof all)[number], u: number) =>
    project(mix(counts(policy, b), b.rate), withUnit(costs, b.unit, u), { cache: b.cache, stallWaitNs: DEFAULT_STALL_WAIT_NS }).perIoNs;

  it("one per point, unit, cache and rate", () => {
    expect(all).toHaveLength(5 * 2 * 2 * 2 * 2 * 2);
  });
  it("the projection is a straight line in each unit cost, so two points give it exactly", () => {
    const b = all.find((x) => x.size === 65536 && x.mapping === "pte" && x.unit === "pte" && x.cache === "cold" && x.rate === 0.1)!;
    const line = linearIn(mix(counts("wp-cow", b), 0.1), costs, "pte", "cold", DEFAULT_STALL_WAIT_NS);
    for (const u of [0, 3.7, 88.6, 1234.5]) expect(at("wp-cow", b, u)).toBeCloseTo(line.a + line.b * u, 6);
  });
  it("at the break-even value wp-cow and bounce project equal, below it wp-cow is cheaper, above it dearer", () => {
    const below = all.filter((b) => b.relation === "below");
    expect(below.length).toBeGreaterThan(20);
    for (const b of below) {
      const x = b.ns as number;
      expect(x).toBeGreaterThan(0);
      const [w, bo] = [at("wp-cow", b, x), at("bounce", b, x)];
      expect(Math.abs(w - bo) / bo, JSON.stringify(b)).toBeLessThan(1e-10); // equal to rounding
      expect(at("wp-cow", b, x * 0.9)).toBeLessThan(at("bounce", b, x * 0.9));
      expect(at("wp-cow", b, x * 1.1)).toBeGreaterThan(at("bounce", b, x * 1.1));
    }
  });
  it("never: wp-cow costs more than bounce even when the unit is free", () => {
    const never = all.filter((b) => b.relation === "never");
    expect(never.length).toBeGreaterThan(5);
    for (const b of never) expect(at("wp-cow", b, 0)).toBeGreaterThanOrEqual(at("bounce", b, 0));
  });
  it("agrees with the crossover: where wp-cow wins at the profile's own cost, the cost is below the break-even", () => {
    for (const b of all) {
      const own = unitValue(costs, b.unit);
      const wins = at("wp-cow", b, own) < at("bounce", b, own);
      expect(wins, JSON.stringify(b)).toBe(b.relation === "below" && own < (b.ns as number));
    }
  });
  it("solves every arrangement of two lines", () => {
    expect(solve({ a: 1, b: 2 }, { a: 5, b: 0 })).toEqual({ relation: "below", ns: 2 });
    expect(solve({ a: 6, b: 2 }, { a: 5, b: 0 })).toEqual({ relation: "never", ns: null });
    expect(solve({ a: 6, b: 0 }, { a: 5, b: 2 })).toEqual({ relation: "above", ns: 0.5 });
    expect(solve({ a: 4, b: 0 }, { a: 5, b: 2 })).toEqual({ relation: "always", ns: null });
    expect(solve({ a: 4, b: 1 }, { a: 5, b: 1 })).toEqual({ relation: "always", ns: null });
    expect(solve({ a: 5, b: 1 }, { a: 5, b: 1 })).toEqual({ relation: "never", ns: null });
  });
});

describe("the crossover across the reference profiles", () => {
  const refs = readReferences(packageFile("profiles"));
  const g = runGrid(core, { sizes: [4096, 65536, 256 << 10, 1 << 20, 4 << 20], threads: [1], mappings: ["pte"], caches: ["hot"], rates: [0] },
    builtinProfile().costs);
  const row = { threads: 1, mapping: "pte" as const, cache: "hot" as const, rate: 0 };
  it("projects the same counts with each profile's costs: a dearer walk crosses over no earlier", () => {
    const sizes = rowAcross(g, refs, row);
    expect(sizes).toHaveLength(4);
    // The Milan pair differs only in the walk: 6.17's dearer PTEs cross over no earlier.
    const [m16, m17] = [refs.findIndex((r) => r.name === "ref:milan-6.16"), refs.findIndex((r) => r.name === "ref:milan-6.17")];
    expect(sizes[m16] ?? Infinity).toBeLessThanOrEqual(sizes[m17] ?? Infinity);
  });
  it("formats the span", () => {
    expect(fmtSpan([262144, null, 65536], 4 << 20)).toBe("from 64K to never");
    expect(fmtSpan([131072, 262144], 4 << 20)).toBe("from 128K to 256K");
    expect(fmtSpan([131072, 131072], 4 << 20)).toBe("from 128K");
    expect(fmtSpan([null, null], 4 << 20)).toBe("never (up to 4M)");
  });
});
