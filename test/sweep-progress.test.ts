// The sweep's progress on stderr: on a terminal a cli-progress bar with the
// ETA, drawn on the terminal it is given and handed back as it was found;
// otherwise one plain line per finished point. Content, never timing: which
// frames appear between the first and the last depends on the clock.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { fmtBytes } from "../src/shared/units.js";
import type { RunEntry } from "../src/report/document.js";
import { cliWith } from "./support/cli.js";
import { readResults } from "./support/report.js";

const tmp = mkdtempSync(join(tmpdir(), "stable-dio-progress-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A stream that says it is a 120-column terminal and keeps what is written to it. */
function terminal(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = "";
  const w = new Writable({ write: (chunk: Buffer, _enc, done) => void ((text += chunk.toString()), done()) });
  return { stream: Object.assign(w, { isTTY: true, columns: 120 }), text: () => text };
}

const ESC = "\x1b";
/** What the bar does to the terminal first (save the cursor, hide it, stop line wrapping) and last (the reverse, then a new line). */
const TAKE = `${ESC}7${ESC}[?25l${ESC}[?7l`;
const GIVE_BACK = `${ESC}[?25h${ESC}[?7h${ESC}8\n`;

/** The progress label of a run, as the sweep prints it. */
const label = (r: RunEntry) =>
  `${r.workload} ${r.policy} size=${fmtBytes(r.params.size)}${r.params.threads === undefined ? "" : ` threads=${r.params.threads}`} seed=${r.seed}`;

describe("sweep progress", () => {
  const dir = join(tmp, "sweep");
  const grid = ["-w", "racer,multithread", "--threads", "2", "-P", "ios=16", "--workers", "1", "--out", dir];

  it("not on a terminal: one plain line per finished point, in order, with its label and an eta; nothing drawn", async () => {
    const term = terminal();
    const r = await cliWith({ interactive: false, errStream: term.stream }, "sweep", "-p", "direct,bounce", ...grid);
    expect(r.code).toBe(0);
    expect(term.text()).toBe("");
    const lines = r.err.trimEnd().split("\n");
    expect(lines[0]).toBe(`sweep: 4 points: 0 already in ${join(dir, "points.jsonl")}, 4 to run on 1 worker thread`);
    // Last, the line every command ends with when it wrote a report.
    expect(lines.at(-1)).toBe(`stable-dio: report: ${dir}/index.html (results.json and results.csv beside it)`);
    const ticks = lines.slice(1, -1).map((l) => /^sweep: (\d+)\/4 (.+) \(eta (\d+s|\d+m\d\ds|\?)\)$/.exec(l));
    expect(ticks.map((m) => m?.[1])).toEqual(["1", "2", "3", "4"]);
    expect(new Set(ticks.map((m) => m?.[2]))).toEqual(new Set(readResults(dir).runs.map(label)));
    expect(r.err).not.toContain(ESC);
  });

  it("on a terminal: a bar with the ETA, starting from the points the journal holds, and the terminal given back", async () => {
    const term = terminal();
    // One more policy than the journal holds: 2 of 6 points left to run.
    const r = await cliWith({ interactive: true, errStream: term.stream }, "sweep", "-p", "direct,bounce,wp-cow", ...grid);
    expect(r.code).toBe(0);
    const drawn = term.text();
    expect(drawn.startsWith(TAKE)).toBe(true);
    expect(drawn.endsWith(GIVE_BACK)).toBe(true);
    // Each frame: back to the line's start, the bar, clear to its end.
    const frames = [...drawn.slice(TAKE.length, -GIVE_BACK.length).matchAll(new RegExp(`${ESC}\\[1G(.*?)${ESC}\\[0K`, "g"))].map((m) => m[1]);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    const parsed = frames.map((f) => /^sweep \[([=-]{30})\] (\d)\/6 points \| ETA (\S+) \| (.*)$/.exec(f));
    for (const [i, m] of parsed.entries()) expect(m, frames[i]).not.toBeNull();
    const done = parsed.map((m) => Number(m?.[2]));
    expect(done[0]).toBe(4);
    expect(done.at(-1)).toBe(6);
    expect(done).toEqual([...done].sort());
    expect(parsed.at(-1)?.[1]).toBe("=".repeat(30));
    expect(parsed.at(-1)?.[3]).toBe("0s");
    const wpCow = readResults(dir).runs.filter((x) => x.policy === "wp-cow").map(label);
    expect(wpCow).toContain(parsed.at(-1)?.[4]);
    // The plain lines are not printed beside the bar.
    expect(r.err).toBe(`sweep: 6 points: 4 already in ${join(dir, "points.jsonl")}, 2 to run on 1 worker thread\n` +
      `stable-dio: report: ${dir}/index.html (results.json and results.csv beside it)\n`);
  });

  it("a fio job has no size parameter: its label shows the job's block sizes, not size=0B", async () => {
    const job = join(tmp, "bs.fio");
    writeFileSync(job, "[small]\nrw=randwrite\nbs=4k\nsize=1m\ndirect=1\n\n[mixed]\nrw=randwrite\nbsrange=4k-64k\nsize=1m\ndirect=1\n");
    const one = join(tmp, "one.fio");
    writeFileSync(one, "[small]\nrw=randwrite\nbs=4k\nsize=1m\ndirect=1\n");
    const r = await cliWith({ interactive: false }, "sweep", "--fio", `${one},${job}`, "-p", "direct", "--workers", "1", "--out", join(tmp, "fio"), "--no-report");
    expect(r.code, r.err).toBe(0);
    const ticks = r.err.split("\n").filter((l) => /^sweep: \d+\/2 /.test(l)).map((l) => l.replace(/ \(eta [^)]*\)$/, "").replace(/^sweep: \d+\/2 /, ""));
    expect(ticks.sort()).toEqual(["bs direct bs=4K..64K seed=1", "small direct bs=4K seed=1"]);
  });
});
