// One sweep per directory: OUT/.lock holds the running sweep's pid. A second
// sweep on the directory (a real second process) is one line naming the
// directory and that pid, exit 2, and touches nothing; a lock whose process
// is gone is taken over with a note; the lock goes when the sweep ends,
// fails, or is interrupted. States, never times: the test waits for the
// first sweep to hold the lock, not for a while.
import { type ChildProcess, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "./support/cli.js";
import { type Exit, runProcess } from "./support/process.js";

const tmp = mkdtempSync(join(tmpdir(), "stable-dio-lock-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The CLI as a process of its own; `started` gets it before it exits. */
const run = (args: string[], started?: (child: ChildProcess) => void) => runProcess(args, started);

/** A pid that certainly runs no process: a child that has exited and been reaped. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;
const SMALL = ["sweep", "-w", "racer", "-p", "direct", "-P", "ios=16", "--workers", "1", "--no-report"];

describe("the sweep's lock", () => {
  it("a directory another live process holds: exit 2, one line naming the directory and its pid; nothing written", async () => {
    const dir = join(tmp, "held");
    mkdirSync(dir);
    writeFileSync(join(dir, ".lock"), `${process.pid}\n`); // this test process holds it
    const r = await run([...SMALL, "--out", dir]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(`stable-dio: sweep directory '${dir}' is in use by process ${process.pid} (${join(dir, ".lock")}); ` +
      "wait for it to end, or give another --out\n");
    expect(readdirSync(dir)).toEqual([".lock"]);
    expect(readFileSync(join(dir, ".lock"), "utf8")).toBe(`${process.pid}\n`);
  });

  it("a lock left by a process that no longer runs is taken over with a note, and gone when the sweep ends", async () => {
    const dir = join(tmp, "stale");
    mkdirSync(dir);
    const pid = deadPid();
    writeFileSync(join(dir, ".lock"), `${pid}\n`);
    const r = await run([...SMALL, "--out", dir]);
    expect(r.code).toBe(0);
    expect(r.err.split("\n")[0]).toBe(`stable-dio: took over ${join(dir, ".lock")} from process ${pid}, which is no longer running`);
    expect(readdirSync(dir).sort()).toEqual(["points.jsonl", "sweep.json"]);
  });

  it("a lock that names no process is an error saying what to do, not taken over", async () => {
    const dir = join(tmp, "empty");
    mkdirSync(dir);
    writeFileSync(join(dir, ".lock"), "");
    const r = await cli(...SMALL, "--out", dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`stable-dio: sweep directory '${dir}' is locked by ${join(dir, ".lock")}, which holds no process id (""); ` +
      "if no sweep runs there, remove that file\n");
  });

  it("two sweeps on one directory: the second refused naming the first's pid; Ctrl-C on the first removes its lock", async () => {
    const dir = join(tmp, "two");
    const lock = join(dir, ".lock");
    // Long enough that it is still running when the second one has come and gone: it is interrupted below.
    const big = ["sweep", "-w", "racer", "--seeds", "1..200", "-P", "ios=2048", "--workers", "1", "--out", dir];
    let first: ChildProcess | undefined;
    const firstExit = run(big, (c) => void (first = c));
    let ended: Exit | undefined;
    void firstExit.then((e) => void (ended = e));
    // Wait for the first to hold the lock and to have journaled a point.
    while (!(existsSync(lock) && readFileSync(lock, "utf8") === `${first?.pid}\n` && existsSync(join(dir, "points.jsonl")))) {
      if (ended) throw new Error(`the first sweep ended (${ended.code}) before it held the lock: ${ended.err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const second = await run(big);
    expect(second.code).toBe(2);
    expect(second.err).toBe(`stable-dio: sweep directory '${dir}' is in use by process ${first?.pid} (${lock}); wait for it to end, or give another --out\n`);
    expect(readFileSync(lock, "utf8")).toBe(`${first?.pid}\n`);
    first?.kill("SIGINT");
    const f = await firstExit;
    expect(f.signal, `the first sweep ended (${f.code}) before it was interrupted`).toBe("SIGINT");
    expect(existsSync(lock)).toBe(false);
    // Every point it journaled is there once.
    const keys = readFileSync(join(dir, "points.jsonl"), "utf8").split("\n").filter((l) => l.endsWith("}")).map((l) => (JSON.parse(l) as { key: string }).key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("a sweep that fails after taking the lock (a broken journal) leaves no lock", async () => {
    const dir = join(tmp, "broken");
    mkdirSync(dir);
    writeFileSync(join(dir, "points.jsonl"), "not json\n");
    const r = await cli(...SMALL, "--out", dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/points\.jsonl line 1 is not a finished point/);
    expect(readdirSync(dir).sort()).toEqual(["points.jsonl", "sweep.json"]);
  });
});
