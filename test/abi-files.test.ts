// The ABI's numbers for other languages (scripts/gen-abi.js, run by the build):
// build/abi.json and build/include/stable-dio/abi.h hold every export of
// assembly/abi.ts and nothing else, the system C compiler reads each value from
// the header as abi.ts has it, the generator writes what abi.ts exports (no
// list of its own) and stops at what it cannot write, and docs/abi.md's C
// example compiles against the header.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import * as abi from "../assembly/abi.js";

const path = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const GEN = path("scripts/gen-abi.js");
const INCLUDE = path("build/include");
const WASMTIME = path("test/support/wasmtime");
const CC = process.env.CC ?? "cc";

const tmp = mkdtempSync(join(tmpdir(), "stable-dio-abi-files-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Tree = { [name: string]: number | Tree };

/**
 * An export as JSON would hold it: a number, or an enum's or namespace's members (not a numeric enum's reverse
 * names, which are strings; not functions, which are code).
 */
function data(value: unknown): number | Tree {
  if (typeof value === "number") return value;
  return Object.fromEntries(Object.entries(value as object)
    .filter(([, v]) => typeof v !== "string" && typeof v !== "function").map(([k, v]) => [k, data(v)]));
}

const EXPECTED = data(abi) as Tree;

/** The C name of every number: SD_ + upper snake case of each name on its path ("KeyMin", "CPUS" -> SD_KEY_MIN_CPUS). */
const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z])([A-Z][a-z])/g, "$1_$2").toUpperCase();
function cNames(tree: Tree, prefix = "SD"): Array<[string, number]> {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === "number" ? [[`${prefix}_${snake(k)}`, v] as [string, number]] : cNames(v, `${prefix}_${snake(k)}`)));
}

function cc(args: string[], input?: string) {
  const r = spawnSync(CC, args, { encoding: "utf8", input, timeout: 60_000 });
  if (r.error) throw new Error(`${CC}: ${r.error.message} (the tests need a C compiler: cc, or set CC)`);
  return r;
}

/** docs/abi.md's C example, as printed on the page. */
function cExample(): string {
  const doc = readFileSync(path("docs/abi.md"), "utf8");
  const section = doc.slice(doc.indexOf("## C, through wasmtime"));
  const m = /```c\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error("docs/abi.md: no ```c block under '## C, through wasmtime'");
  return m[1];
}

describe("build/abi.json", () => {
  const json = JSON.parse(readFileSync(path("build/abi.json"), "utf8")) as Tree;

  it("holds every export of assembly/abi.ts with its value, and nothing else", () => {
    expect(json).toEqual(EXPECTED);
    expect(Object.keys(EXPECTED)).toEqual(expect.arrayContaining(["ABI_VERSION", "Key", "Policy", "Device", "Err", "Counter"]));
    expect((json.Counter as Tree).COUNT).toBe(abi.Counter.COUNT);
  });

  it("keeps each enum's members in their order in abi.ts", () => {
    for (const [name, value] of Object.entries(EXPECTED))
      if (typeof value !== "number") expect(Object.keys(json[name] as Tree), name).toEqual(Object.keys(value));
  });
});

