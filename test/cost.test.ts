// The cost model on hand-made numbers: the decomposition of native figures
// into unit costs, each counter's term, the copy curve, the throughput
// projection, and profile files. Every expected number is worked by hand.
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtinProfile, EPYC_VM_FIGURES } from "../src/cost/builtin.js";
import { copyNs } from "../src/cost/copy.js";
import { ASSUMED_WALK_SHARE, decompose } from "../src/cost/decompose.js";
import { project, termTotals, TERMS } from "../src/cost/model.js";
import { profileProblem, readProfile, writeProfile, type UnitCosts } from "../src/cost/profile.js";
import { baseCpuUs, baseOf, DEFAULT_THROUGHPUT, throughput } from "../src/cost/throughput.js";

const FIGURES = {
  syscall: 100,
  "mprotect_pair.1": 3000,
  "mprotect_pair.16": 5100,
  "mprotect_pair.256": 29100,
  "mprotect_pair_vma.1": 2000,
  "mprotect_pair_remote.1.1": 23000,
  "mprotect_pair_remote.1.16": 25100,
  "mprotect_pair_remote.1.256": 53100,
  trap: 2500,
  user_cow: 6000,
  fault_zero_read: 500,
  fault_anon_write: 1700,
  fault_cow_fork: 3000,
  "memcpy_hot.4096": 200,
  "memcpy_hot.1048576": 40000,
  "memcpy_cold.4096": 1000,
  "memcpy_cold.1048576": 120000,
  "gup_vmsplice.1": 1000,
  "gup_vmsplice.16": 1750,
  wake_switch: 2000,
  // userfaultfd: the same walk with nothing to flush (again), and pairs, to split mprotect's fixed work.
  "uffd_wp_pair.1": 2000,
  "uffd_wp_pair.16": 3800,
  "uffd_wp_pair.256": 24200,
  "uffd_wp_again.1": 400,
};

