// docs/architecture.md's "Adding a policy", held to what it says: every Policy
// id of assembly/abi.ts has its entry in both cores' policy module (each core
// takes it and submits under it), a name and one line in src/shared/names.ts,
// its row in docs/model.md section 5 and its number in docs/abi.md.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Counter, Key, MapFlag, Op, Policy, Stable } from "../assembly/abi.js";
import { packageFile } from "../src/core/paths.js";
import { loadWasmCoreSync } from "../src/core/wasm.js";
import { POLICIES } from "../src/shared/names.js";
import { RefCore } from "../src/model/index.js";
import type { Core } from "../src/core/core.js";

const ids = Array.from({ length: Policy.COUNT }, (_, p) => p);
const named = (p: number) => POLICIES.filter((n) => n.value === p);

/** One 4 KiB write under `policy` (stable pages always needed): the mode counters, or the error. */
function oneWrite(core: Core, policy: number): number[] | string {
  for (const [k, v] of [[Key.POLICY, policy], [Key.STABLE, Stable.ALWAYS], [Key.DISK_BLOCKS, 64], [Key.MAX_FRAMES, 512]]) {
    if (core.set(k, v) !== 0) return `sd_set(${k}, ${v})`;
  }
  core.reset();
  const pid = core.procCreate(0);
  const tid = core.threadCreate(pid, 0);
  core.map(pid, 0x10_0000, 4096, MapFlag.WRITE);
  core.store(tid, 0x10_0000, 4096, 1);
  const io = core.submit(tid, Op.WRITE, 0x10_0000, 4096, 0, 0);
  if (io < 0 || core.complete(io) !== 0) return `submit ${io}`;
  return [Counter.DIRECT_IOS, Counter.BOUNCE_IOS, Counter.PROTECTED_IOS, Counter.VERIFY_IOS].map((c) => core.counter(c));
}

describe("every policy is one entry in each core, a name, a line and its docs", () => {
  const modelMd = readFileSync(packageFile("docs", "model.md"), "utf8");
  const abiMd = readFileSync(packageFile("docs", "abi.md"), "utf8");
  const abiRow = /^\| `Policy` \| (.*) \|$/m.exec(abiMd)?.[1] ?? "";
  const section5 = modelMd.slice(modelMd.indexOf("## 5."), modelMd.indexOf("## 6."));

  for (const p of ids) {
    test(`${Policy[p]}`, () => {
      const n = named(p);
      expect(n, "one entry in src/shared/names.ts POLICIES").toHaveLength(1);
      expect(n[0].summary).toMatch(/^[^\n]{10,120}$/);
      expect(section5, "a row in docs/model.md section 5").toMatch(new RegExp(`^\\| (.*, )?${n[0].id}(, .*)? \\|`, "m"));
      expect(abiRow, "its number in docs/abi.md's Policy row").toMatch(new RegExp(`(^|, )${p} ${n[0].id}\\b`));
      const wasm = oneWrite(loadWasmCoreSync({ debug: true }), p);
      const model = oneWrite(new RefCore(), p);
      expect(Array.isArray(wasm) && wasm.reduce((a, b) => a + b, 0), `the Wasm core submits under it: ${wasm}`).toBe(1);
      expect(model, "the model submits under it as the Wasm core does").toEqual(wasm);
    });
  }

  test("no name for an id abi.ts does not have", () => {
    expect(POLICIES.map((n) => n.value).sort((a, b) => a - b)).toEqual(ids);
  });
});
