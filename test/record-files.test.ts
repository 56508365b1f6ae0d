// `record` takes the workload as `run` does: a workload file (--workload FILE)
// or a fio job file (--fio). The trace of such a run replays, in the host and
// under node:wasi, to the counters `run --json` reports for the same run; a
// bad file gives run's very line; more than one run is refused, saying why.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonReport } from "../src/report/json.js";
import { WORKLOADS } from "../src/workloads/index.js";
import { cli } from "./support/cli.js";
import { smallBuiltin } from "./support/fuzz/files.js";
import { runNodeWasi } from "./support/wasi.js";

const BUILTINS = `${WORKLOADS.map((w) => w.id).join(", ")}, or a .json workload file`;

let dir = "";
let workloadFile = "";
let fioFile = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "stable-dio-record-files-"));
  workloadFile = join(dir, "my-guest.json");
  writeFileSync(workloadFile, JSON.stringify({ ...smallBuiltin("qemu-guest", 64), id: "my-guest" }, null, 2));
  fioFile = join(dir, "two-jobs.fio");
  // Two jobs: one workload, both running at once (docs/fio.md), so one run.
  writeFileSync(fioFile, [
    "[global]", "ioengine=libaio", "direct=1", "bs=4k", "size=256k",
    "[writer]", "rw=randwrite", "iodepth=4", "sd_modify=0.5",
    "[reader]", "rw=read", "bs=8k", "",
  ].join("\n"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: Array<[string, () => string[]]> = [
  ["a workload file", () => ["--workload", workloadFile, "-p", "wp-cow", "-P", "p=0.5"]],
  ["a fio job file with two jobs", () => ["--fio", fioFile, "-p", "wp-cow", "--seed", "3"]],
];

describe("record a workload file or a fio job, then replay it", () => {
  for (const [what, args] of CASES) {
    it(`${what}: the trace replays in the host and under node:wasi to run --json's counters`, async () => {
      const trace = join(dir, "run.trace");
      const rec = await cli("record", ...args(), "-o", trace);
      const run = await cli("run", ...args(), "--json");
      expect(run.code, run.err).toBe(0);
      const results = (JSON.parse(run.out) as JsonReport).results;
      expect(results).toHaveLength(1);
      const counters = results[0].counters;
      expect(counters.cow_copies, "the run has in-flight modifications to replay").toBeGreaterThan(0);
      // The same notes as run (the fio file's ignored options), and nothing else.
      expect(rec).toEqual({ code: 0, out: "", err: run.err });

      const replay = await cli("replay", trace, "--json");
      expect(replay.code, replay.err).toBe(0);
      expect(JSON.parse(replay.out)).toMatchObject({ match: true, counters, recorded: counters });

      const wasi = runNodeWasi([trace], "", { [dir]: dir });
      expect(wasi.stderr).toBe("");
      expect(wasi.code).toBe(0);
      expect(JSON.parse(wasi.stdout)).toEqual(counters);
    });
  }

  it("the fio file's notes come after the trace, as run prints them after its table", async () => {
    const r = await cli("record", "--fio", fioFile, "-p", "direct");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^stable-dio-trace 1\n/);
    expect(r.err).toBe(`stable-dio: ${fioFile}: ignored (no effect on the model): ioengine\n`);
  });
});

describe("record's workload errors are run's", () => {
  it("a malformed workload file, a malformed fio job, a missing file: the very line run gives, exit 2", async () => {
    const badJson = join(dir, "bad.json");
    writeFileSync(badJson, readFileSync(workloadFile, "utf8").replace(/"qd": 16/, '"qd": "four"'));
    const badFio = join(dir, "bad.fio");
    writeFileSync(badFio, "[a]\nrw=randwrite\nsize=64k\ncolour=red\n");
    for (const flags of [["--workload", badJson], ["--fio", badFio], ["--workload", join(dir, "missing.json")], ["--fio", join(dir, "missing.fio")], ["-w", "nope"]]) {
      const run = await cli("run", ...flags, "-p", "direct");
      const rec = await cli("record", ...flags, "-p", "direct");
      expect(run.code, flags.join(" ")).toBe(2);
      expect(run.err, flags.join(" ")).toMatch(/^stable-dio: [^\n]+\n$/);
      expect(rec, flags.join(" ")).toEqual({ code: 2, out: "", err: run.err });
    }
  });

  it("one run only: two workloads, two policies, both --workload and --fio, or neither, each one line saying what is allowed", async () => {
    const cases: Array<[string[], string]> = [
      [["-w", "racer,db-writer", "-p", "direct"], "record takes one workload (a trace is one run: one workload under one policy), got 2 (racer, db-writer)"],
      [["--fio", fioFile, "-p", "direct,bounce"], "record takes one policy (a trace is one run: one workload under one policy), got 2 (direct, bounce)"],
      [["--fio", fioFile, "-w", "racer", "-p", "direct"], `record takes one of --workload FILE|ID or --fio JOB.fio (workloads: ${BUILTINS})`],
      [["-p", "direct"], `record takes one of --workload FILE|ID or --fio JOB.fio (workloads: ${BUILTINS})`],
    ];
    for (const [argv, line] of cases) expect(await cli("record", ...argv), argv.join(" ")).toEqual({ code: 2, out: "", err: `stable-dio: ${line}\n` });
  });
});