describe("decompose: native figures -> unit costs", () => {
  const d = decompose(FIGURES, { csum_byte: 0.25 });
  const c = d.costs;
  it("gives the hand-worked unit costs", () => {
    expect(c.syscall).toBe(100);
    expect(c.pte).toBeCloseTo((29100 - 5100) / 240 / 2, 9); // 50: the pair's slope per page from 16 to 256 pages, two flips per pair
    expect(c.flush_page).toBeCloseTo((5100 - 3000) / 15 / 2 - 50, 9); // 20: what a page adds below 33 pages
    // One unsplit mprotect minus syscall and PTE is 830: the walk and the local flush. The flush is half a uffd
    // pair less a uffd protect of a protected page (syscall + walk, nothing flushed) less uffd's flush_page
    // ((3800 - 2000) / 15 / 2 - (24200 - 3800) / 240 / 2 = 60 - 42.5); the walk is the rest.
    expect(c.flush).toBeCloseTo(2000 / 2 - 400 - 17.5, 9); // 582.5
    expect(c.walk).toBeCloseTo(830 - 582.5, 9); // 247.5
    expect(c.vma).toBeCloseTo((3000 - 2000) / 2, 9); // 500: the split and merge, per call
    expect(c.ipi).toBeCloseTo(10000, 9); // (23000-3000)/2 and (25100-5100)/2, one remote CPU
    expect(c.ipi_full).toBeCloseTo(12000, 9); // (53100-29100)/2
    expect(c.fault).toBe(500);
    expect(c.signal).toBe(2000); // trap - fault
    expect(c.page_alloc).toBe(1000); // 1700 - 500 - 200 (zeroing = a hot 4 KiB copy)
    expect(c.pin).toBe(50); // (1750 - 1000) / 15
    expect(c.stall).toBe(3600); // 2 x 2000 - 4 x 100
    expect(c.csum_byte).toBe(0.25);
    expect(d.assumed).toEqual(["csum_byte"]);
    expect(c.copy_hot).toEqual([[4096, 200], [1048576, 40000]]);
  });
  it("cross-checks the figures it did not use", () => {
    const cow = d.checks.find((x) => x.name === "fault_cow_fork")!;
    expect(cow.predicted).toBeCloseTo(500 + 1000 + 200 + 50 + 20 + 582.5, 9); // a COW's local flush, no walk
    expect(cow.measured).toBe(3000);
    const ucow = d.checks.find((x) => x.name === "user_cow")!;
    expect(ucow.predicted).toBe(3000 + 2500 + 200);
  });
  it("without the uffd figures splits the walk from the flush by the assumed share, and says so", () => {
    const mprotectOnly = Object.fromEntries(Object.entries(FIGURES).filter(([k]) => !k.startsWith("uffd_")));
    const m = decompose(mprotectOnly, { csum_byte: 0.25 });
    expect(m.costs.walk).toBeCloseTo(830 * ASSUMED_WALK_SHARE, 9);
    expect(m.costs.flush).toBeCloseTo(830 * (1 - ASSUMED_WALK_SHARE), 9);
    expect(m.assumed).toEqual(["walk", "csum_byte"]);
  });
  it("a per-PTE slope at or below zero is noise, not a free PTE: the fallback's, marked assumed", () => {
    // A loaded machine timed the 16-page pair slower than the 256-page one.
    const noisy = decompose({ ...FIGURES, "mprotect_pair.16": 29200 }, { ...builtinProfile().costs, csum_byte: 0.25 });
    expect(noisy.costs.pte).toBe(builtinProfile().costs.pte);
    expect(noisy.assumed).toContain("pte");
    expect(decompose(FIGURES, { csum_byte: 0.25 }).assumed).not.toContain("pte");
  });
  it("takes what it cannot derive from the fallback, and says so", () => {
    const partial = decompose({ syscall: 100 }, builtinProfile().costs);
    expect(partial.assumed).toContain("ipi");
    expect(partial.assumed).not.toContain("syscall");
    expect(partial.costs.ipi).toBe(builtinProfile().costs.ipi);
    expect(() => decompose({}, {})).toThrow(/cannot give syscall/);
  });
});

describe("project: counters -> projected CPU", () => {
  const u: UnitCosts = decompose(FIGURES, { csum_byte: 0.25 }).costs;
  // Two 4 KiB wp-cow writes on 2 CPUs, one of them violated: protect + restore each (2 flips, 2 shootdowns),
  // one COW (1 flip, 1 shootdown); every shootdown flushes 2 CPUs (1 IPI).
  // Each protect and restore walks the table on its own (4 walks); the COW's flush has no walk.
  const counters = {
    writes: 2, bytes_written: 8192, pins: 2, pte_flips: 5, shootdowns: 5, tlb_flushes: 10, ipis: 5, faults: 1, cow_copies: 1,
    protected_ios: 2, csum_bytes: 8192, wp_walks: 4,
  };
  it("maps each counter to its term (kernel level)", () => {
    const t = termTotals(counters, u, { cache: "hot" });
    expect(t.pin).toBe(2 * 50);
    expect(t.pte).toBe(5 * 50);
    expect(t.flush_page).toBe(5 * 20); // 1 page per shootdown: flushed page by page
    expect(t.flush).toBe(5 * 582.5); // local flushes = tlb_flushes - ipis
    expect(t.walk).toBe(4 * 247.5);
    expect(t.ipi).toBe(5 * 10000);
    expect(t.fault).toBe(500);
    expect(t.page_copy).toBe(200); // one 4 KiB copy, hot
    expect(t.alloc).toBe(1000); // its page
    expect(t.csum).toBe(8192 * 0.25);
    expect(t.syscall).toBe(0);
    expect(t.signal).toBe(0);
    const p = project(counters, u, { cache: "hot" });
    const sum = 100 + 250 + 100 + 2912.5 + 990 + 50000 + 500 + 200 + 1000 + 2048;
    expect(p.perIoNs).toBeCloseTo(sum / 2, 9);
    expect(p.perGiBNs).toBeCloseTo((sum / 8192) * 2 ** 30, 3);
    expect(Object.keys(p.terms)).toEqual([...TERMS]);
  });
  it("a shootdown of more than 33 pages flushes whole: no per-page flush, the full-flush IPI", () => {
    const t = termTotals({ writes: 1, pte_flips: 512, shootdowns: 2, tlb_flushes: 4, ipis: 2 }, u, { cache: "hot" });
    expect(t.flush_page).toBe(0);
    expect(t.ipi).toBe(2 * 12000);
    expect(t.pte).toBe(512 * 50);
  });
  it("at user level charges mprotect calls and signals, and no pins or allocations", () => {
    const t = termTotals(counters, u, { cache: "cold", level: "user" });
    expect(t.pin).toBe(0);
    expect(t.alloc).toBe(0);
    expect(t.syscall).toBe((2 * 2 + 1) * (100 + 500)); // protect + restore per I/O, one per COW
    expect(t.signal).toBe(2000);
    expect(t.page_copy).toBe(1000); // cold
  });
  it("charges a bounce copy at the I/O's size, and a stall its CPU and its wait", () => {
    const b = termTotals({ writes: 4, bounce_ios: 4, bytes_bounced: 4 * 65536 }, u, { cache: "hot" });
    expect(b.bulk_copy).toBeCloseTo(4 * copyNs(65536, u.copy_hot), 9);
    expect(b.alloc).toBe(4 * 1000);
    const s = project({ writes: 2, stalls: 1 }, u, { cache: "hot", stallWaitNs: 7000 });
    expect(s.terms.stall).toBe(3600 / 2);
    expect(s.waitNs).toBe(3500);
  });
});

