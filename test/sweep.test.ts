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
    expect(second.out).toBe(`sweep: ${POINTS} points: ${POINTS - done.length} computed on 2 worker threads, ${done.length} from the journal; ` +
      `report: ${dir}/index.html\n`);

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
    expect(readdirSync(dir)).toEqual(["points.jsonl"]);
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
    expect(g.err).toBe(`stable-dio: ${file}:1: unknown key 'sizez' (allowed: sizes, threads, policies, workloads, seeds, device, stable, core, params)\n`);
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
