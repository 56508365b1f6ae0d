// Fuzzing workload files (docs/workloads.md) through the command line,
// `stable-dio run --workload FILE`: the built-in files with fields set to
// values of the wrong type or out of range, deleted, renamed or added; their
// text truncated, lines deleted, duplicated or swapped, characters flipped,
// tokens replaced; and documents made up from nothing. Whatever the file, the
// run ends with exit 0 or one line naming the file and the line (exit 2),
// never a stack trace. The built-ins do 16 I/Os here, under one policy, so a
// mutant that still runs runs quickly. FC_RUNS / FC_SEED / FC_PATH:
// test/support/fcenv.ts.
import { test } from "@fast-check/vitest";
import fc from "fast-check";
import { describe } from "vitest";
import { BUILTIN_IDS } from "../src/workloads/index.js";
import { cli } from "./support/cli.js";
import { fcParams } from "./support/fcenv.js";
import { expectClean } from "./support/fuzz/expect.js";
import { inputFile, smallBuiltin } from "./support/fuzz/files.js";
import { wordArb } from "./support/fuzz/values.js";
import { jsonMutationArb, mutateJson, mutateText, textMutationArb, type JsonMutation, type TextMutation } from "./support/fuzz/mutate.js";

const FILE = "test/fuzz-workload.test.ts";

const BASES = BUILTIN_IDS.map((id) => smallBuiltin(id));
const baseArb = fc.nat(BASES.length - 1);

/** Every field name of the format, so fields land where they do not belong. */
const FIELDS = [...new Set(JSON.stringify(BASES).match(/"([A-Za-z$]+)":/g)!.map((k) => k.slice(1, -2)))];
/** Every string the built-ins hold (sizes, "$param"s, names, enum values), and the value pool's words. */
const STRINGS = fc.oneof(fc.constantFrom(...new Set(JSON.stringify(BASES).match(/"[^"]{1,20}"(?!:)/g)!.map((w) => w.slice(1, -1)))), wordArb);

async function runFile(text: string, json: boolean): Promise<void> {
  const file = inputFile("w", ".json", text);
  const r = await cli("run", "--workload", file, "-p", "direct", ...(json ? ["--json"] : []));
  expectClean(r, { file, line: true, json, input: text });
}

describe("workload files", () => {
  type Structural = [number, JsonMutation[], boolean];
  const structural = "fields of a built-in set to wrong types or out-of-range values, deleted, renamed, added";
  test.prop<Structural>(
    [baseArb, fc.array(jsonMutationArb(FIELDS, STRINGS), { minLength: 1, maxLength: 3 }), fc.boolean()],
    fcParams<Structural>(structural, FILE, 90, 0x600d_0001),
  )(structural, async (b, ms, json) => runFile(mutateJson(BASES[b], ms), json), 600_000);

  type Textual = [number, TextMutation[], boolean];
  const textual = "a built-in's text truncated, lines deleted, duplicated or swapped, characters flipped, tokens replaced";
  test.prop<Textual>(
    [baseArb, fc.array(textMutationArb(), { minLength: 1, maxLength: 3 }), fc.boolean()],
    fcParams<Textual>(textual, FILE, 80, 0x600d_0002),
  )(textual, async (b, ms, json) => runFile(mutateText(JSON.stringify(BASES[b], null, 2), ms), json), 600_000);

  const random = "made-up documents and bytes";
  test.prop<[string]>(
    [fc.oneof(fc.string({ maxLength: 200, unit: "binary" }), fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v, null, 1)))],
    fcParams<[string]>(random, FILE, 40, 0x600d_0003),
  )(random, async (text) => runFile(text, false), 600_000);
});
