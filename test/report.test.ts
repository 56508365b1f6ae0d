// The report directory: the three files, results.json against the schema and
// against --json, results.csv against results.json, the page self-contained,
// and the flags that place or skip it. (The page in a browser:
// report-browser.test.ts.)
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COUNTER_NAMES, POLICIES } from "../src/shared/names.js";
import { coincident, LOOK } from "../src/report/charts.js";
import { spread, t975 } from "../src/report/stats.js";
import { CSV_COLUMNS } from "../src/report/csv.js";
import type { ResultsDoc } from "../src/report/document.js";
import type { JsonReport } from "../src/report/json.js";
import { cli, cliCwd } from "./support/cli.js";
import { readCsv, readResults } from "./support/report.js";

const tmp = mkdtempSync(join(tmpdir(), "stable-dio-report-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the main job's report (--json --out DIR)", () => {
  const dir = join(tmp, "main");
  let json: JsonReport;
  let doc: ResultsDoc;

  beforeAll(async () => {
    const r = await cli("--json", "--out", dir);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`stable-dio: report: ${dir}/index.html (results.json and results.csv beside it)\n`);
    json = JSON.parse(r.out) as JsonReport;
    doc = readResults(dir);
  }, 120_000); // the whole main job: slow on a loaded machine

  it("is index.html, results.json and results.csv, with no temporary file left", () => {
    expect(readdirSync(dir).sort()).toEqual(["index.html", "results.csv", "results.json"]);
  });

  it("results.json matches the schema and holds every run of --json, every counter, the projection and the verdict", () => {
    expect(doc.command).toBe("compare");
    expect(doc.argv).toEqual(["--json", "--out", dir]);
    expect(doc.profile.name).toBe("built-in");
    expect(doc.sweep).toBeNull();
    expect(doc.runs).toHaveLength(json.results.length);
    doc.runs.forEach((run, i) => {
      const r = json.results[i];
      expect([run.workload, run.policy, run.device, run.seed]).toEqual([r.workload, r.policy, r.device, r.seed]);
      expect(run.counters).toEqual(r.counters);
      expect(Object.keys(run.counters)).toEqual(COUNTER_NAMES);
      expect(run.params).toEqual(r.params);
      expect(run.projectedUsPerIo).toBe(json.projection?.perIoUs[i]);
    });
    expect(new Set(doc.runs.map((r) => r.key)).size).toBe(doc.runs.length);
    expect(doc.verdict).toBe(json.projection?.verdict);
  });

  it("the cost curve is the verdict's grid: its crossovers are the ones the verdict names", () => {
    const pmd = doc.costCurve.crossovers.find((c) => c.panel === "2 MiB PMDs");
    expect(pmd).toBeDefined();
    expect(doc.verdict).toContain(`on 2 MiB PMDs ${pmd?.size ? `from ${pmd.size / 1024}K` : "never (up to 4M)"} with the built-in profile`);
    // Every policy (none selected: all 8): 11 sizes (4K..4M) x 2 mappings; IPIs: 5 thread counts.
    const policies = ["direct", "bounce", "wp-cow", "wp-cow-degrade", "wp-wait", "opt-out", "opt-out-inverse", "verify"];
    // And wp-cow at its best beside wp-cow on the cost curve, with its crossovers and the combination at each.
    expect(doc.costCurve.points.filter((x) => x.policy === "wp-cow best")).toHaveLength(22);
    expect(doc.costCurve.bestCrossovers?.map((b) => b.panel)).toEqual(["4 KiB PTEs", "2 MiB PMDs"]);
    expect(doc.verdict).toMatch(/ At its best: on 4 KiB PTEs (from \d+K|never \(up to 4M\)) with the built-in profile \((?:(?:[a-z]+=[a-z0-9]+,?)+|today's choices) at \d+[KM]\), /);
    for (const [points, per] of [[doc.costCurve.points.filter((x) => x.policy !== "wp-cow best"), 22], [doc.ipiCurve.points, 5]] as const) {
      expect(points).toHaveLength(8 * per);
      for (const p of policies) expect(points.filter((x) => x.policy === p), p).toHaveLength(per);
    }
  });

  it("the curves follow -p: only the selected policies, the crossover rule only beside both wp-cow and bounce", async () => {
    const dir = join(tmp, "selected");
    expect((await cli("report", "-w", "racer", "-p", "direct,verify,opt-out-inverse", "-P", "ios=16", "--out", dir)).code).toBe(0);
    const some = readResults(dir);
    for (const c of [some.costCurve, some.ipiCurve]) expect(new Set(c.points.map((p) => p.policy))).toEqual(new Set(["direct", "verify", "opt-out-inverse"]));
    expect(some.costCurve.crossovers).toEqual([]);
    expect(some.verdict).toBe(doc.verdict); // the table's line is about wp-cow and bounce whatever is drawn
    expect(some.costCurve.description).toMatch(/opt-out-inverse bounces it/);
    expect(some.costCurve.description).toMatch(/verify runs on fs-csum/);
    expect(some.costCurve.description).not.toMatch(/wp-wait/);
    // The same grid: a policy's points do not depend on what else is drawn.
    const at = (d: ResultsDoc, p: string) => d.costCurve.points.filter((x) => x.policy === p);
    for (const p of ["direct", "verify", "opt-out-inverse"]) expect(at(some, p)).toEqual(at(doc, p));
    // verify costs more than direct (its re-check), opt-out-inverse what bounce does (the scenario's process is unflagged).
    at(some, "verify").forEach((v, i) => expect(v.usPerIo).toBeGreaterThan(at(doc, "direct")[i].usPerIo));
    expect(at(doc, "opt-out-inverse").map((x) => x.usPerIo)).toEqual(at(doc, "bounce").map((x) => x.usPerIo));
  });

  it("results.csv has the documented header and one row per run, every cell as in results.json", () => {
    const { header, records } = readCsv(dir);
    expect(header).toEqual(CSV_COLUMNS);
    expect(records).toHaveLength(doc.runs.length);
    records.forEach((row, i) => {
      const run = doc.runs[i];
      expect([row.key, row.workload, row.device, row.policy, row.stable, row.core]).toEqual(
        [run.key, run.workload, run.device, run.policy, run.stable, run.core]);
      expect(Number(row.seed)).toBe(run.seed);
      expect(row.size).toBe(String(run.params.size ?? ""));
      expect(row.threads).toBe(String(run.params.threads ?? ""));
      expect(row.params).toBe(Object.keys(run.params).sort().map((k) => `${k}=${run.params[k]}`).join(";"));
      expect(row.balance_ok).toBe(run.balanceOk ? "1" : "0");
      for (const c of COUNTER_NAMES) expect(Number(row[c])).toBe(run.counters[c]);
      expect(Number(row.projected_us_per_io)).toBe(run.projectedUsPerIo);
      expect(row.profile).toBe(doc.profile.label);
    });
  });

  it("index.html loads nothing: no script, no stylesheet link, no URL but SVG namespaces, a CSP that forbids loading", () => {
    const html = readFileSync(join(dir, "index.html"), "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    expect(html).not.toMatch(/<script|<link|<iframe|<img|@import|@font-face/i);
    for (const m of html.matchAll(/\b(?:src|href)="([^"]*)"/g)) expect(m[1]).toMatch(/^#/);
    for (const m of html.matchAll(/url\(([^)]*)\)/g)) expect(m[1]).toMatch(/^#/);
    const urls = [...html.matchAll(/[a-z]+:\/\/[^\s"'<>)]+/gi)].map((m) => m[0]);
    expect(urls.filter((u) => !/^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink)$/.test(u))).toEqual([]);
    expect(html.match(/<svg /g)).toHaveLength(5);
    // Each SVG's own ids carry its chart's prefix, so none repeats on the page.
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("where the report goes", () => {
  const args = ["-w", "racer", "-p", "direct", "-P", "ios=16"];

  it("--no-report writes nothing; without it the main job writes ./stable-dio-report/", async () => {
    const home = join(cliCwd(), "stable-dio-report");
    rmSync(home, { recursive: true, force: true });
    const skip = await cli(...args, "--no-report");
    expect(skip.code).toBe(0);
    expect(skip.err).toBe("");
    expect(existsSync(home)).toBe(false);
    const r = await cli(...args);
    expect(r.code).toBe(0);
    expect(r.err).toBe("stable-dio: report: stable-dio-report/index.html (results.json and results.csv beside it)\n");
    expect(readResults(home).runs.map((x) => x.key)).toEqual([expect.stringMatching(/^racer direct device=fs-csum /)]);
  });

  it("stable-dio report runs the selection and writes only the report, saying where on stderr as every command does", async () => {
    const dir = join(tmp, "cmd");
    const r = await cli("report", "-w", "racer,db-writer", "-p", "bounce,wp-cow", "-P", "ios=16", "--out", dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    expect(r.err).toBe(`stable-dio: report: ${dir}/index.html (results.json and results.csv beside it)\n`);
    const doc = readResults(dir);
    expect(doc.command).toBe("report");
    expect(doc.runs.map((x) => `${x.workload}/${x.policy}`)).toEqual(["racer/bounce", "racer/wp-cow", "db-writer/bounce", "db-writer/wp-cow"]);
  });

  it("an existing report is replaced whole", async () => {
    const dir = join(tmp, "again");
    await cli("report", "-w", "racer", "-p", "direct", "-P", "ios=16", "--out", dir);
    const again = await cli("report", "-w", "racer", "-p", "bounce", "-P", "ios=16", "--out", dir);
    expect(again.err).toBe(`stable-dio: report: ${dir}/index.html (results.json and results.csv beside it)\n`); // its own: no note
    expect(readResults(dir).runs.map((x) => x.policy)).toEqual(["bounce"]);
    expect(readdirSync(dir).sort()).toEqual(["index.html", "results.csv", "results.json"]);
  });

  it("another command's report is replaced with a note naming it; a sweep's directory and files not ours are refused", async () => {
    const dir = join(tmp, "shared");
    expect((await cli("-w", "racer", "-p", "direct", "-P", "ios=16", "--out", dir)).code).toBe(0);
    const generated = readResults(dir).generated;
    const r = await cli("report", "-w", "racer", "-p", "bounce", "-P", "ios=16", "--out", dir);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`stable-dio: replacing the report of \`stable-dio\` (${generated}) in ${dir}\n` +
      `stable-dio: report: ${dir}/index.html (results.json and results.csv beside it)\n`);
    expect(readResults(dir).command).toBe("report");
    // A sweep's directory holds its journal: no runs' report goes there, and no sweep goes into a runs' report.
    const sweep = join(tmp, "a-sweep");
    expect((await cli("sweep", "-w", "racer", "-p", "direct", "-P", "ios=16", "--out", sweep, "--no-report")).code).toBe(0);
    const into = await cli("report", "-w", "racer", "-p", "direct", "-P", "ios=16", "--out", sweep);
    expect(into.code).toBe(2);
    expect(into.err).toBe(`stable-dio: '${sweep}' is a sweep's directory (points.jsonl): a report of \`stable-dio report\` would replace ` +
      "the sweep's; give another --out (stable-dio report --from DIR merges sweeps' journals)\n");
    const sweepInto = await cli("sweep", "-w", "racer", "-p", "direct", "-P", "ios=16", "--out", dir);
    expect(sweepInto.code).toBe(2);
    expect(sweepInto.err).toMatch(/^stable-dio: '.*shared' holds the report of `stable-dio report` \(.*\), not a sweep's: give another --out, or move it away\n$/);
    // Someone else's index.html: refused before any run, and left as it was.
    const mine = join(tmp, "mine");
    mkdirSync(mine);
    writeFileSync(join(mine, "index.html"), "<p>my page</p>");
    const foreign = await cli("-w", "racer", "-p", "direct", "-P", "ios=16", "--out", mine);
    expect(foreign.code).toBe(2);
    expect(foreign.out).toBe("");
    expect(foreign.err).toBe(`stable-dio: '${mine}' holds index.html that stable-dio did not write: give another --out, or move them away\n`);
    expect(readFileSync(join(mine, "index.html"), "utf8")).toBe("<p>my page</p>");
  });

  it("own jobs everywhere: report --workload FILE and --fio JOB, run --workload FILE --out DIR; report --json as the main job's", async () => {
    const job = join(tmp, "job.fio");
    writeFileSync(job, "[seq]\nrw=write\nbs=16k\nsize=1m\ndirect=1\n");
    const wl = join(tmp, "mine.json");
    writeFileSync(wl, readFileSync("workloads/racer.json", "utf8").replace('"id": "racer"', '"id": "my-racer"'));
    const both = join(tmp, "own");
    const r = await cli("report", "--workload", `db-writer,${wl}`, "--fio", job, "-p", "direct,bounce", "-P", "ios=16", "--out", both, "--json");
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out) as JsonReport;
    expect(json.results.map((x) => `${x.workload}/${x.policy}`)).toEqual(
      ["db-writer/direct", "db-writer/bounce", "my-racer/direct", "my-racer/bounce", "seq/direct", "seq/bounce"]);
    expect(json.sources?.map((s) => [s.file, s.kind])).toEqual([[wl, "workload"], [job, "fio"]]);
    expect(readResults(both).runs.map((x) => x.key)).toEqual(json.results.map((x) => readResults(both).runs.find((y) => y.workload === x.workload && y.policy === x.policy)?.key));
    // run writes a report only when given --out.
    const runDir = join(tmp, "run-out");
    const run = await cli("run", "--workload", wl, "-p", "wp-cow", "-P", "ios=16", "--out", runDir);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/^my-racer +fs-csum +wp-cow /m);
    expect(run.err).toMatch(new RegExp(`stable-dio: report: ${runDir}/index.html \\(results.json and results.csv beside it\\)\n$`));
    expect(readResults(runDir)).toMatchObject({ command: "run", runs: [{ workload: "my-racer", policy: "wp-cow" }] });
    const plain = await cli("run", "--fio", job, "-p", "direct");
    expect(plain.err).not.toMatch(/report:/);
  });

  it("the charts' captions name the core that measured the runs (--core model: the reference model, not the Wasm core)", async () => {
    const captions = (d: string) => Object.fromEntries([...readFileSync(join(d, "index.html"), "utf8")
      .matchAll(/<figure class="chart" id="([^"]+)">[\s\S]*?<figcaption>([^<]*)<\/figcaption>/g)].map((m) => [m[1], m[2]]));
    const model = join(tmp, "model");
    expect((await cli("report", "--core", "model", "-w", "racer", "-p", "direct,bounce", "-P", "ios=16", "--out", model)).code).toBe(0);
    const wasm = join(tmp, "wasm");
    expect((await cli("report", "-w", "racer", "-p", "direct,bounce", "-P", "ios=16", "--out", wasm)).code).toBe(0);
    for (const id of ["chart-corruptions", "chart-bytes-copied"]) {
      expect(captions(model)[id]).toMatch(/^Measured by the TypeScript reference model \(--core model\): /);
      expect(captions(wasm)[id]).toMatch(/^Measured by the Wasm core: /);
    }
    // A sweep's curves come from its own runs: every caption names the model.
    const sweep = join(tmp, "model-sweep");
    expect((await cli("sweep", "--core", "model", "-w", "multithread", "-p", "wp-cow", "--threads", "1,2", "-P", "ios=8",
      "--workers", "1", "--out", sweep)).code).toBe(0);
    const all = Object.values(captions(sweep));
    expect(all).toHaveLength(4);
    for (const c of all) {
      expect(c).toContain("the TypeScript reference model");
      expect(c).not.toContain("Wasm");
    }
  });

  const errors: Array<[string[], RegExp]> = [
    [["report", "--policy", "nope"], /^stable-dio: unknown policy 'nope' \(allowed: direct, .*\)\n$/],
    [["report", "--jsno"], /^stable-dio: unknown option '--jsno'; did you mean '--json'\? \(allowed: --policy, .*--out, --no-report, --from, --help\)\n$/],
    [["report", "--out", "x", "--no-report"], /^stable-dio: give --out DIR or --no-report, not both\n$/],
    [["--out", " ", "-w", "racer"], /^stable-dio: empty --out directory\n$/],
  ];
  for (const [argv, line] of errors) {
    it(`usage error: ${argv.join(" ")}`, async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(line);
    });
  }

  it("a directory that cannot be made is one line and exit 2", async () => {
    const file = join(tmp, "a-file");
    writeFileSync(file, "");
    const r = await cli("report", "-w", "racer", "-p", "direct", "-P", "ios=16", "--out", join(file, "sub"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^stable-dio: cannot write the report to '.*a-file\/sub': E[A-Z]+\n$/);
  });
});

describe("the charts' looks and the statistics behind the error bars", () => {
  it("every policy's colour has at least 3:1 contrast on the white page (WCAG's figure for graphics)", () => {
    const luminance = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (const [policy, look] of Object.entries(LOOK)) expect(1.05 / (luminance(look.color) + 0.05), policy).toBeGreaterThanOrEqual(3);
    expect(Object.keys(LOOK).sort()).toEqual([...POLICIES.map((p) => p.id), "wp-cow best"].sort());
  });

  it("Student's t quantiles: the table's values and the expansion beyond it agree with the textbook's", () => {
    // t(0.975, df) to 3 decimals, as every statistics table prints them.
    const table: Array<[number, number]> = [[1, 12.706], [2, 4.303], [5, 2.571], [10, 2.228], [11, 2.201], [20, 2.086], [30, 2.042], [60, 2.0], [120, 1.98]];
    for (const [df, t] of table) expect(t975(df), `df ${df}`).toBeCloseTo(t, 3);
    expect(t975(100000)).toBeCloseTo(1.96, 3);
    expect(() => t975(0)).toThrow(RangeError);
    const s = spread([1, 2, 3]);
    expect(s).toMatchObject({ n: 3, mean: 2, min: 1, max: 3 });
    expect(s.ci95![0]).toBeCloseTo(2 - 4.302653 / Math.sqrt(3), 9);
    expect(spread([5]).ci95).toBeNull();
    expect(spread([4, 4, 4]).ci95).toEqual([4, 4]);
  });

  it("curves that coincide at every point are one curve, named in policy order; near ones stay apart", () => {
    const pts = [
      { panel: "a", policy: "wp-wait", x: 1, y: 2 }, { panel: "a", policy: "wp-cow", x: 1, y: 2 }, { panel: "b", policy: "wp-cow", x: 1, y: 3 },
      { panel: "b", policy: "wp-wait", x: 1, y: 3 }, { panel: "a", policy: "bounce", x: 1, y: 2 }, { panel: "b", policy: "bounce", x: 1, y: 3.000001 },
    ];
    const s = coincident(pts, (p) => p.x, (p) => p.y);
    expect(Object.fromEntries(s)).toEqual({ "wp-cow": "wp-cow = wp-wait", "wp-wait": "wp-cow = wp-wait", bounce: "bounce" });
  });
});
