// stable-dio sweep: killed halfway and started again it neither redoes nor
// loses a point; it runs on more than one worker thread when the machine has
// more than one core; grid files, flags and their errors. Counts, never times.
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { JournalLine } from "../src/sweep/journal.js";
import { cli } from "./support/cli.js";
import { type Exit, runProcess } from "./support/process.js";
import { readCsv, readResults } from "./support/report.js";
import type { ResultsDoc } from "../src/report/document.js";

const tmp = mkdtempSync(join(tmpdir(), "stable-dio-sweep-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const journalText = (dir: string) => (existsSync(join(dir, "points.jsonl")) ? readFileSync(join(dir, "points.jsonl"), "utf8") : "");
const journal = (dir: string): JournalLine[] => journalText(dir).split("\n").filter((l) => l).map((l) => JSON.parse(l) as JournalLine);

/** Runs the CLI as a process; `killAt(lines)` decides, as the journal grows, when to SIGKILL it. */
function runCli(args: string[], dir: string, killAt?: (lines: number) => boolean): Promise<Exit> {
  return runProcess(args, (child) => {
    if (!killAt) return;
    const poll = setInterval(() => {
      if (killAt(journalText(dir).split("\n").length - 1)) child.kill("SIGKILL");
    }, 5);
    return () => clearInterval(poll);
  });
}

describe("a sweep killed halfway", () => {
  // 2 workloads x 8 policies x 4 seeds = 64 points.
  const POINTS = 64;
  const dir = join(tmp, "killed");
  const args = ["sweep", "-w", "racer,qemu-guest", "--seeds", "1..4", "-P", "ios=2048", "--workers", "2", "--out", dir];

  it("resumes where it stopped: every point exactly once, none computed twice, none lost", async () => {
    const first = await runCli(args, dir, (lines) => lines >= 8);
    expect(first.signal, `the sweep ended (${first.code}) before it could be killed: ${first.out}`).toBe("SIGKILL");
    const before = journalText(dir);
    const done = journal(dir);
    expect(done.length).toBeGreaterThanOrEqual(8);
    expect(done.length).toBeLessThan(POINTS);
    // What a kill in the middle of a write leaves: a line without its end.
    const torn = '{"v":1,"key":"racer direct device=fs-csum st';
    appendFileSync(join(dir, "points.jsonl"), torn);

    const second = await runCli(args, dir);
    expect(second.code).toBe(0);
    expect(second.err).toContain(`stable-dio: dropped a torn last line (${torn.length} bytes) from ${join(dir, "points.jsonl")}\n`);
    expect(second.err).toContain(`sweep: ${POINTS} points: ${done.length} already in ${join(dir, "points.jsonl")}, ` +
      `${POINTS - done.length} to run on 2 worker threads\n`);
    expect(second.out.split("\n")[0]).toBe(`sweep: ${POINTS} points: ${POINTS - done.length} computed on 2 worker threads, ${done.length} from the journal`);
    expect(second.err).toMatch(new RegExp(`stable-dio: report: ${dir}/index.html \\(results.json and results.csv beside it\\)\n$`));

    // The first run's points are untouched, the second appended only the rest: each point once.
    const after = journalText(dir);
    expect(after.startsWith(before)).toBe(true);
    const all = journal(dir);
    expect(all).toHaveLength(POINTS);
    expect(new Set(all.map((l) => l.key)).size).toBe(POINTS);
    const doc = readResults(dir);
    expect(new Set(doc.runs.map((r) => r.key))).toEqual(new Set(all.map((l) => l.key)));
    expect(doc.sweep).toMatchObject({ points: POINTS, computed: POINTS - done.length, resumed: done.length, workers: 2 });

    // A third start finds everything done and computes nothing.
    const third = await runCli(args, dir);
    expect(third.code).toBe(0);
    expect(third.err).toContain(`${POINTS} already in`);
    expect(journal(dir)).toHaveLength(POINTS);
  });
});

describe("workers", () => {
  it("uses every core by default: as many worker threads as cores (or points), each running points", async () => {
    const dir = join(tmp, "cores");
    const points = 8; // db-writer x 2 policies x 4 seeds
    const r = await cli("sweep", "-w", "db-writer", "-p", "bounce,wp-cow", "--seeds", "1..4", "-P", "ios=64", "--out", dir);
    expect(r.code).toBe(0);
    const n = Math.min(availableParallelism(), points);
    if (availableParallelism() > 1) expect(n).toBeGreaterThan(1);
    expect(r.err).toContain(`to run on ${n} worker thread${n > 1 ? "s" : ""}\n`);
    expect(new Set(journal(dir).map((l) => l.worker))).toEqual(new Set(Array.from({ length: n }, (_, i) => i + 1)));
    expect(readResults(dir).sweep?.workers).toBe(n);
  });

  it("--workers 1 runs every point on one", async () => {
    const dir = join(tmp, "one");
    const r = await cli("sweep", "-w", "racer", "-p", "direct,bounce,wp-cow", "-P", "ios=16", "--workers", "1", "--out", dir);
    expect(r.code).toBe(0);
    expect(r.err).toContain("to run on 1 worker thread\n");
    expect(journal(dir).map((l) => l.worker)).toEqual([1, 1, 1]);
  });
});

describe("the grid", () => {
  it("sizes x threads x policies x workloads x seeds, threads only where a workload has them, cpus following threads", async () => {
    const dir = join(tmp, "grid");
    const r = await cli("sweep", "-w", "multithread,racer", "-p", "bounce,wp-cow", "--sizes", "4k,64k", "--threads", "1,2,4",
      "--seeds", "7", "-P", "ios=16", "--out", dir);
    expect(r.code).toBe(0);
    const doc = readResults(dir);
    // multithread: 2 sizes x 3 threads x 2 policies; racer has no threads: 2 sizes x 2 policies.
    expect(doc.runs).toHaveLength(12 + 4);
    const mt = doc.runs.filter((x) => x.workload === "multithread");
    expect(new Set(mt.map((x) => `${x.params.size}/${x.params.threads}/${x.params.cpus}`))).toEqual(
      new Set(["4096/1/1", "4096/2/2", "4096/4/4", "65536/1/1", "65536/2/2", "65536/4/4"]));
    expect(doc.runs.every((x) => x.seed === 7 && x.params.ios === 16)).toBe(true);
    expect(doc.sweep?.grid).toMatchObject({ sizes: [4096, 65536], threads: [1, 2, 4], seeds: [7], workloads: ["multithread", "racer"] });
    // The IPI curve: multithread's three thread counts for each policy; wp-cow's IPIs grow with threads.
    const ipis = doc.ipiCurve.points.filter((p) => p.policy === "wp-cow").sort((a, b) => a.threads - b.threads);
    expect(ipis.map((p) => p.threads)).toEqual([1, 2, 4]);
    expect(ipis[0].ipisPerIo).toBe(0);
    expect(ipis[2].ipisPerIo).toBeGreaterThan(ipis[1].ipisPerIo);
    const { header, records } = readCsv(dir);
    expect(header.slice(0, 10)).toEqual(["key", "workload", "device", "policy", "stable", "core", "seed", "size", "threads", "params"]);
    expect(records.map((x) => x.key)).toEqual(doc.runs.map((x) => x.key));
    expect(records.filter((x) => x.workload === "racer").every((x) => x.threads === "")).toBe(true);
  });

  it("from a file, flags overriding its fields; --no-report leaves the journal only", async () => {
    const dir = join(tmp, "file");
    const file = join(tmp, "grid.json");
    writeFileSync(file, JSON.stringify({ workloads: ["racer"], policies: ["direct", "bounce"], sizes: ["4k", 8192], seeds: [1, 2], params: { ios: 16 } }));
    const r = await cli("sweep", "--grid", file, "--seeds", "3", "--out", dir, "--no-report");
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["points.jsonl", "sweep.json"]);
    const lines = journal(dir);
    expect(lines.map((l) => `${l.run.policy} ${l.run.params.size} ${l.run.seed}`).sort()).toEqual(
      ["bounce 4096 3", "bounce 8192 3", "direct 4096 3", "direct 8192 3"]);
  });

  it("points a device cannot run are skipped with one note per workload", async () => {
    const r = await cli("sweep", "-w", "racer", "-p", "direct", "--sizes", "512,4k", "-P", "ios=16", "--out", join(tmp, "skip"), "--no-report");
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^stable-dio: skipping 1 point of racer on fs-csum: fs-csum does 4 KiB-aligned I\/O only.*\n/);
    expect(r.out).toMatch(/^sweep: 1 point: 1 computed/);
  });

  const errors: Array<[string[], RegExp]> = [
    [["--shard", "3/2"], /^stable-dio: bad value '3\/2' for --shard \(allowed: K\/N with 1 <= K <= N <= 1000000, e\.g\. 1\/4\)\n$/],
    [["--shard", "x"], /^stable-dio: bad value 'x' for --shard /],
    [["--sizse", "4k"], /^stable-dio: unknown option '--sizse'; did you mean '--sizes'\? /],
    [["--workers", "0"], /^stable-dio: bad value '0' for --workers \(allowed: an integer 1\.\.256\)\n$/],
    [["--seed", "1", "--seeds", "2"], /^stable-dio: give --seed or --seeds, not both\n$/],
    [["--seeds", "5..2"], /^stable-dio: bad seed range '5\.\.2' .*\n$/],
    [["-w", "racer", "--threads", "2"], /^stable-dio: --threads: no selected workload has a threads parameter\n$/],
    [["--sizes", "1000"], /^stable-dio: bad value '1000' for size: size 1000B is not a multiple of 512\n$/],
    [["--sizes", ""], /^stable-dio: empty --sizes list\n$/],
    // An empty item is a mistake, not something to skip.
    [["--sizes", "4k,,8k"], /^stable-dio: empty item 2 in --sizes list '4k,,8k' \(allowed: values separated by single commas, none empty\)\n$/],
    [["-w", "multithread", "--threads", "1,,2"], /^stable-dio: empty item 2 in --threads list '1,,2' \(allowed: .*\)\n$/],
    [["-p", "bounce,"], /^stable-dio: empty item 2 in --policy list 'bounce,' \(allowed: .*\)\n$/],
    [["--seeds", "1,,3"], /^stable-dio: empty item 2 in --seeds list '1,,3' \(allowed: .*\)\n$/],
    [["--policy", "nope"], /^stable-dio: unknown policy 'nope' .*\n$/],
    [["--grid", "/nowhere/grid.json"], /^stable-dio: cannot read grid file '\/nowhere\/grid\.json': ENOENT\n$/],
    [["--bogus"], /^stable-dio: unknown option '--bogus' \(allowed: .*--workers.*--help\)\n$/],
  ];
  for (const [argv, line] of errors) {
    it(`usage error: sweep ${argv.join(" ")}`, async () => {
      const r = await cli("sweep", ...argv, "--out", join(tmp, "never"));
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(line);
    });
  }

  it("a directory it cannot write is one line, without the notes on skipped points before it", async () => {
    const file = join(tmp, "a-file");
    writeFileSync(file, "");
    const r = await cli("sweep", "-w", "racer,sub-page", "-p", "direct", "-d", "fs-csum", "-P", "ios=8", "--out", join(file, "sub"));
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(`stable-dio: cannot write the sweep to '${join(file, "sub")}': ENOTDIR\n`);
  });

  it("a grid file with an unknown key, and a journal with a broken line, are usage errors naming them", async () => {
    const file = join(tmp, "bad-grid.json");
    writeFileSync(file, JSON.stringify({ workloads: ["racer"], sizez: [4096] }));
    const g = await cli("sweep", "--grid", file);
    expect(g.code).toBe(2);
    expect(g.err).toBe(`stable-dio: ${file}:1: unknown key 'sizez' (allowed: sizes, threads, policies, workloads, fio, seeds, device, stable, core, params, wp)\n`);
    // A bad value in the file names the file and its line; the same value from a flag does not.
    const values = join(tmp, "bad-values.json");
    writeFileSync(values, JSON.stringify({ workloads: ["racer"], policies: ["wp-cow"], seeds: ["1..2"], sizes: ["4k", "1000"], params: { ios: 16 } }, null, 2));
    const v = await cli("sweep", "--grid", values, "--out", join(tmp, "never"));
    expect(v.code).toBe(2);
    expect(v.err).toBe(`stable-dio: ${values}:11: bad value '1000' for size: size 1000B is not a multiple of 512\n`);
    const f = await cli("sweep", "--grid", values, "--sizes", "4k,1000", "--out", join(tmp, "never"));
    expect(f.err).toBe("stable-dio: bad value '1000' for size: size 1000B is not a multiple of 512\n");
    writeFileSync(values, '{"workloads": ["racer"],\n "params": {"ios": {"n": 16}}}');
    expect((await cli("sweep", "--grid", values)).err).toBe(`stable-dio: ${values}:2: params.ios must be a number or a string\n`);
    writeFileSync(values, '{"workloads": ["racer"],\n "sizes": [-1e999]}');
    expect((await cli("sweep", "--grid", values)).err).toBe(`stable-dio: ${values}:2: bad JSON: -1e999 is too large for a number\n`);
    // One value per list item: an empty item, or two in one, is named with its own line.
    writeFileSync(values, '{"workloads": ["racer"],\n "sizes": ["4k",\n   ""]}');
    expect((await cli("sweep", "--grid", values)).err).toBe(`stable-dio: ${values}:3: 'sizes' item 2 is empty (allowed: one value per item)\n`);
    writeFileSync(values, '{"workloads": ["racer"],\n "threads": ["1,2"]}');
    expect((await cli("sweep", "--grid", values)).err).toBe(`stable-dio: ${values}:2: 'threads' item 1 is '1,2', with a comma (allowed: one value per item)\n`);
    writeFileSync(values, '{"workloads": ["racer"],\n "params": {"ios": "16,qd=4"}}');
    expect((await cli("sweep", "--grid", values)).err).toBe(`stable-dio: ${values}:2: params.ios must be one value (no ',' or '=' in a name or value), got "16,qd=4"\n`);
    writeFileSync(values, '{"workloads": ["racer"],\n "seeds": [1, 2],}');
    expect((await cli("sweep", "--grid", values)).err).toBe(`stable-dio: ${values}:2: bad JSON: expected a property name in double quotes (a trailing comma?)\n`);

    const dir = join(tmp, "broken");
    await cli("sweep", "-w", "racer", "-p", "direct", "-P", "ios=16", "--out", dir, "--no-report");
    writeFileSync(join(dir, "points.jsonl"), "not json\n" + journalText(dir));
    const j = await cli("sweep", "-w", "racer", "-p", "direct", "-P", "ios=16", "--out", dir);
    expect(j.code).toBe(2);
    expect(j.err).toMatch(/^stable-dio: .*points\.jsonl line 1 is not a finished point \(not JSON\); move the file away to start the sweep over\n$/);
  });
});