describe("copyNs", () => {
  const curve = [[4096, 100], [65536, 1000], [1048576, 30000]] as const;
  it("interpolates, scales below the first point and extrapolates past the last", () => {
    expect(copyNs(4096, curve)).toBe(100);
    expect(copyNs(2048, curve)).toBe(50);
    expect(copyNs((4096 + 65536) / 2, curve)).toBeCloseTo(550, 9);
    expect(copyNs(2 * 1048576, curve)).toBeCloseTo(30000 + (29000 / (1048576 - 65536)) * 1048576, 6);
    let last = 0;
    for (let b = 512; b <= 8 << 20; b *= 2) {
      const v = copyNs(b, curve);
      expect(v).toBeGreaterThan(last);
      last = v;
    }
  });
});

describe("throughput", () => {
  const p = { bandwidthMiBs: 1000, iops: 100000, qd: 4, cpus: 2, baseUs: 8, basePageNs: 0, latencyUs: 100 };
  it("is the lowest of the CPU, device and queue limits", () => {
    // CPU: 2e6/10 = 200k; bandwidth: 1000 MiB / 4 KiB = 256k; IOPS 100k; queue: 4e6/110 = 36.4k.
    const t = throughput(4096, 2, 0, p);
    expect(t.bound).toBe("queue");
    expect(t.iops).toBeCloseTo(4e6 / 110, 6);
    expect(t.cpuPercent).toBeCloseTo((100 * t.iops * 10) / 2e6, 9);
    expect(throughput(1 << 20, 2, 0, { ...p, qd: 1000 }).bound).toBe("bandwidth");
    expect(throughput(4096, 2, 0, { ...p, qd: 1000, cpus: 1 }).bound).toBe("cpu");
    expect(throughput(4096, 2, 0, { ...p, qd: 1000, cpus: 64 }).bound).toBe("iops");
  });
  it("charges a base per I/O and per 4 KiB page, from flags or a profile's measured base_cpu", () => {
    // 1 MiB = 256 pages at 125 ns: 8 + 32 us of base; with 2 us of policy, 42 us per I/O on 2 CPUs.
    const t = throughput(1 << 20, 2, 0, { ...p, basePageNs: 125, qd: 1000, bandwidthMiBs: 1e6 });
    expect(t.bound).toBe("cpu");
    expect(t.iops).toBeCloseTo(2e6 / 42, 6);
    expect(baseCpuUs(4096, { baseUs: 8, basePageNs: 125 })).toBeCloseTo(8.125, 12);
    expect(baseCpuUs(6000, { baseUs: 8, basePageNs: 125 })).toBeCloseTo(8.25, 12); // a part page is a page
    expect(baseCpuUs(4096, { baseUs: -1, basePageNs: 125 })).toBe(0); // a fit's negative intercept never makes it negative
    expect(baseOf(undefined)).toEqual({ baseUs: DEFAULT_THROUGHPUT.baseUs, basePageNs: DEFAULT_THROUGHPUT.basePageNs });
    expect(baseOf({ per_io_ns: 5590, per_page_ns: 125, points: [], source: "test", date: "2026-12-03" })).toEqual({ baseUs: 5.59, basePageNs: 125 });
  });
});

