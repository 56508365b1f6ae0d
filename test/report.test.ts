// The report directory: the three files, results.json against the schema and
// against --json, results.csv against results.json, the page self-contained,
// and the flags that place or skip it. (The page in a browser:
// report-browser.test.ts.)
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COUNTER_NAMES } from "../src/shared/names.js";
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
    for (const [points, per] of [[doc.costCurve.points, 22], [doc.ipiCurve.points, 5]] as const) {
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

  it("stable-dio report runs the selection and writes only the report, saying where on stdout", async () => {
    const dir = join(tmp, "cmd");
    const r = await cli("report", "-w", "racer,db-writer", "-p", "bounce,wp-cow", "-P", "ios=16", "--out", dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`report: ${dir}/index.html (results.json and results.csv beside it)\n`);
    expect(r.err).toBe("");
    const doc = readResults(dir);
    expect(doc.command).toBe("report");
    expect(doc.runs.map((x) => `${x.workload}/${x.policy}`)).toEqual(["racer/bounce", "racer/wp-cow", "db-writer/bounce", "db-writer/wp-cow"]);
  });

  it("an existing report is replaced whole", async () => {
    const dir = join(tmp, "again");
    await cli("report", "-w", "racer", "-p", "direct", "-P", "ios=16", "--out", dir);
    await cli("report", "-w", "racer", "-p", "bounce", "-P", "ios=16", "--out", dir);
    expect(readResults(dir).runs.map((x) => x.policy)).toEqual(["bounce"]);
    expect(readdirSync(dir).sort()).toEqual(["index.html", "results.csv", "results.json"]);
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
    [["report", "--json"], /^stable-dio: unknown option '--json' \(allowed: --policy, .*--out, --help\)\n$/],
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
