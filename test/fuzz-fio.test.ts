// Fuzzing fio job files (docs/fio.md) through the command line,
// `stable-dio run --fio FILE`: the shipped examples and a job using every
// option stable-dio reads, their lines deleted, duplicated, swapped or
// truncated, characters flipped, option names and values replaced by others
// (of fio, of stable-dio, out of range, garbage); and made-up text. Whatever
// the file, the run ends with exit 0 or one line naming the file and the line
// (exit 2), never a stack trace. Sizes are cut so a job that still runs runs
// quickly. FC_RUNS / FC_SEED / FC_PATH: test/support/fcenv.ts.
import { test } from "@fast-check/vitest";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IGNORED, SUPPORTED } from "../src/fio/options.js";
import { cli } from "./support/cli.js";
import { fcParams } from "./support/fcenv.js";
import { expectClean } from "./support/fuzz/expect.js";
import { inputFile, packageText } from "./support/fuzz/files.js";
import { mutateText, textMutationArb, type TextMutation } from "./support/fuzz/mutate.js";
import { wordArb } from "./support/fuzz/values.js";

const FILE = "test/fuzz-fio.test.ts";

/** Every option stable-dio reads, with a value it takes (docs/fio.md). */
const EVERY_OPTION = `; every option stable-dio reads
[global]
direct=1
kb_base=1024
thread
[mixed]
name=mixed-job
rw=randrw
rwmixwrite=30
bsrange=4k-16k,8k-32k
iodepth=4
numjobs=2
size=256k
io_size=128k
number_ios=40
loops=2
offset=4k
nrfiles=2
mem=mmap
mem_align=4096
sd_device=parity
sd_flags=unsafe,kernel
sd_promise=1
sd_modify=0.1 ; per I/O
sd_modify_when=before-dma
sd_modify_bytes=range
sd_modify_max=8k
sd_modify_by=thread
[reader]
readwrite=read
blocksize=8k
iomem=shm
iomem_align=512
buffered=1
size=64k
`;

/** The examples with their sizes cut to a few hundred KiB, and the job above. */
const BASES = [
  ...["randwrite", "qemu-guest", "shared-pool"].map((n) => packageText("examples", "fio", `${n}.fio`).replace(/^size=\d+m$/m, "size=256k")),
  EVERY_OPTION,
];

const NAMES = [...SUPPORTED, ...IGNORED, "include", "global"];
const VALUES = [...new Set(BASES.join("\n").match(/=[^\s;#]+/g)!.map((v) => v.slice(1)))];
const tokenArb = fc.oneof(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES), wordArb);

async function runJob(text: string, json: boolean): Promise<void> {
  const file = inputFile("job", ".fio", text);
  const r = await cli("run", "--fio", file, "-p", "wp-cow", ...(json ? ["--json"] : []));
  expectClean(r, { file, line: true, json, input: text });
}

describe("fio job files", () => {
  it("the starting points run", async () => {
    for (const text of BASES) {
      const r = await cli("run", "--fio", inputFile("base", ".fio", text), "-p", "wp-cow");
      expect(r.code, r.err).toBe(0);
    }
  });

  type Mutated = [number, TextMutation[], boolean];
  const mutated = "lines deleted, duplicated, swapped, truncated; characters flipped; names and values replaced";
  test.prop<Mutated>(
    [fc.nat(BASES.length - 1), fc.array(textMutationArb(tokenArb), { minLength: 1, maxLength: 3 }), fc.boolean()],
    fcParams<Mutated>(mutated, FILE, 70, 0xf10_0001),
  )(mutated, async (b, ms, json) => runJob(mutateText(BASES[b], ms), json), 600_000);

  const random = "made-up text, sections and options";
  const line = fc.oneof(
    fc.string({ maxLength: 30, unit: "binary" }),
    fc.tuple(fc.constantFrom(...NAMES), wordArb).map(([n, v]) => `${n}=${v}`),
    fc.constantFrom("[global]", "[job]", "[", "[]", "thread", "size=64k"),
  );
  test.prop<[string[]]>([fc.array(line, { maxLength: 12 })], fcParams<[string[]]>(random, FILE, 40, 0xf10_0002))(
    random,
    async (lines) => runJob(lines.join("\n"), false),
    600_000,
  );
});