describe("profiles", () => {
  it("the built-in profile is complete, positive, and names its sources", () => {
    const b = builtinProfile();
    expect(profileProblem(b)).toBeUndefined();
    expect(b.name).toBe("built-in");
    expect(b.source).toMatch(/2-vCPU AMD EPYC VM \(Linux 6\.18\).*docs\/profiles\.md/);
    expect(b.measured["mprotect_pair.1"]).toBe(EPYC_VM_FIGURES["mprotect_pair.1"]);
    for (const k of ["syscall", "pte", "flush_page", "flush", "ipi", "ipi_full", "fault", "signal", "page_alloc", "pin", "stall"] as const)
      expect(b.costs[k]).toBeGreaterThan(0);
    expect(b.costs.walk).toBeGreaterThan(0);
    expect(b.costs.walk! + b.costs.flush).toBeCloseTo(EPYC_VM_FIGURES["mprotect_pair.1"] / 2 - b.costs.syscall - b.costs.pte - b.costs.flush_page, 9);
    expect([...b.assumed].sort()).toEqual(["csum_byte", "flush_page", "walk"]);
  });
  it("writes atomically and reads back; rejects malformed files with the reason", () => {
    const dir = mkdtempSync(join(tmpdir(), "stable-dio-test-"));
    const file = join(dir, "p.json");
    writeProfile(file, builtinProfile());
    expect(readProfile(file)).toEqual(builtinProfile());
    expect(readdirSync(dir)).toEqual(["p.json"]);
    writeFileSync(file, "{");
    expect(() => readProfile(file)).toThrow(/is not JSON/);
    writeFileSync(file, JSON.stringify({ ...builtinProfile(), costs: { ...builtinProfile().costs, pte: -1 } }));
    expect(() => readProfile(file)).toThrow(/costs\.pte must be a number >= 0/);
    expect(() => readProfile(join(dir, "missing.json"))).toThrow(/cannot read profile .*ENOENT/);
  });
  it("a profile written before the walk was priced apart reads, and prices a walk at 0 (it is in its flush)", () => {
    const dir = mkdtempSync(join(tmpdir(), "stable-dio-test-"));
    const file = join(dir, "old.json");
    const { walk, ...costs } = builtinProfile().costs;
    writeFileSync(file, JSON.stringify({ ...builtinProfile(), costs: { ...costs, flush: costs.flush + walk! } }));
    const old = readProfile(file);
    expect(old.costs.walk).toBeUndefined();
    expect(termTotals({ writes: 1, wp_walks: 2, shootdowns: 2, tlb_flushes: 2 }, old.costs, { cache: "hot" }).walk).toBe(0);
    writeFileSync(file, JSON.stringify({ ...builtinProfile(), costs: { ...costs, walk: -3 } }));
    expect(() => readProfile(file)).toThrow(/costs\.walk must be a number >= 0/);
  });
});
