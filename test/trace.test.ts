// Operation traces in the host: a recorded run replays to the same counters on
// the Wasm core and on the model; record and replay on the command line; every
// malformed trace gives one line naming file, line and problem, and exit 2.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWasmCoreSync } from "../src/core/wasm.js";
import { RefCore } from "../src/model/index.js";
import type { JsonReport } from "../src/report/json.js";
import { parseTrace } from "../src/trace/read.js";
import { replayTrace } from "../src/trace/replay.js";
import { cli } from "./support/cli.js";
import { CASES, expectedLine, label, MALFORMED, recordTrace } from "./support/traces.js";

let dir = "";
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "stable-dio-trace-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("record, then replay in the host", () => {
  for (const c of CASES) {
    it(label(c), async () => {
      const text = await recordTrace(c);
      if (c.has) expect(text).toMatch(c.has);
      const { expected } = parseTrace(text, "t");
      // The footer holds what the comparison reports for the same run.
      const run = await cli(...c.args, "--json");
      expect(expected).toEqual((JSON.parse(run.out) as JsonReport).results[0].counters);
      for (const core of [loadWasmCoreSync(), new RefCore()]) {
        const r = replayTrace(core, text, "t");
        expect(r.mismatches, core.kind).toEqual([]);
        expect(r.counters, core.kind).toEqual(expected);
      }
    });
  }

  it("the same run recorded twice gives the same trace; a recording on the model gives the same trace", async () => {
    const a = await recordTrace(CASES[1]);
    expect(await recordTrace(CASES[1])).toBe(a);
    const model = await cli("record", ...CASES[1].args, "--core", "model");
    expect(model.out.replace(/core model/, "core wasm")).toBe(a);
  });
});

describe("record and replay on the command line", () => {
  it("record -o writes the file atomically (no temporary left), the same text as stdout", async () => {
    const file = join(dir, "racer.trace");
    const r = await cli("record", ...CASES[0].args, "-o", file);
    expect(r).toMatchObject({ code: 0, out: "", err: "" });
    expect(readFileSync(file, "utf8")).toBe(await recordTrace(CASES[0]));
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
  });

  it("replay says in one line that every counter matches and exits 0; --counters prints them; --json and --core model agree", async () => {
    const file = join(dir, "fork.trace");
    writeFileSync(file, await recordTrace(CASES[1]));
    const verdict = await cli("replay", file);
    expect(verdict.code).toBe(0);
    expect(verdict.err).toBe("");
    expect(verdict.out).toMatch(new RegExp(`^replay: ${file}: all \\d+ counters match the recording \\(wasm core\\)\n$`));
    const table = await cli("replay", file, "--counters");
    expect(table.out.startsWith(verdict.out + "\n")).toBe(true);
    expect(table.out).toMatch(/^counter +replayed +recorded\n/m);
    expect(table.out).toMatch(/^forks +4 +4$/m);
    const wasm = await cli("replay", file, "--json");
    const model = await cli("replay", file, "--json", "--core", "model");
    const doc = JSON.parse(wasm.out);
    expect(doc).toMatchObject({ tool: "stable-dio", trace: file, core: "wasm", match: true, mismatches: [] });
    expect(doc.counters).toEqual(doc.recorded);
    expect(JSON.parse(model.out).counters).toEqual(doc.counters);
  });

  it("a replay that differs from the footer exits 1 and names each counter", async () => {
    const file = join(dir, "edited.trace");
    const text = await recordTrace(CASES[0]);
    const cow = Number(/^counter cow_copies (\d+)$/m.exec(text)![1]);
    writeFileSync(file, text.replace(/^counter cow_copies \d+$/m, `counter cow_copies ${cow + 1}`).replace(/^counter exits 0$/m, "counter exits 9"));
    const r = await cli("replay", file);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`stable-dio: ${file}: the replay differs from the recording: cow_copies ${cow} (recorded ${cow + 1}), exits 0 (recorded 9)\n`);
    expect(r.out).toMatch(/^replay: .*: 2 of \d+ counters differ from the recording \(wasm core\): cow_copies, exits\n$/);
    expect((await cli("replay", file, "--counters")).out).toMatch(/^cow_copies +\d+ +\d+ +differs$/m);
  });

  it("a trace without a footer replays and exits 0", async () => {
    const file = join(dir, "nofooter.trace");
    writeFileSync(file, (await recordTrace(CASES[0])).replace(/^counter .*\n/gm, ""));
    const r = await cli("replay", file, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ match: true, recorded: null });
  });

  it("usage errors are one line, exit 2", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["record", "-p", "direct"], /^stable-dio: record takes one of --workload FILE\|ID or --fio JOB\.fio \(workloads: db-writer, .*\)\n$/],
      [["record", "-w", "racer", "-p", "direct,bounce"], /^stable-dio: record takes one policy \(a trace is one run: .*\), got 2 \(direct, bounce\)\n$/],
      [["record", "-w", "sub-page", "-p", "direct", "-d", "fs-csum"], /^stable-dio: workload 'sub-page' cannot run on fs-csum: .*\n$/],
      [["record", "-w", "racer", "-p", "direct", "-P", "ios=8", "-o", join(dir, "no", "such", "dir")], /^stable-dio: cannot write '.*': ENOENT\n$/],
      [["record", "-w", "racer", "-p", "direct", "--json"], /^stable-dio: unknown option '--json' \(allowed: --workload, .*--output, --help\)\n$/],
      [["replay"], /^stable-dio: missing required argument 'trace'\n$/],
      [["replay", join(dir, "missing.trace")], /^stable-dio: cannot read trace '.*missing\.trace': ENOENT\n$/],
      [["replay", "a", "b"], /^stable-dio: too many arguments for 'replay'\. .*\n$/],
      [["wasi-path", "x"], /^stable-dio: too many arguments for 'wasi-path'\. .*\n$/],
    ];
    for (const [argv, line] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err, argv.join(" ")).toMatch(line);
      expect(r.out).toBe("");
    }
  });

  it("wasi-path prints the absolute path of an existing file", async () => {
    const r = await cli("wasi-path");
    expect(r.code).toBe(0);
    const path = r.out.trimEnd();
    expect(r.out).toBe(path + "\n");
    expect(path).toMatch(/^\/.*\/build\/wasi\.wasm$/);
    expect(existsSync(path)).toBe(true);
  });
});

describe("malformed traces: one line with file:line and the problem, exit 2, no stack trace", () => {
  for (const m of MALFORMED) {
    it(m.name, async () => {
      const [bad, line] = m.make(await recordTrace(CASES[0]));
      const file = join(dir, `${m.name.replace(/ /g, "-")}.trace`);
      writeFileSync(file, bad);
      const r = await cli("replay", file);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(expectedLine(m, line, file));
    });
  }
});
