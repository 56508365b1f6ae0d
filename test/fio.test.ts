// fio job files: jobs as fio's own documentation writes them run and report;
// the options that matter change the run as fio means them; ignored ones are
// listed once; every bad file is one line naming file, line and problem.
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fioWorkload } from "../src/fio/translate.js";
import { parseJobFile } from "../src/fio/parse.js";
import type { RunResult } from "../src/host/result.js";
import type { JsonReport } from "../src/report/json.js";
import { cli } from "./support/cli.js";
import { expectFileError } from "./support/file-error.js";

const dir = mkdtempSync(join(tmpdir(), "stable-dio-fio-"));
let n = 0;
function jobFile(lines: string[]): string {
  const path = join(dir, `job${n++}.fio`);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

/** Runs a job file under one policy and returns its result. */
async function runJob(lines: string[], ...more: string[]): Promise<{ r: RunResult; doc: JsonReport; err: string }> {
  const res = await cli("run", "--fio", jobFile(lines), "-p", "bounce", "--json", ...more);
  expect(res.code, res.err).toBe(0);
  const doc = JSON.parse(res.out) as JsonReport;
  return { r: doc.results[0], doc, err: res.err };
}

describe("jobs written as fio's documentation writes them", () => {
  it("[global] ioengine=libaio direct=1 bs=4k iodepth=32, then [randwrite] rw=randwrite numjobs=4 size=64m: runs and reports", async () => {
    const path = jobFile(["[global]", "ioengine=libaio", "direct=1", "bs=4k", "iodepth=32", "", "[randwrite]", "rw=randwrite", "numjobs=4", "size=64m"]);
    const table = await cli("run", "--fio", path, "--policy", "direct");
    expect(table.code).toBe(0);
    expect(table.err).toBe(`stable-dio: ${path}: ignored (no effect on the model): ioengine\n`);
    // The table, then a blank line and the notes on the projected column.
    const rows = table.out.split("\n\n")[0].trimEnd().split("\n");
    expect(rows[0]).toMatch(/^workload +device +policy +corrupt .* stall +proj_us$/);
    expect(rows[1]).toMatch(/^randwrite +fs-csum +direct +0 /); // named as fio names the job: its section
    expect(rows).toHaveLength(2);

    const json = await cli("run", "--fio", path, "--policy", "direct,wp-cow", "--json");
    const doc = JSON.parse(json.out) as JsonReport;
    expect(doc.source).toEqual({ file: path, kind: "fio", ignored: ["ioengine"], notModelled: [], notes: [] });
    for (const r of doc.results) {
      expect(r.config.max_procs).toBe(4); // numjobs: four processes
      expect(r.config.disk_blocks).toBe((4 * 64 * 1024 * 1024) / 4096); // each its own 64 MiB file
      expect(r.counters.writes).toBe(4 * 16384);
      expect(r.counters.bytes_written).toBe(4 * 64 * 1024 * 1024);
      expect(r.counters.reads).toBe(0);
      expect(r.balance.ok).toBe(true);
    }
    expect(doc.results[1].counters.protected_ios).toBe(4 * 16384);
    expect(doc.results[1].counters.cow_copies).toBe(0);
  });

  it("the HOWTO's random-writers (direct=0): runs as direct I/O, with a note", async () => {
    const lines = ["; -- start job file --", "[random-writers]", "ioengine=libaio", "iodepth=4", "rw=randwrite", "bs=32k",
      "direct=0", "size=64m", "numjobs=4", "; -- end job file --"];
    const res = await cli("run", "--fio", jobFile(lines), "-p", "direct");
    expect(res.code).toBe(0);
    expect(res.err).toMatch(/ignored \(no effect on the model\): ioengine\n/);
    expect(res.err).toMatch(/job\d+\.fio:7: job 'random-writers' is buffered \(direct=0\): stable-dio runs it as direct I\/O/);
    expect(res.out).toMatch(/^random-writers +fs-csum +direct/m);
  });

  it("the HOWTO's first example: two jobs reading 128 MiB each from a [global] section", async () => {
    const { r } = await runJob(["; -- start job file --", "[global]", "rw=randread", "size=128m", "", "[job1]", "", "[job2]", "", "; -- end job file --"]);
    expect(r.config.max_procs).toBe(2);
    expect(r.counters.reads).toBe(2 * 32768);
    expect(r.counters.writes).toBe(0);
  });

  it("every example job file shipped in examples/fio runs", async () => {
    const files = readdirSync("examples/fio").filter((f) => f.endsWith(".fio"));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const res = await cli("run", "--fio", `examples/fio/${f}`, "-p", "direct,bounce", "--json");
      expect(res.code, `${f}: ${res.err}`).toBe(0);
      const doc = JSON.parse(res.out) as JsonReport;
      expect(doc.results.map((r) => r.policy)).toEqual(["direct", "bounce"]);
      expect(doc.results[1].counters.corruptions, f).toBe(0);
    }
  });

  it("sd_modify: the qemu-guest example corrupts under direct and not under bounce", async () => {
    const res = await cli("run", "--fio", "examples/fio/qemu-guest.fio", "-p", "direct,bounce,wp-cow", "--json");
    const [direct, bounce, cow] = (JSON.parse(res.out) as JsonReport).results;
    expect(direct.device).toBe("pi");
    expect(direct.config.max_procs).toBe(1); // thread: the clones are threads of one process
    expect(direct.config.max_threads).toBe(4); // two iothreads, a modifier each
    expect(direct.counters.corruptions).toBeGreaterThan(0);
    expect(bounce.counters.corruptions).toBe(0);
    expect(cow.counters.corruptions).toBe(0);
    expect(cow.counters.warnings).toBe(1);
  });
});

