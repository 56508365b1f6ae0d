// Fuzzing the raw Wasm ABI (build/release.wasm and build/debug.wasm, through
// WebAssembly directly): random and edge arguments to every sd_* export from
// a world with processes, mappings and I/Os in every state. No call may throw
// into the host; each returns a value or a clear -Err; sd_check stays 0; a
// rejected call changes nothing. The calls the reference model also has must
// agree with it. test/support/abi/ holds the export table, the argument
// arbitraries and the checks; FC_RUNS / FC_SEED / FC_PATH: test/support/fcenv.ts.
import { test } from "@fast-check/vitest";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { EXPORTS } from "./support/abi/exports.js";
import { CORE_CALLS, RANDOM_CALLS, callArb, fuzzCase, type Call } from "./support/abi/fuzz.js";
import { BUILDS, wasmModule } from "./support/abi/raw.js";
import { fuzzConfigArb, type FuzzConfig } from "./support/abi/world.js";
import { fcParams } from "./support/fcenv.js";

const FILE = "test/abi-fuzz.test.ts";
type Case = [FuzzConfig, Call[]];

describe("the export table covers the module", () => {
  for (const build of BUILDS) {
    test(`${build}: every sd_* export is fuzzed`, () => {
      const names = WebAssembly.Module.exports(wasmModule(build)).filter((e) => e.kind === "function").map((e) => e.name);
      expect(names.sort()).toEqual(EXPORTS.map((s) => s.name).sort());
    });
  }
});

BUILDS.forEach((build, i) => {
  const core = `${build}: core calls agree with the model under wild arguments`;
  test.prop<Case>([fuzzConfigArb, fc.array(callArb(CORE_CALLS), { minLength: 1, maxLength: 25 })], fcParams<Case>(core, FILE, 1500, 0xab1_0001 + i))(
    core,
    (cfg, calls) => fuzzCase(build, cfg, calls, true),
    600_000,
  );
  const all = `${build}: every export, benchmark loops included, stays consistent`;
  test.prop<Case>([fuzzConfigArb, fc.array(callArb(RANDOM_CALLS), { minLength: 1, maxLength: 25 })], fcParams<Case>(all, FILE, 700, 0xab1_0011 + i))(
    all,
    (cfg, calls) => fuzzCase(build, cfg, calls, false),
    600_000,
  );
});
