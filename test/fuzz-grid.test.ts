// Fuzzing sweep grid files (docs/report.md, `stable-dio sweep --grid FILE`)
// through the command line: a small valid grid with fields set to wrong
// types or out-of-range values, deleted, renamed or added, and its text
// truncated, lines swapped, characters flipped, tokens replaced. The sweep
// ends with exit 0, or one line naming the file and the line (exit 2), never
// a stack trace. All cases share one journal directory, so a grid that was
// already swept resumes at once. FC_RUNS / FC_SEED / FC_PATH:
// test/support/fcenv.ts.
import { test } from "@fast-check/vitest";
import fc from "fast-check";
import { join } from "node:path";
import { describe } from "vitest";
import { cli, cliCwd } from "./support/cli.js";
import { fcParams } from "./support/fcenv.js";
import { expectClean } from "./support/fuzz/expect.js";
import { inputFile } from "./support/fuzz/files.js";
import { jsonMutationArb, mutateJson, mutateText, textMutationArb, type JsonMutation, type TextMutation } from "./support/fuzz/mutate.js";
import { wordArb } from "./support/fuzz/values.js";

const FILE = "test/fuzz-grid.test.ts";

const GRID = {
  workloads: ["racer", "db-writer"], policies: ["direct", "bounce"], sizes: ["4k", 8192], seeds: [1], device: "parity",
  stable: "auto", core: "wasm", params: { ios: 8 },
};
const FIELDS = [...Object.keys(GRID), "ios", "size", "threads", "workers"];
const WORDS = fc.oneof(fc.constantFrom("racer", "sub-page", "multithread", "wp-cow", "4k", "512", "1..2", "2..1", "pi", "never", "model", "ios", "16"), wordArb);

async function sweep(text: string): Promise<void> {
  const file = inputFile("grid", ".json", text);
  const r = await cli("sweep", "--grid", file, "--workers", "1", "--no-report", "-o", join(cliCwd(), "grid-sweep"));
  expectClean(r, { file, line: true, input: text, flagErrors: /^stable-dio: no point of the grid can run \(/ });
}

describe("sweep grid files", () => {
  type Structural = [JsonMutation[]];
  const structural = "fields set to wrong types or out-of-range values, deleted, renamed, added";
  test.prop<Structural>([fc.array(jsonMutationArb(FIELDS, WORDS), { minLength: 1, maxLength: 3 })], fcParams<Structural>(structural, FILE, 120, 0x6a1d_0001))(
    structural,
    async (ms) => sweep(mutateJson(GRID, ms)),
    600_000,
  );

  type Textual = [TextMutation[]];
  const textual = "text truncated, lines swapped, characters flipped, tokens replaced";
  test.prop<Textual>([fc.array(textMutationArb(WORDS), { minLength: 1, maxLength: 3 })], fcParams<Textual>(textual, FILE, 80, 0x6a1d_0002))(
    textual,
    async (ms) => sweep(mutateText(JSON.stringify(GRID, null, 2), ms)),
    600_000,
  );
});