describe("the options that matter", () => {
  const base = ["[j]", "direct=1", "size=1m"];

  it("rw and bs per direction: randrw with bs=4k,8k reads 4 KiB and writes 8 KiB; rwmixread sets the mix", async () => {
    const { r } = await runJob([...base, "rw=randrw", "rwmixread=70", "bs=4k,8k", "size=8m"]);
    expect(r.counters.reads + r.counters.writes).toBeGreaterThan(0);
    expect(r.counters.bytes_read).toBe(r.counters.reads * 4096);
    expect(r.counters.bytes_written).toBe(r.counters.writes * 8192);
    expect(r.counters.reads).toBeGreaterThan(r.counters.writes);
  });

  it("rwmixwrite after rwmixread overrides it, as in fio", async () => {
    const { r } = await runJob([...base, "rw=rw", "rwmixread=90", "rwmixwrite=90", "size=4m"]);
    expect(r.counters.writes).toBeGreaterThan(r.counters.reads);
  });

  it("read and write: one direction each; the default rw is read", async () => {
    expect((await runJob([...base, "rw=write"])).r.counters.reads).toBe(0);
    const dflt = (await runJob(base)).r;
    expect(dflt.counters.writes).toBe(0);
    expect(dflt.counters.reads).toBe(256);
  });

  it("bsrange draws sizes in the range; loops repeats; number_ios caps", async () => {
    const ranged = (await runJob([...base, "rw=randwrite", "bsrange=4k-64k", "size=4m"])).r;
    expect(ranged.counters.bytes_written % 4096).toBe(0);
    expect(ranged.counters.bytes_written / ranged.counters.writes).toBeGreaterThan(4096);
    expect((await runJob([...base, "rw=write", "loops=3"])).r.counters.writes).toBe(3 * 256);
    expect((await runJob([...base, "rw=write", "number_ios=10"])).r.counters.writes).toBe(10);
  });

  it("thread makes numjobs threads of one process; offset and nrfiles place the files", async () => {
    const threads = (await runJob([...base, "rw=write", "numjobs=3", "thread"])).r;
    expect(threads.config.max_procs).toBe(1);
    expect(threads.config.max_threads).toBe(3);
    expect(threads.config.cpus).toBe(3);
    const placed = (await runJob([...base, "rw=write", "offset=1m", "nrfiles=4"])).r;
    expect(placed.config.disk_blocks).toBe(512); // offset + size = 2 MiB
    expect(placed.counters.writes).toBe(256);
  });

  it("fio's units: with kb_base=1024 (the default) 4k is 4096 and 4ki is 4000", async () => {
    expect((await runJob([...base, "rw=write", "bs=4k"])).r.counters.bytes_written).toBe(1024 * 1024);
    const res = await cli("run", "--fio", jobFile([...base, "rw=write", "bs=4ki"]));
    expect(res.err).toMatch(/bs=4ki: block sizes are 512 B\.\.4 MiB, multiples of 512 \(direct I\/O\); got 4000/);
  });

  it("mem=shm with sd_modify_by=fork: another process shares the pool, so write-protect must wait", async () => {
    const lines = [...base, "rw=randwrite", "bs=16k", "iodepth=4", "size=4m", "mem=shm", "sd_device=parity",
      "sd_modify=0.5", "sd_modify_by=fork", "sd_modify_max=512"];
    const { r } = await runJob(lines, "-p", "wp-cow");
    expect(r.config.max_procs).toBe(2);
    expect(r.counters.shared_waits).toBeGreaterThan(0);
    expect(r.counters.cow_copies).toBe(0);
  });

  it("sd_buffers_of: the reader's clones are threads of the writer's processes, on its buffers; GUP's write faults catch it under wp-cow", async () => {
    const lines = ["[global]", "direct=1", "bs=16k", "iodepth=4", "size=4m", "numjobs=2", "[w]", "rw=randwrite", "[r]", "rw=randread", "sd_buffers_of=w"];
    const { r } = await runJob(lines, "-p", "wp-cow");
    expect(r.config.max_procs).toBe(2); // w's two clones; r's run in theirs
    expect(r.config.max_threads).toBe(4);
    expect(r.counters.gup_write_faults).toBeGreaterThan(0);
    const direct = (await runJob(lines, "-p", "direct")).r;
    expect(direct.counters.corruptions).toBeGreaterThan(0);
    expect(direct.counters.gup_write_faults).toBe(0);
  });

  it("sd_written=0: the file was never written, so on fs-csum every read page is unverified", async () => {
    const lines = [...base, "rw=randread", "bs=8k", "size=4m"];
    const never = (await runJob([...lines, "sd_written=0"])).r;
    expect(never.counters.unwritten_reads).toBe(never.counters.reads * 2);
    expect((await runJob(lines)).r.counters.unwritten_reads).toBe(0);
  });

  it("sd_ring: the buffers are laid over the clone's completion ring, which every completion writes; a thread job's clones share one", async () => {
    const lines = ["[j]", "direct=1", "rw=randwrite", "bs=4k", "iodepth=4", "size=4m", "sd_ring=io_uring"];
    const { r } = await runJob(lines, "-p", "wp-cow");
    expect(r.counters.kernel_stores).toBe(2 * r.counters.completions);
    expect(r.counters.kernel_stores_inflight).toBeGreaterThan(0);
    expect(r.counters.corruptions).toBeGreaterThan(0);
    expect(r.counters.faults).toBe(0);
    const two = (await runJob([...lines, "numjobs=2", "thread=1"], "-p", "wp-cow")).r;
    expect(two.config.max_procs).toBe(1);
    expect(two.counters.kernel_stores).toBe(2 * two.counters.completions);
  });

  it("sd_modify_by=attach: a process not forked from the clone maps its segment; the rmap finds it, so wp-cow waits", async () => {
    const lines = [...base, "rw=randwrite", "bs=16k", "iodepth=4", "size=4m", "mem=shm", "sd_modify=0.5", "sd_modify_by=attach", "sd_modify_max=512"];
    const { r } = await runJob(lines, "-p", "wp-cow");
    expect(r.config.max_procs).toBe(2);
    expect(r.counters.forks).toBe(0);
    expect(r.counters.shared_waits).toBeGreaterThan(0);
    expect(r.counters.corruptions).toBe(0);
    expect((await runJob(lines, "-p", "direct")).r.counters.corruptions).toBeGreaterThan(0);
  });

  it("I/O stops at size: bsrange=4k-64k size=128m writes exactly 128 MiB, sequential or random, and io_size x loops", async () => {
    for (const rw of ["write", "randwrite"]) {
      const r = (await runJob(["[j]", "direct=1", `rw=${rw}`, "bsrange=4k-64k", "size=128m"])).r;
      expect(r.counters.bytes_written, rw).toBe(128 * 1024 * 1024);
      expect(r.counters.writes, rw).toBeLessThan((128 * 1024 * 1024) / 4096 / 4); // the sizes were drawn, not all 4k
    }
    const looped = (await runJob(["[j]", "direct=1", "rw=write", "bsrange=4k-64k", "size=4m", "io_size=2m", "loops=3"])).r;
    expect(looped.counters.bytes_written).toBe(3 * 2 * 1024 * 1024);
  });

  it("bssplit draws the sizes by their percentages (per direction as fio reads it); missing ones share the rest", async () => {
    const r = (await runJob([...base, "rw=randwrite", "bssplit=4k/50:64k/50", "size=64m"])).r;
    expect(r.counters.bytes_written).toBe(64 * 1024 * 1024);
    // Every write is 4 KiB or 64 KiB but the last, cut to what is left: bytes = 4k * n4 + 64k * n64 + (the cut one).
    const n64 = Math.floor((r.counters.bytes_written - 4096 * r.counters.writes) / (65536 - 4096));
    expect(n64 / r.counters.writes).toBeGreaterThan(0.4);
    expect(n64 / r.counters.writes).toBeLessThan(0.6);
    // Reads 8k, writes 4k or 16k (16k taking the 80% the 4k leaves); the last I/O may be cut to 4k.
    const mixed = (await runJob([...base, "rw=randrw", "bssplit=8k,4k/20:16k", "size=16m"])).r;
    expect(mixed.counters.reads * 8192 - mixed.counters.bytes_read).toBeLessThanOrEqual(4096);
    const w16 = Math.floor((mixed.counters.bytes_written - 4096 * mixed.counters.writes) / (16384 - 4096));
    expect(w16 / mixed.counters.writes).toBeGreaterThan(0.7);
    expect(w16 / mixed.counters.writes).toBeLessThan(0.9);
    // The last of bs, bsrange and bssplit wins.
    expect((await runJob([...base, "rw=write", "bssplit=64k", "bs=8k"])).r.counters.bytes_written).toBe(128 * 8192);
  });

  it("iodepth keeps that many I/Os in flight, up to 256: --json's inflight.max says how many there were", async () => {
    const depth = async (qd: number) => (await runJob(["[j]", "direct=1", "rw=randwrite", "bs=4k", "size=8m", `iodepth=${qd}`, "numjobs=2", "sd_modify=0.05"])).r;
    const [d1, d8, d32, d256] = [await depth(1), await depth(8), await depth(32), await depth(256)];
    expect([d1, d8, d32, d256].map((r) => r.inflight.max)).toEqual([1, 8, 32, 256]);
    for (const r of [d1, d8, d32, d256]) expect(r.inflight.short).toEqual([]);
    // The device is slow next to the jobs (docs/fio.md): its floor grows with the depth and the threads.
    expect([d1, d8, d32].map((r) => r.params.min_latency)).toEqual([0, 4 * 4 * 8, 4 * 4 * 32]);
  });

  it("stonewall orders the jobs: a stonewalled job starts when the ones before it ended", async () => {
    // Two jobs, threads of one process: the trace's submit lines name the submitting thread, in the order the run made them.
    const lines = ["[global]", "direct=1", "rw=write", "bs=4k", "size=64k", "iodepth=4", "thread", "[first]", "[second]"];
    const together = await cli("run", "--fio", jobFile(lines), "-p", "direct", "--json");
    const walled = await cli("run", "--fio", jobFile([...lines, "stonewall"]), "-p", "direct", "--json");
    const trace = async (extra: string[]) => {
      const path = jobFile([...lines, ...extra]);
      const r = await cli("record", "--fio", path, "-p", "direct");
      expect(r.code, r.err).toBe(0);
      return r.out.split("\n").filter((l) => l.startsWith("submit ")).map((l) => Number(l.split(" ")[1])); // submit TID ...
    };
    expect(together.code).toBe(0);
    expect(walled.code).toBe(0);
    const mixed = await trace([]);
    const ordered = await trace(["stonewall"]);
    expect(mixed).toHaveLength(32);
    expect(ordered).toHaveLength(32);
    // Without stonewall the two interleave; with it every I/O of the first comes before any of the second.
    expect(mixed.slice(0, 16).some((t) => t !== mixed[0])).toBe(true);
    expect(ordered).toEqual([...Array(16).fill(ordered[0]), ...Array(16).fill(ordered[16])]);
    expect(ordered[0]).not.toBe(ordered[16]);
    // wait_for=NAME waits for that job only; wait_for_previous is stonewall.
    expect(await trace(["wait_for_previous"])).toEqual(ordered);
    expect(await trace(["wait_for=first"])).toEqual(ordered);
  });

  it("fio options stable-dio does not model are accepted and said once as not modelled", async () => {
    const path = jobFile(["[a]", "size=1m", "direct=1", "random_distribution=zipf:1.2", "zonemode=none", "[b]", "size=1m", "direct=1", "zonemode=none"]);
    const res = await cli("run", "--fio", path, "-p", "direct", "--json");
    expect(res.code, res.err).toBe(0);
    expect(res.err).toBe(`stable-dio: ${path}: not modelled (fio options stable-dio runs the job without): random_distribution, zonemode\n`);
    expect((JSON.parse(res.out) as JsonReport).source?.notModelled).toEqual(["random_distribution", "zonemode"]);
  });

  it("ignored options are listed once, in the order first met", async () => {
    const res = await cli("run", "--fio", jobFile(["[global]", "ioengine=libaio", "group_reporting", "direct=1", "[a]", "size=1m", "runtime=10",
      "[b]", "size=1m", "ioengine=io_uring", "time_based"]), "-p", "direct");
    expect(res.code).toBe(0);
    expect(res.err).toMatch(/: ignored \(no effect on the model\): ioengine, group_reporting, runtime, time_based\n$/);
  });
});