describe("the summary over seeds, shards and their merge, big grids, own jobs", () => {
  const grid = ["-w", "racer,multithread", "-p", "bounce,wp-cow", "--sizes", "4k,64k", "--seeds", "1..3", "-P", "ios=16"];

  it("ends with a table over seeds (mean, 95% interval, min, max) on the terminal, in results.json and in results.csv", async () => {
    const dir = join(tmp, "summary");
    const r = await cli("sweep", ...grid, "--workers", "1", "--out", dir);
    expect(r.code, r.err).toBe(0);
    const doc = readResults(dir);
    // 2 workloads x 2 sizes x 2 policies, 3 seeds each.
    expect(doc.summary).toHaveLength(8);
    for (const row of doc.summary!) {
      expect(row.seeds).toEqual([1, 2, 3]);
      const runs = doc.runs.filter((x) => x.key.replace(/ seed=\d+/, "") === row.group);
      const us = runs.map((x) => x.projectedUsPerIo);
      const s = row.stats.projected_us_per_io;
      expect(s.n).toBe(3);
      expect(s.mean).toBeCloseTo(us.reduce((a, b) => a + b, 0) / 3, 9);
      expect([s.min, s.max]).toEqual([Math.min(...us), Math.max(...us)]);
      // Student's t with 2 degrees of freedom: mean +- 4.302653 s / sqrt(3).
      const sd = Math.sqrt(us.reduce((a, v) => a + (v - s.mean) ** 2, 0) / 2);
      expect(s.ci95![0]).toBeCloseTo(s.mean - (4.302653 * sd) / Math.sqrt(3), 9);
      expect(s.ci95![1]).toBeCloseTo(s.mean + (4.302653 * sd) / Math.sqrt(3), 9);
    }
    // racer wp-cow at 64K varies with the seed: its interval has width.
    const varied = doc.summary!.find((x) => x.workload === "racer" && x.policy === "wp-cow" && x.params.size === 65536)!;
    expect(varied.stats.projected_us_per_io.ci95![1]).toBeGreaterThan(varied.stats.projected_us_per_io.ci95![0]);
    // The terminal: one row per summary row, after the sweep's line.
    const lines = r.out.split("\n");
    expect(lines[2]).toMatch(/^Over seeds \(us\/I\/O projected from the built-in .* profile/);
    expect(lines[3]).toMatch(/^workload +policy +size +threads +seeds +us\/I\/O mean +95% interval +min +max +corrupt +copied$/);
    expect(lines.slice(4).filter((l) => l)).toHaveLength(8);
    expect(r.out).toMatch(/^racer +wp-cow +64K +- +3 +[\d.]+ +[\d.]+\.\.[\d.]+ +[\d.]+ +[\d.]+ +0 +\S+$/m);
    // results.csv: each run's row carries its group's summary.
    const { header, records } = readCsv(dir);
    expect(header.slice(-16)).toEqual(["seeds_n", ...["projected_us_per_io", "corruptions", "bytes_copied"].flatMap((m) =>
      ["mean", "min", "max", "ci95_low", "ci95_high"].map((s) => `${m}_${s}`))]);
    const rec = records.find((x) => x.workload === "racer" && x.policy === "wp-cow" && x.size === "65536")!;
    expect(Number(rec.seeds_n)).toBe(3);
    expect(Number(rec.projected_us_per_io_ci95_low)).toBe(varied.stats.projected_us_per_io.ci95![0]);
    // The chart's points carry the interval (the error bars: test/report-browser.test.ts).
    const point = doc.costCurve.points.find((p) => p.panel === "racer" && p.policy === "wp-cow" && p.size === 65536)!;
    expect([point.n, point.lo, point.hi]).toEqual([3, ...varied.stats.projected_us_per_io.ci95!]);
  });

  it("--shard 1/2 and 2/2 into two directories, merged with report --from, give the unsharded sweep's points", async () => {
    const whole = join(tmp, "whole");
    expect((await cli("sweep", ...grid, "--workers", "2", "--out", whole)).code).toBe(0);
    const [a, b] = [join(tmp, "shard-a"), join(tmp, "shard-b")];
    const one = await cli("sweep", ...grid, "--workers", "1", "--shard", "1/2", "--out", a, "--no-report");
    expect(one.err).toContain(`sweep: 12 points (shard 1/2 of a grid of 24 points): 0 already in ${join(a, "points.jsonl")}, 12 to run on 1 worker thread\n`);
    // The merge refuses half a grid, naming the shard it lacks.
    const half = await cli("report", "--from", a, "--out", join(tmp, "half"));
    expect(half.code).toBe(2);
    expect(half.err).toBe("stable-dio: 12 points of the grid's 24 are in none of the journals: shard 2/2 (not given); finish them (the same sweep command resumes) and merge again\n");
    expect((await cli("sweep", ...grid, "--workers", "1", "--shard", "2/2", "--out", b, "--no-report")).code).toBe(0);
    const merged = join(tmp, "merged");
    const m = await cli("report", "--from", a, b, "--out", merged);
    expect(m.code, m.err).toBe(0);
    expect(m.err).toBe(`stable-dio: report: ${merged}/index.html (results.json and results.csv beside it)\n`);
    const [w, g] = [readResults(whole), readResults(merged)];
    expect(g.runs).toEqual(w.runs);
    expect(g.costCurve).toEqual(w.costCurve);
    expect(g.ipiCurve).toEqual(w.ipiCurve);
    expect(g.summary).toEqual(w.summary);
    expect(g.sweep).toMatchObject({ grid: w.sweep!.grid, points: 24, merged: [a, b] });
    // Another sweep's directory is not a shard of this one.
    const other = join(tmp, "other");
    expect((await cli("sweep", "-w", "racer", "-p", "direct", "-P", "ios=16", "--out", other, "--no-report")).code).toBe(0);
    const mixed = await cli("report", "--from", a, other, "--out", join(tmp, "mixed"));
    expect(mixed.err).toBe(`stable-dio: '${other}' is not a shard of the same sweep as '${a}': their grids (sweep.json) differ\n`);
    expect((await cli("report", "--from", join(tmp, "nowhere"))).err).toMatch(/has no sweep\.json: not a sweep's directory/);
  });

  it("a grid beyond a few thousand points is said first: its points, its estimated time and journal, how to shard it", async () => {
    const dir = join(tmp, "big");
    const r = await cli("sweep", "-w", "db-writer", "-p", "direct", "--seeds", "1..5001", "-P", "ios=4", "--shard", "1/2501", "--workers", "1", "--out", dir, "--no-report");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^stable-dio: a grid of 5,001 points: about \S+( \S+)? on 1 worker thread here \([\d.]+ s a point, estimated from 2 points run first\) and a journal of about [\d.]+[KMG]?; this shard \(1\/2501\) runs 2 of them, about \S+ more; to spread it over machines, run it as shards \(--shard K\/N\) and merge them/m);
    // The points run for the estimate are journaled, not run twice.
    expect(journal(dir).map((l) => l.worker)).toEqual([0, 0]);
    const small = await cli("sweep", "-w", "db-writer", "-p", "direct", "--seeds", "1..2", "-P", "ios=4", "--out", join(tmp, "small"), "--no-report");
    expect(small.err).not.toMatch(/a grid of/);
  });

  it("takes workload files and fio jobs as the other commands do, and --json prints the report's document", async () => {
    const job = join(tmp, "seq.fio");
    writeFileSync(job, "[seq]\nioengine=libaio\nrw=write\nbs=16k\nsize=256k\ndirect=1\n");
    const wl = join(tmp, "mine.json");
    writeFileSync(wl, readFileSync("workloads/racer.json", "utf8").replace('"id": "racer"', '"id": "my-racer"'));
    const dir = join(tmp, "own");
    const r = await cli("sweep", "--workload", `racer,${wl}`, "--fio", job, "-p", "direct", "-P", "ios=16", "--seeds", "1,2", "--workers", "1", "--out", dir, "--json");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`stable-dio: ${job}: ignored (no effect on the model): ioengine\n`);
    const doc = JSON.parse(r.out) as ResultsDoc;
    expect(doc).toEqual(readResults(dir));
    expect([...new Set(doc.runs.map((x) => x.workload))]).toEqual(["racer", "my-racer", "seq"]);
    // A file's points carry its spec's digest: an edited file is new points, not the old ones resumed.
    expect(doc.runs.filter((x) => x.workload !== "racer").every((x) => / spec=[0-9a-f]{12}$/.test(x.key))).toBe(true);
    expect(doc.runs.filter((x) => x.workload === "racer").every((x) => !x.key.includes("spec="))).toBe(true);
    writeFileSync(job, "[seq]\nrw=write\nbs=8k\nsize=256k\ndirect=1\n");
    const again = await cli("sweep", "--workload", `racer,${wl}`, "--fio", job, "-p", "direct", "-P", "ios=16", "--seeds", "1,2", "--workers", "1", "--out", dir);
    expect(again.err).toContain(`sweep: 6 points: 4 already in ${join(dir, "points.jsonl")}, 2 to run`);
  });
});
