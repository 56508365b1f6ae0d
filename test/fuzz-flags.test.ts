// Fuzzing the flags of every command, in process through main(): each
// command starts from a valid, cheap command line; the property drops some of
// its flags and adds others, its own with values from their pools (valid,
// out of range, empty, negative, huge, NaN, unicode, files that are not
// files), other commands' flags, unknown ones, bare words. Whatever the
// command line, the exit code is 0 or 2, an exit 2 is one line on stderr
// (`stable-dio: ...`) and nothing on stdout, --json output parses, and
// nothing is a stack trace, and no temporary file of the atomic writer is
// left behind. Output paths stay in a temporary directory;
// calibrate finds no compiler (the built-in profile, written at once).
// FC_RUNS / FC_SEED / FC_PATH: test/support/fcenv.ts.
import { test } from "@fast-check/vitest";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { cli, cliCwd } from "./support/cli.js";
import { fcParams } from "./support/fcenv.js";
import { expectClean } from "./support/fuzz/expect.js";
import { inputDir, leftovers } from "./support/fuzz/files.js";
import { argvOf, commands, inputFiles, itemArb, type Item } from "./support/fuzz/flags.js";

const FILE = "test/fuzz-flags.test.ts";
const CMDS = commands(inputFiles());
/** How often each command is drawn: the cheap ones more. */
const WEIGHTS: Record<string, number> = { "": 3, run: 3, bench: 2, calibrate: 2, crossover: 2, record: 2, replay: 3, report: 1, sweep: 1, "wasi-path": 1 };

const savedCc = process.env.STABLE_DIO_CC;
beforeAll(() => void (process.env.STABLE_DIO_CC = "/nonexistent/stable-dio-fuzz-cc"));
afterAll(() => {
  if (savedCc === undefined) delete process.env.STABLE_DIO_CC;
  else process.env.STABLE_DIO_CC = savedCc;
});

const commandArb = fc.oneof(...CMDS.map((c, i) => ({ weight: WEIGHTS[c.name], arbitrary: fc.constant(i) })));

describe("command-line flags", () => {
  type Case = [number, Item[]];
  const name = "every command, its flags dropped, replaced and added, with wild values";
  test.prop<Case>([commandArb, fc.array(itemArb, { minLength: 1, maxLength: 4 })], fcParams<Case>(name, FILE, 110, 0xf1a9_0001))(
    name,
    async (c, items) => {
      const argv = argvOf(CMDS[c], items, CMDS);
      const r = await cli(...argv);
      const help = argv.some((a) => a === "--help" || a === "-h");
      expectClean(r, { input: argv.join(" "), json: argv.includes("--json") && !help });
      expect(leftovers(cliCwd(), inputDir())).toEqual([]);
    },
    600_000,
  );
});