describe("fio's offset modifier (rw=randwrite:8, rw=write:4k): accepted, ignored, and said once", () => {
  it("runs as the pattern without it, with one note for the file naming the first, in --json's source.notes too", async () => {
    const base = ["[global]", "direct=1", "size=1m", "bs=4k", "iodepth=4"];
    const plain = await runJob([...base, "[a]", "rw=randwrite", "[b]", "rw=write"]);
    const path = jobFile([...base, "rw_sequencer=identical", "[a]", "rw=randwrite:8", "[b]", "rw=write:4k"]);
    const res = await cli("run", "--fio", path, "-p", "bounce", "--json");
    expect(res.code, res.err).toBe(0);
    const doc = JSON.parse(res.out) as JsonReport;
    expect(doc.results[0].counters).toEqual(plain.r.counters);
    const note = `${path}:8: rw=randwrite:8: fio's offset modifier is ignored, here and in every job: ` +
      "stable-dio draws a new random offset for every I/O (fio: one every 8 I/Os, sequential in between)";
    expect(doc.source).toEqual({ file: path, kind: "fio", ignored: ["rw_sequencer"], notModelled: [], notes: [note] });
    expect(res.err).toBe(`stable-dio: ${path}: ignored (no effect on the model): rw_sequencer\nstable-dio: ${note}\n`);
  });

  it("a sequential pattern's modifier is a gap: the note says there are no holes", async () => {
    const path = jobFile(["[a]", "direct=1", "size=1m", "readwrite=rw:64k"]);
    const res = await cli("run", "--fio", path, "-p", "direct");
    expect(res.code, res.err).toBe(0);
    expect(res.err).toBe(`stable-dio: ${path}:4: rw=rw:64k: fio's offset modifier is ignored, here and in every job: ` +
      "stable-dio's sequential I/O has no holes (fio: 64k skipped after each I/O)\n");
  });

  const bad: Array<[string, string, RegExp]> = [
    ["randwrite:x", "a random pattern's count that is not one", /rw=randwrite:x: the offset modifier of a random pattern is a number of I\/Os, 1 or more \(e\.g\. randwrite:8\)\n$/],
    ["randread:0", "a count of 0", /rw=randread:0: the offset modifier of a random pattern is a number of I\/Os/],
    ["write:", "an empty gap", /rw=write:: the offset modifier of a sequential pattern is a byte count \(e\.g\. write:4k\)\n$/],
    ["read:4q", "a gap that is not a byte count", /rw=read:4q: the offset modifier of a sequential pattern is a byte count/],
    ["trim:8", "an unknown pattern with a modifier", /rw=trim:8: allowed: read, randread, write, randwrite, rw, readwrite, randrw, each with an optional offset modifier/],
  ];
  for (const [value, what, problem] of bad) {
    it(`${what} (rw=${value}) is one line naming file and line`, async () => {
      const path = jobFile(["[a]", "size=1m", `rw=${value}`]);
      expectFileError(await cli("run", "--fio", path), path, 3, problem);
    });
  }
});

