// Every directory stable-dio makes (a report, a sweep, native's report and
// loop directory, the profile cache) goes through makeDir: Node's recursive
// mkdir loops forever where a parent answers EEXIST and the child ENOENT
// (/proc), which hung `stable-dio --out /proc/x` at 100% CPU. Here: the
// helper itself, each command through a real process (a hang would be killed
// by the watchdog and fail on its signal), and a check of the sources.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeCached } from "../src/calibrate/cache.js";
import { builtinProfile } from "../src/cost/builtin.js";
import { dirProblem, makeDir } from "../src/shared/make-dir.js";
import { makeLoop } from "../src/native/target.js";
import { Session } from "../src/native/session.js";
import { runProcess } from "./support/process.js";

const tmp = mkdtempSync(join(tmpdir(), "stable-dio-make-dir-"));
const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
};
/** Where mkdir answers ENOENT though the parent exists: the file system Node's recursive mkdir loops on. */
const PROC = "/proc/stable-dio-no-such-dir/report";

describe("makeDir", () => {
  it("makes the missing directories one level at a time, each with the mode asked", () => {
    const d = join(tmp, "a", "b", "c");
    makeDir(d, 0o700);
    for (const p of [join(tmp, "a"), join(tmp, "a", "b"), d]) {
      expect(statSync(p).isDirectory()).toBe(true);
      expect(statSync(p).mode & 0o777).toBe(0o700 & ~process.umask());
    }
    makeDir(d); // there already: nothing to do
    expect(readdirSync(d)).toEqual([]);
  });

  it("refuses an ancestor that is not a directory, and makes nothing", () => {
    const file = join(tmp, "file");
    writeFileSync(file, "x");
    expect(dirProblem(join(file, "x", "y"))).toBe("ENOTDIR");
    expect(code(() => makeDir(join(file, "x", "y")))).toBe("ENOTDIR");
    expect(code(() => makeDir(file))).toBe("ENOTDIR");
  });

  it("under /proc: fails with mkdir's code instead of looping", () => {
    expect(code(() => makeDir(PROC))).toMatch(/^E[A-Z]+$/);
    expect(statSync("/proc/stable-dio-no-such-dir", { throwIfNoEntry: false })).toBeUndefined();
  });

  it("the profile cache and native's loop directory go through it: an error with a code, not a hang", () => {
    expect(code(() => writeCached(join(PROC, "p.json"), builtinProfile()))).toMatch(/^E[A-Z]+$/);
    const before = process.env.TMPDIR;
    process.env.TMPDIR = PROC;
    const session = new Session();
    try {
      expect(() => makeLoop(1 << 20, session)).toThrow(/^cannot make \/proc\/stable-dio-no-such-dir\/report\/stable-dio-native for the loop device's backing file: E[A-Z]+ /);
    } finally {
      session.close();
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
  });

  it("no other source makes a directory with mkdirSync", () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts") && !p.endsWith(join("shared", "make-dir.ts")) && /\bmkdirSync\(/.test(readFileSync(p, "utf8"))) offenders.push(p);
      }
    };
    walk(join(import.meta.dirname, "..", "src"));
    expect(offenders).toEqual([]);
  });
});

describe("a report or sweep directory under /proc: one usage line naming it, exit 2", () => {
  /** The command as a process, killed if it has not ended after a minute (the old hang): a kill fails on its signal. */
  const run = (args: string[]) => runProcess(args, (child) => {
    const watchdog = setTimeout(() => child.kill("SIGKILL"), 60_000);
    return () => clearTimeout(watchdog);
  });
  const cases: Array<[string, string[], string]> = [
    ["the main job", ["-w", "racer", "-p", "direct", "-P", "ios=16", "--out", PROC], "report"],
    ["run --out", ["run", "-w", "racer", "-p", "direct", "-P", "ios=16", "--out", PROC], "report"],
    ["sweep --out", ["sweep", "-w", "racer", "-p", "direct", "-P", "ios=16", "--workers", "1", "--out", PROC], "sweep"],
  ];
  for (const [what, args, kind] of cases) {
    it(what, async () => {
      const r = await run(args);
      expect(r.signal).toBeNull();
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(new RegExp(`(^|\\n)stable-dio: cannot write the ${kind} to '${PROC}': E[A-Z]+\\n$`));
      expect(r.err).not.toMatch(/internal error|\n\s+at /);
    }, 90_000);
  }
});
