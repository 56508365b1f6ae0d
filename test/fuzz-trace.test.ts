// Fuzzing operation traces (docs/trace.md) through the command line,
// `stable-dio replay FILE`: recorded traces of several workloads and
// policies with lines deleted, duplicated, swapped or truncated, characters
// flipped, words replaced (by other ops, keys, counters, numbers at and past
// every range, garbage), lines of garbage inserted; and made-up text. The
// replay ends with exit 0, exit 1 with the documented mismatch line, or one
// line naming the file and the line (exit 2), never with a stack trace. A
// quarter of the cases replay on the Wasm core, the rest on the reference model
// (the reader is the same; the model starts in milliseconds, a Wasm instance
// in tens of them; test/abi-fuzz.test.ts fuzzes the core's calls).
// FC_RUNS / FC_SEED / FC_PATH: test/support/fcenv.ts.
import { test } from "@fast-check/vitest";
import fc from "fast-check";
import { beforeAll, describe } from "vitest";
import { COUNTER_NAMES } from "../src/shared/names.js";
import { KEY_NAMES, LINE_WORDS } from "../src/trace/format.js";
import { cli } from "./support/cli.js";
import { fcParams } from "./support/fcenv.js";
import { expectClean } from "./support/fuzz/expect.js";
import { inputFile } from "./support/fuzz/files.js";
import { mutateText, textMutationArb, type TextMutation } from "./support/fuzz/mutate.js";
import { wordArb } from "./support/fuzz/values.js";
import { recordTrace } from "./support/traces.js";

const FILE = "test/fuzz-trace.test.ts";

/** Short recordings: forks, huge pages, sub-page buffers, reads, a stalling policy. */
const RECORDINGS = [
  ["-w", "racer", "-p", "wp-cow", "-P", "ios=12"],
  ["-w", "fork-during-io", "-p", "wp-cow-degrade", "-P", "ios=12,forks=2"],
  ["-w", "huge-pages", "-p", "wp-cow", "-P", "ios=12,p=0.5"],
  ["-w", "sub-page", "-p", "wp-wait", "-P", "ios=12"],
  ["-w", "direct-reader", "-p", "verify", "-P", "ios=12,p=0.5"],
];

let bases: string[] = [];
beforeAll(async () => {
  bases = await Promise.all(RECORDINGS.map((args) => recordTrace({ args })));
}, 120_000);

const tokenArb = fc.oneof(
  fc.constantFrom(...LINE_WORDS, ...KEY_NAMES, ...COUNTER_NAMES, "stable-dio-trace", "0x10000000", "0xffffffff", "0x100000000", "4096", "2097152"),
  wordArb,
);

async function replay(text: string, model: boolean): Promise<void> {
  const file = inputFile("t", ".trace", text);
  const r = await cli("replay", file, ...(model ? ["--core", "model"] : []));
  expectClean(r, { file, line: true, input: text, exit1: new RegExp(`^stable-dio: ${file}: the replay differs from the recording: `) });
}

describe("traces", () => {
  type Mutated = [number, TextMutation[], boolean];
  const mutated = "recorded traces with lines deleted, duplicated, swapped, truncated, words replaced, garbage inserted";
  test.prop<Mutated>(
    [fc.nat(RECORDINGS.length - 1), fc.array(textMutationArb(tokenArb), { minLength: 1, maxLength: 4 }), fc.nat(3).map((n) => n > 0)],
    fcParams<Mutated>(mutated, FILE, 80, 0x7ace_0001),
  )(mutated, async (b, ms, model) => replay(mutateText(bases[b], ms), model), 600_000);

  const random = "made-up lines of ops, keys and numbers";
  const line = fc.oneof(
    fc.string({ maxLength: 30, unit: "binary" }),
    fc.tuple(fc.constantFrom(...LINE_WORDS), fc.array(fc.oneof(tokenArb, fc.nat().map(String)), { maxLength: 6 })).map(([w, a]) => [w, ...a].join(" ")),
  );
  // Half of them after a recording's header, configuration and reset, so the ops reach the core.
  const configured = () => bases[0].slice(0, bases[0].indexOf("\nreset\n") + "\nreset".length).split("\n");
  type Random = [string[], boolean, boolean];
  test.prop<Random>(
    [fc.array(line, { maxLength: 20 }), fc.boolean(), fc.nat(3).map((n) => n > 0)],
    fcParams<Random>(random, FILE, 40, 0x7ace_0002),
  )(random, async (lines, config, model) => replay([...(config ? configured() : ["stable-dio-trace 1"]), ...lines].join("\n"), model), 600_000);
});