describe("the INI level", () => {
  it("comments, bare options, and [global] only for the jobs below it", () => {
    const jobs = parseJobFile("f.fio", [
      "; comment", "# comment", "[global]", "bs=4k ; trailing comment", "[a]", "thread", "[global]", "iodepth=8", "[b]", "size=1m",
    ].join("\n"));
    expect(jobs.map((j) => j.name)).toEqual(["a", "b"]);
    expect(jobs[0].options).toEqual([{ name: "bs", value: "4k", line: 4 }, { name: "thread", value: undefined, line: 6 }]);
    expect(jobs[1].options.map((o) => o.name)).toEqual(["bs", "iodepth", "size"]);
  });

  it("the workload is named as fio names the job: its section, or name=; a file of differently named jobs after the file", () => {
    const f = fioWorkload("dir/My Job.fio", "[a]\nsize=1m\n");
    expect(f.workload.id).toBe("a");
    expect(f.workload.summary).toBe("fio job file My Job.fio: a");
    expect(fioWorkload("dir/x.fio", "[a]\nname=Seq Writer\nsize=1m\n").workload.id).toBe("seq-writer");
    // name= in [global] names every job alike: still one name.
    expect(fioWorkload("dir/x.fio", "[global]\nname=pool\nsize=1m\n[a]\n[b]\n").workload.id).toBe("pool");
    const two = fioWorkload("dir/My Job.fio", "[a]\nsize=1m\n[b]\nsize=1m\n");
    expect(two.workload.id).toBe("my-job");
    expect(two.workload.summary).toBe("fio job file My Job.fio: a, b");
  });
});

