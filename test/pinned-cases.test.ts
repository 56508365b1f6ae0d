// The pinned-page cases page tables stop none of, as the example workload files
// ship them: every policy on both cores gives the same counters, and the
// results are what the kernel would give, as each file's note says.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Policy } from "../assembly/abi.js";
import { loadWasmCoreSync } from "../src/core/wasm.js";
import { runWorkload } from "../src/host/driver.js";
import type { RunResult } from "../src/host/result.js";
import { RefCore } from "../src/model/index.js";
import { parseWorkload } from "../src/workloads/load.js";
import type { Workload } from "../src/workloads/types.js";

const POLICIES = [
  Policy.DIRECT, Policy.BOUNCE, Policy.WP_COW, Policy.WP_COW_DEGRADE, Policy.WP_WAIT, Policy.OPT_OUT, Policy.OPT_OUT_INVERSE,
  Policy.VERIFY,
];

function runAll(file: string, params: Record<string, number>): Map<Policy, RunResult> {
  const w: Workload = parseWorkload(readFileSync(file, "utf8"), file);
  const out = new Map<Policy, RunResult>();
  for (const policy of POLICIES) {
    const wasm = runWorkload(loadWasmCoreSync(), { workload: w, policy, seed: 1, params });
    const model = runWorkload(new RefCore(), { workload: w, policy, seed: 1, params });
    expect(model.counters, `${file} policy ${policy}`).toEqual(wasm.counters);
    expect(wasm.balance.ok, `${file} policy ${policy}: ${wasm.balance.problems.join("; ")}`).toBe(true);
    out.set(policy, wasm);
  }
  return out;
}

const corrupt = (r: Map<Policy, RunResult>, p: Policy) => r.get(p)!.counters.corruptions;

describe("the example workloads of the pinned-page cases, every policy, both cores", () => {
  it("shared-buffers: a read in a writer's buffer; GUP's write fault catches a read after the write, nothing catches the other order", () => {
    const r = runAll("examples/workloads/shared-buffers.json", { ios: 256 });
    expect(corrupt(r, Policy.DIRECT)).toBeGreaterThan(0);
    expect(corrupt(r, Policy.BOUNCE)).toBe(0);
    for (const p of [Policy.WP_COW, Policy.WP_WAIT]) {
      expect(r.get(p)!.counters.gup_write_faults).toBeGreaterThan(0);
      expect(corrupt(r, p)).toBeGreaterThan(0); // a read in flight when the write is submitted
      expect(corrupt(r, p)).toBeLessThan(corrupt(r, Policy.DIRECT));
    }
    expect(r.get(Policy.WP_COW)!.counters.lost_reads).toBeGreaterThan(0); // the writer's fill copies a read's page
    expect(r.get(Policy.WP_WAIT)!.counters.stalls).toBeGreaterThan(0);
    expect(r.get(Policy.DIRECT)!.counters.gup_write_faults).toBe(0);
  });

  it("shm-alias: one segment in two unrelated processes; the rmap write-protects both, so the other's stores wait", () => {
    const r = runAll("examples/workloads/shm-alias.json", { ios: 256 });
    expect(corrupt(r, Policy.DIRECT)).toBeGreaterThan(0);
    for (const p of [Policy.BOUNCE, Policy.WP_COW, Policy.WP_COW_DEGRADE, Policy.WP_WAIT, Policy.VERIFY]) expect(corrupt(r, p)).toBe(0);
    const cow = r.get(Policy.WP_COW)!.counters;
    expect(cow.shared_waits).toBeGreaterThan(0); // a MAP_SHARED page cannot be copied
    expect(cow.shared_waits).toBe(cow.stalls);
    expect(cow.cow_copies).toBe(0);
    expect(cow.ipis).toBeGreaterThan(0); // the other process's CPU, reached through the rmap
  });

  it("aio-ring: completion events land in ring pages a write is in flight from; no fault, whatever the policy", () => {
    const r = runAll("examples/workloads/aio-ring.json", { ios: 256 });
    const bad = corrupt(r, Policy.DIRECT);
    expect(bad).toBeGreaterThan(0);
    for (const p of [Policy.WP_COW, Policy.WP_COW_DEGRADE, Policy.WP_WAIT]) {
      expect(corrupt(r, p)).toBe(bad); // the same stores land: page tables stop none of them
      expect(r.get(p)!.counters.faults).toBe(0);
    }
    expect(r.get(Policy.WP_COW)!.counters.kernel_stores_inflight).toBeGreaterThan(0);
    expect(corrupt(r, Policy.BOUNCE)).toBe(0);
    expect(r.get(Policy.BOUNCE)!.counters.kernel_stores_inflight).toBe(0); // no write pins the ring's pages
    expect(corrupt(r, Policy.VERIFY)).toBe(0); // the buffered rewrite repairs fs-csum
    // io_uring's CQ ring: the same case.
    const text = readFileSync("examples/workloads/aio-ring.json", "utf8").replace('"ring": "aio"', '"ring": "io_uring"');
    const uring = runWorkload(loadWasmCoreSync(), { workload: parseWorkload(text, "uring.json"), policy: Policy.WP_COW, seed: 1, params: { ios: 256 } });
    expect(uring.counters.corruptions).toBeGreaterThan(0);
    expect(uring.counters.kernel_stores).toBe(2 * uring.counters.completions);
  });
});
