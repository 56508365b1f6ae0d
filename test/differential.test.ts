// The Wasm core against the TypeScript reference model: the same seeded
// operation sequences through both, comparing every return code, error
// detail and counter after every step, then the scrub, invariants, process
// flags, frame states, warnings and the disk byte for byte.
// DIFF_SEQUENCES=N runs more (default 1200); DIFF_SEED=S starts elsewhere.
import { describe, expect, test } from "vitest";
import { loadWasmCoreSync } from "../src/core/wasm.js";
import { RefCore } from "../src/model/index.js";
import { differ } from "./support/differ.js";

const COUNT = Number(process.env.DIFF_SEQUENCES ?? 1200);
const START = Number(process.env.DIFF_SEED ?? 1);
const BATCHES = 4;

describe("Wasm core and reference model agree", () => {
  const per = Math.ceil(COUNT / BATCHES);
  for (let b = 0; b < BATCHES; b++) {
    const first = START + b * per;
    const last = Math.min(START + COUNT - 1, first + per - 1);
    test(`sequences ${first}..${last}`, () => {
      const wasm = loadWasmCoreSync();
      const model = new RefCore();
      const failures: string[] = [];
      for (let seed = first; seed <= last; seed++) {
        // Lengths vary so short sequences end in odd states and long ones build up.
        const d = differ(seed, 20 + (seed % 5) * 20, wasm, model);
        if (d) failures.push(`${d}  (replay: DIFF_SEED=${seed} DIFF_SEQUENCES=1)`);
        if (failures.length >= 5) break;
      }
      expect(failures).toEqual([]);
    });
  }
});