describe("bad job files: one line naming file, line and problem; exit 2; no stack trace", () => {
  const cases: Array<[string, string[], number, RegExp]> = [
    ["an invalid value", ["[a]", "size=1m", "iodepth=abc"], 3, /iodepth=abc: expected a whole number/],
    ["a value out of range", ["[a]", "size=1m", "iodepth=1000"], 3, /iodepth=1000: out of range \(1\.\.256\)/],
    ["an unknown option", ["[a]", "size=1m", "colour=red"], 3, /: unknown option 'colour': fio has no such option; docs\/fio\.md lists what stable-dio reads\n$/],
    ["a misspelled option", ["[a]", "size=1m", "iodepht=8"], 3, /: unknown option 'iodepht': fio has no such option \(did you mean 'iodepth'\?\); docs\/fio\.md/],
    ["bssplit over 100%", ["[a]", "size=1m", "bssplit=4k/60:64k/60"], 3, /bssplit=4k\/60:64k\/60: the percentages add to 120, more than 100/],
    ["bssplit without a size", ["[a]", "size=1m", "bssplit=/50"], 3, /bssplit=\/50: each entry is a size and its percentage, e.g. 4k\/50/],
    ["wait_for a job not yet seen", ["[a]", "size=1m", "wait_for=b", "[b]", "size=1m"], 3, /wait_for=b: no earlier job named 'b' \(jobs so far: none\)/],
    ["an option outside a section", ["bs=4k", "[a]"], 1, /option 'bs=4k' outside a section/],
    ["an include", ["[a]", "include other.fio"], 2, /include is not supported/],
    ["trim", ["[a]", "size=1m", "rw=trim"], 3, /rw=trim: allowed: read, randread, write, randwrite, rw, readwrite, randrw/],
    ["no size", ["[a]", "rw=write"], 1, /job 'a' needs size=/],
    ["a percentage", ["[a]", "size=1m", "offset=10%"], 3, /offset=10%: percentages need a real file/],
    ["a bool that is not one", ["[a]", "size=1m", "direct=yes"], 3, /direct=yes: expected 0 or 1/],
    ["a bad section header", ["[a", "size=1m"], 1, /bad section header/],
    ["512 B I/O on fs-csum", ["[a]", "size=1m", "bs=512"], 3, /fs-csum does 4 KiB-aligned I\/O only, and size is 512B/],
    ["two devices", ["[a]", "size=1m", "sd_device=pi", "[b]", "size=1m", "sd_device=parity"], 6, /sd_device=parity: one device per run/],
    ["too much disk", ["[a]", "size=512m", "numjobs=4"], 3, /numjobs=4: the jobs need 2G of disk/],
    ["sd_modify_* without sd_modify", ["[a]", "size=1m", "sd_modify_when=after-dma"], 3, /has no effect without sd_modify/],
    ["a bad sd_flags", ["[a]", "size=1m", "sd_flags=unsafe,sloppy"], 3, /unknown flag 'sloppy'/],
    ["sd_ring with its own buffers", ["[a]", "size=1m", "mem=shm", "sd_ring=aio"], 3, /mem=shm: sd_ring lays the buffers over the completion ring: no other buffers/],
    ["a bad sd_ring", ["[a]", "size=1m", "sd_ring=posix"], 3, /sd_ring=posix: allowed: aio, io_uring/],
    ["attach without a segment", ["[a]", "size=1m", "sd_modify=0.5", "sd_modify_by=attach"], 4, /sd_modify_by=attach: attach needs buffers another process can attach: mem=shm or mem=mmapshared/],
    ["sd_buffers_of a job not yet seen", ["[a]", "size=1m", "sd_buffers_of=b", "[b]", "size=1m"], 3, /sd_buffers_of=b: no earlier job named 'b' \(jobs so far: none\)/],
    ["sd_buffers_of with other clone counts", ["[a]", "size=1m", "numjobs=2", "[b]", "size=1m", "numjobs=3", "sd_buffers_of=a"], 7, /sd_buffers_of=a: job 'a' has 2 clones and this job 3/],
    ["sd_buffers_of with its own buffers", ["[a]", "size=1m", "[b]", "size=1m", "mem=shm", "sd_buffers_of=a"], 5, /mem=shm: the clones use job 'a''s buffers: mem comes from there/],
    ["sd_buffers_of with other flags", ["[a]", "size=1m", "[b]", "size=1m", "sd_flags=trusted", "sd_buffers_of=a"], 5, /sd_flags=trusted: the clones run in job 'a''s processes, whose sd_flags differ/],
    ["sd_buffers_of with bigger blocks", ["[a]", "size=1m", "bs=4k", "[b]", "size=1m", "bs=8k", "sd_buffers_of=a"], 7, /: thread "a"'s buffers are 4K, smaller than this job's I\/O \(8K\)\n$/],
    // Found by test/fuzz-fio.test.ts: the first named no line, the second named the field as processes[0].threads[0].io.modify.max.
    ["no job section: the line where the input ends", ["; only a comment", "[global]", "bs=4k"], 4, /: no job section \(a \[name\] section/],
    ["a value the engine checks, named by its option", ["[a]", "rw=randwrite", "size=64k", "sd_modify=0.5", "sd_modify_max=1"], 5, /: sd_modify_max 1B is out of range \(512B\.\.4M\)\n$/],
  ];
  for (const [what, lines, line, problem] of cases) {
    it(what, async () => {
      const path = jobFile(lines);
      expectFileError(await cli("run", "--fio", path), path, line, problem);
    });
  }

  it("a job the flags cannot run: one line naming the file, without the file's notes before it", async () => {
    // Found by fuzzing: the ignored-options note and the buffered-job note came first, then an error that did not name the file.
    const path = jobFile(["[a]", "ioengine=libaio", "sd_device=pi", "bs=512", "size=64k"]);
    const r = await cli("run", "--fio", path, "-p", "direct", "-d", "fs-csum");
    expect(r.code).toBe(2);
    expect(r.err).toBe(`stable-dio: ${path}: workload 'a' cannot run on fs-csum: fs-csum does 4 KiB-aligned I/O only, and size is 512B (pi and parity take 512 B I/O)\n`);
    const ok = await cli("run", "--fio", path, "-p", "direct");
    expect(ok.code).toBe(0);
    expect(ok.err.split("\n")[0]).toBe(`stable-dio: ${path}: ignored (no effect on the model): ioengine`);
  });

  it("run takes exactly one of --workload and --fio, and names its own options", async () => {
    expect((await cli("run")).err).toMatch(/^stable-dio: run takes one of --workload FILE\|ID or --fio JOB\.fio \(workloads: db-writer, .*, or a \.json workload file\)\n$/);
    expect((await cli("run", "--fio", "a.fio", "--workload", "racer")).code).toBe(2);
    const bogus = await cli("run", "--bogus");
    expect(bogus.code).toBe(2);
    expect(bogus.err).toMatch(/^stable-dio: unknown option '--bogus' \(allowed: --policy, --workload, .*--fio, --out, --no-report, --help\)\n$/);
  });
});