describe("build/include/stable-dio/abi.h", () => {
  const header = readFileSync(join(INCLUDE, "stable-dio", "abi.h"), "utf8");
  const names = cNames(EXPECTED);

  it("defines one C name per number of abi.ts, and no other", () => {
    const defined = [...header.matchAll(/^\s*(?:#define\s+)?(SD_[A-Z0-9_]+)\b(?:\s*=|\s+\S)/gm)].map((m) => m[1]);
    expect(defined.sort()).toEqual(names.map(([n]) => n).sort());
    for (const [name, value] of Object.entries(EXPECTED))
      if (typeof value !== "number") expect(header).toContain(`enum sd_${snake(name).toLowerCase()} {`);
  });

  it("gives the C compiler every value abi.ts has (a program that includes it prints them)", () => {
    const enums = Object.entries(EXPECTED).filter(([, v]) => typeof v !== "number").map(([k]) => `sd_${snake(k).toLowerCase()}`);
    const program = [
      "#include <stdio.h>",
      "#include <stable-dio/abi.h>",
      "#include <stable-dio/abi.h> /* twice: the guard holds */",
      ...enums.map((e) => `static enum ${e} *const ${e}_type = 0; /* the enum type exists */`),
      "int main(void) {",
      ...enums.map((e) => `  (void)${e}_type;`),
      ...names.map(([n]) => `  printf("%s %.17g\\n", "${n}", (double)(${n}));`),
      "  return 0;",
      "}",
    ].join("\n");
    const src = join(tmp, "values.c");
    const bin = join(tmp, "values");
    writeFileSync(src, program);
    const built = cc(["-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-I", INCLUDE, "-o", bin, src]);
    expect(built.stderr).toBe("");
    expect(built.status).toBe(0);
    const run = spawnSync(bin, { encoding: "utf8" });
    expect(run.status).toBe(0);
    const printed = run.stdout.trim().split("\n").map((l) => { const [n, v] = l.split(" "); return [n, Number(v)]; });
    expect(printed).toEqual(names);
  });
});

describe("scripts/gen-abi.js", () => {
  const generate = (source: string, out: string) => spawnSync(process.execPath, [GEN, source, out], { encoding: "utf8" });

  it("writes whatever abi.ts exports: an added enum, a namespace of constants and a constant come out in both files", () => {
    const source = join(tmp, "abi.ts");
    copyFileSync(path("assembly/abi.ts"), source);
    writeFileSync(source, `${readFileSync(source, "utf8")}
/** Added by the test. */
export enum Extra {
  ONE = 1,
  BIG = 1 << 20, // a shift
}
export namespace Limits {
  export const U32 = 0xffffffff;
  export const NEG = -Extra.ONE;
}
export const HALF = 0.5;
export function notData(): number { return 1; }
`);
    const out = join(tmp, "out");
    const r = generate(source, out);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const json = JSON.parse(readFileSync(join(out, "abi.json"), "utf8")) as Tree;
    expect(json).toEqual({ ...EXPECTED, Extra: { ONE: 1, BIG: 1048576 }, Limits: { U32: 4294967295, NEG: -1 }, HALF: 0.5 });
    const header = readFileSync(join(out, "include", "stable-dio", "abi.h"), "utf8");
    expect(header).toMatch(/\/\* Added by the test\. \*\/\nenum sd_extra \{\n {2}SD_EXTRA_ONE = 1,\n/);
    expect(header).toMatch(/SD_EXTRA_BIG = 1048576 +\/\* a shift \*\//);
    // 0xffffffff is no int: #defines, unsigned where it needs to be.
    expect(header).toMatch(/#define SD_LIMITS_U32 +4294967295u/);
    expect(header).toMatch(/#define SD_LIMITS_NEG +\(-1\)/);
    expect(header).toMatch(/#define SD_HALF 0\.5/);
    expect(header).not.toMatch(/NOT_DATA/);
    const check = cc(["-std=c11", "-pedantic", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-x", "c", "-"],
      `#include "${join(out, "include", "stable-dio", "abi.h")}"\n_Static_assert(SD_LIMITS_U32 == 4294967295u, "u32");\nint main(void) { return SD_EXTRA_ONE - 1; }\n`);
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  it("stops the build at an export it cannot write, one line naming the file, line and export", () => {
    const source = join(tmp, "bad.ts");
    writeFileSync(source, "export const A = 1;\n\nexport const NAME = \"x\";\n");
    const out = join(tmp, "bad-out");
    const r = generate(source, out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^gen-abi: \S*bad\.ts:3: NAME is a string; abi\.h and abi\.json hold numbers only \(scripts\/gen-abi\.js\)\n$/);
  });
});

describe("docs/abi.md's C example", () => {
  const compile = (source: string) => {
    const file = join(tmp, "embed.c");
    writeFileSync(file, source);
    // wasmtime is not installed here: test/support/wasmtime holds declarations of the calls the example makes.
    return cc(["-fsyntax-only", "-std=c11", "-Wall", "-Werror", "-I", INCLUDE, "-I", WASMTIME, file]);
  };

  it("takes its numbers from the generated header, none written by hand", () => {
    const example = cExample();
    expect(example).toContain("#include <stable-dio/abi.h>");
    expect(example).not.toMatch(/\benum\s*\{/);
    expect(example).toMatch(/SD_ABI_VERSION/);
  });

  it("compiles against the header with the system C compiler", () => {
    const r = compile(cExample());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("does not compile with a name the header lacks (the check can fail)", () => {
    const r = compile(cExample().replaceAll("SD_COUNTER_COW_COPIES", "SD_COUNTER_COW_COPIEZ"));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/SD_COUNTER_COW_COPIEZ/);
  });
});
