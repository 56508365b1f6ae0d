// The core under a host that refuses to grow its memory (a child Node with
// --wasm-max-mem-pages, as an embedder with a memory limit): a run that needs
// more frames than memory allows fails with NOMEM, detail = the frames the
// call needed, and changes nothing; a reset whose configuration does not fit
// fails with NOMEM, after which every call answers cleanly (NOT_READY where
// it needs a reset) and a reset that fits recovers. Both builds.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Err } from "../assembly/abi.js";
import { wasmPath } from "../src/core/wasm.js";
import { RANDOM_CALLS, callArb } from "./support/abi/fuzz.js";
import { BUILDS, isCleanResult } from "./support/abi/raw.js";

const CHILD = fileURLToPath(new URL("./support/abi/capped.child.mjs", import.meta.url));

function child(pages: number, build: (typeof BUILDS)[number], scenario: string, arg?: string): Record<string, unknown> {
  const args = [`--wasm-max-mem-pages=${pages}`, CHILD, wasmPath(build === "debug"), scenario, ...(arg ? [arg] : [])];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`child ${scenario} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Exports that answer without a successful reset (configuration, constants, the last detail). */
const UNGUARDED = new Set(["sd_abi_version", "sd_set", "sd_get", "sd_err_detail", "sd_staging", "sd_staging_size"]);

const calls = fc.sample(fc.array(callArb(RANDOM_CALLS), { minLength: 300, maxLength: 300 }), { numRuns: 1, seed: Number(process.env.FC_SEED ?? 0xcab) | 0 })[0];

for (const build of BUILDS) {
  describe(build, () => {
    test("frames up to the memory limit: NOMEM with the frames needed, nothing changed, then it recovers", () => {
      // 192 MiB of memory; each 4 MiB bounced read needs 1024 demand-faulted frames and 1024 bounce frames.
      const r = child(3072, build, "memory-wall") as {
        reset: number; map: number; submitted: number; completes: number; again: number; checkAgain: number;
        failed: { r: number; detail: number; unchanged: boolean; check: number };
        after: { check: number; pinned: number; bounce: number };
      };
      expect([r.reset, r.map]).toEqual([0, 0]);
      expect(r.submitted).toBeGreaterThan(0);
      expect(r.failed).toMatchObject({ r: -Err.NOMEM, detail: 2048, unchanged: true, check: 0 });
      expect(r.completes).toBe(0);
      expect(r.after).toEqual({ check: 0, pinned: 0, bounce: 0 });
      expect(r.again).toBe(r.submitted + 1);
      expect(r.checkAgain).toBe(0);
    });

    test("after a reset that does not fit memory, every export answers cleanly; a reset that fits recovers", () => {
      const plan = calls.map((c) => [c.spec.name, c.args.map((a) => (Number.isNaN(a) ? 0 : a))]);
      const r = child(2048, build, "failed-reset", JSON.stringify(plan)) as {
        set: number[]; reset: number; results: Array<[string, number[], number | string]>; recover: number[];
      };
      expect(r.set).toEqual([0, 0]);
      expect(r.reset).toBe(-Err.NOMEM);
      for (const [name, args, got] of r.results) {
        const where = `${name}(${args.join(", ")}) -> ${got}`;
        expect(typeof got, where).toBe("number");
        if (UNGUARDED.has(name)) {
          if (name !== "sd_err_detail" && name !== "sd_staging") expect(isCleanResult(got as number), where).toBe(true);
        } else expect(got, where).toBe(-Err.NOT_READY);
      }
      expect(r.recover).toEqual([0, 0, 0, 1, 0]);
    });
  });
}
