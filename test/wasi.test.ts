// The WASI command (build/wasi.wasm) under @wasmer/wasi and node:wasi: a
// recorded trace prints exactly the counters the TypeScript host replays,
// byte for byte, from stdin and from a file; a malformed trace gives the very
// line the host gives, and exit 2.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWasmCoreSync } from "../src/core/wasm.js";
import { replayTrace } from "../src/trace/replay.js";
import { cli } from "./support/cli.js";
import { CASES, expectedLine, label, MALFORMED, recordTrace } from "./support/traces.js";
import { runNodeWasi, runWasmer } from "./support/wasi.js";

let dir = "";
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "stable-dio-wasi-test-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The host's replay of a trace, as the WASI command must print it. */
function hostJson(text: string): string {
  return JSON.stringify(replayTrace(loadWasmCoreSync(), text, "t").counters) + "\n";
}

describe("record, then replay in the host, under @wasmer/wasi and under node:wasi: identical counters", () => {
  for (const c of CASES) {
    it(label(c), async () => {
      const text = await recordTrace(c);
      const want = hostJson(text);
      const file = join(dir, "run.trace");
      writeFileSync(file, text);
      const runs = {
        "wasmer stdin": await runWasmer([], text),
        "wasmer file": await runWasmer(["run.trace"], "", { "/run.trace": text }),
        "node:wasi stdin": runNodeWasi([], text),
        "node:wasi file": runNodeWasi([file], "", { [dir]: dir }),
      };
      for (const [how, r] of Object.entries(runs)) {
        expect(r.stderr, how).toBe("");
        expect(r.stdout, how).toBe(want);
        expect(r.code, how).toBe(0);
      }
    });
  }
});

describe("the WASI command reads any trace the host reads", () => {
  it("a trace several times its 64 KiB input buffer", async () => {
    const text = await recordTrace(CASES[CASES.length - 1]);
    expect(text.length).toBeGreaterThan(4 * 65536);
    expect((await runWasmer([], text)).stdout).toBe(hostJson(text));
  });

  it("CRLF line ends, tabs, comments after ops and hex anywhere", async () => {
    const text = (await recordTrace(CASES[0]))
      .replace(/^(dma|complete) (\d+)$/gm, (_, op: string, io: string) => `${op}\t0x${Number(io).toString(16)}  # io ${io}`)
      .replace(/\n/g, "\r\n");
    const want = hostJson(text);
    expect(want).toBe(hostJson(text.replace(/\r/g, "")));
    expect((await runWasmer([], text)).stdout).toBe(want);
    expect(runNodeWasi([], text).stdout).toBe(want);
  });
});

describe("the WASI command checks the footer and its arguments", () => {
  it("a replay that differs from the footer exits 1 naming the counter, as the host does", async () => {
    const text = (await recordTrace(CASES[0])).replace(/^counter exits 0$/m, "counter exits 9");
    const file = join(dir, "differs.trace");
    writeFileSync(file, text);
    const host = await cli("replay", file);
    const wasi = runNodeWasi([file], "", { [dir]: dir });
    expect(host.code).toBe(1);
    expect(wasi.code).toBe(1);
    expect(wasi.stderr).toBe(host.err);
    expect(wasi.stdout).toBe(hostJson(text));
    const wasmer = await runWasmer([], text);
    expect(wasmer.code).toBe(1);
    expect(wasmer.stderr).toBe(host.err.replace(file, "<stdin>"));
  });

  it("'-' reads stdin; two arguments are a usage error; a file outside every preopen is refused", async () => {
    const text = await recordTrace(CASES[3]);
    expect(runNodeWasi(["-"], text).stdout).toBe(hostJson(text));
    const two = runNodeWasi(["a", "b"]);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/^stable-dio: usage: replay\.wasm \[TRACE\] .*\n$/);
    const outside = runNodeWasi(["/nowhere/x.trace"], "", { [dir]: dir });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toBe("stable-dio: cannot read trace '/nowhere/x.trace': no preopened directory holds it (let the runtime preopen one, e.g. wasmtime --dir)\n");
    const missing = runNodeWasi([join(dir, "missing.trace")], "", { [dir]: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`stable-dio: cannot read trace '${join(dir, "missing.trace")}': ENOENT\n`);
  });
});

describe("malformed traces under WASI: the host's line, exit 2, nothing on stdout", () => {
  for (const m of MALFORMED) {
    it(m.name, async () => {
      const [bad, line] = m.make(await recordTrace(CASES[0]));
      const file = join(dir, "bad.trace");
      writeFileSync(file, bad);
      const host = await cli("replay", file);
      const node = runNodeWasi([file], "", { [dir]: dir });
      const wasmer = await runWasmer([], bad);
      expect(host.err).toMatch(expectedLine(m, line, file));
      expect(node).toEqual({ code: 2, stdout: "", stderr: host.err });
      expect(wasmer).toEqual({ code: 2, stdout: "", stderr: host.err.replace(file, "<stdin>") });
    });
  }
});

describe("bytes that are not UTF-8, and names with control characters, quoted as the host quotes them", () => {
  it("each invalid subpart is one U+FFFD, as Node decodes it", async () => {
    const good = Buffer.from(await recordTrace(CASES[0]));
    const at = good.indexOf("\ndma ") + 1;
    const word = Buffer.from([
      0x64, 0x6d, // "dm"
      0xe2, 0x80, 0x78, // a sequence cut short, then "x"
      0xff, 0xc0, 0xaf, // bytes that never start a sequence; an overlong "/"
      0xed, 0xa0, 0x80, // a UTF-16 surrogate
      0xf0, 0x9f, 0x98, 0x80, // U+1F600, valid
      0xc2, 0x9b, // U+009B (CSI), valid but a control
      0xf4, 0x90, // above U+10FFFF
    ]);
    const bad = Buffer.concat([good.subarray(0, at), word, good.subarray(good.indexOf("\n", at))]);
    const file = join(dir, "bytes.trace");
    writeFileSync(file, bad);
    const host = await cli("replay", file);
    expect(host.err).toMatch(/^stable-dio: .*: unknown op 'dm\ufffdx\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\u{1f600}\\u009b\ufffd\ufffd' /u);
    expect(runNodeWasi([file], "", { [dir]: dir })).toEqual({ code: 2, stdout: "", stderr: host.err });
    expect(await runWasmer(["bytes.trace"], "", { "/bytes.trace": bad })).toEqual({ code: 2, stdout: "", stderr: host.err.replace(file, "bytes.trace") });
  });

  it("a file name with control characters in the 'cannot read' line", async () => {
    const name = join(dir, "no\u001b[31m\u202esuch.trace");
    const host = await cli("replay", name);
    const wasi = runNodeWasi([name], "", { [dir]: dir });
    expect(host.err).toContain("no\\u001b[31m\\u202esuch.trace");
    expect(wasi.code).toBe(2);
    expect(wasi.stderr).toBe(`stable-dio: cannot read trace '${join(dir, "no\\u001b[31m\\u202esuch.trace")}': ENOENT\n`);
  });
});
