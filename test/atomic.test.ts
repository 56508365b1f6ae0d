// Every output file is written atomically: a temporary file beside the
// target, flushed, renamed over it. A failure at any point (the write, the
// flush, the rename) leaves the target as it was, old content or no file,
// and no temporary file behind: in the writer itself and through each
// command that writes a file (record -o, calibrate -o, report, sweep). The
// failures are injected into node:fs (running as root, a read-only directory
// would not stop a write).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeFileAtomic, writeFilesAtomic } from "../src/shared/atomic.js";
import { cli } from "./support/cli.js";

/** Which node:fs call fails, after how many such calls succeed, and after how many bytes a write fails. */
const fail = vi.hoisted(() => ({ call: "" as "" | "writeSync" | "fsyncSync" | "renameSync", skip: 0, afterBytes: 0 }));

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const io = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
  const failing = (call: typeof fail.call) => fail.call === call && (fail.skip === 0 || (fail.skip--, false));
  return {
    ...real,
    // A write that gets part of the way, then fails: as a full disk does.
    writeSync: (fd: number, data: Uint8Array | string, ...rest: never[]) => {
      if (!failing("writeSync")) return real.writeSync(fd, data as never, ...rest);
      const bytes = typeof data === "string" ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const offset = typeof rest[0] === "number" ? rest[0] : 0;
      if (fail.afterBytes > 0) {
        const n = real.writeSync(fd, bytes, offset, Math.min(fail.afterBytes, bytes.length - offset));
        fail.afterBytes -= n;
        return n;
      }
      throw io("ENOSPC");
    },
    fsyncSync: (fd: number) => {
      if (failing("fsyncSync")) throw io("EIO");
      return real.fsyncSync(fd);
    },
    renameSync: (from: fs.PathLike, to: fs.PathLike) => {
      if (failing("renameSync")) throw io("EXDEV");
      return real.renameSync(from, to);
    },
  };
});

const FAILURES = [
  { call: "writeSync", afterBytes: 100, what: "a write that stops part way (ENOSPC)" },
  { call: "fsyncSync", afterBytes: 0, what: "a flush that fails (EIO)" },
  { call: "renameSync", afterBytes: 0, what: "a rename that fails" },
] as const;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "stable-dio-atomic-"));
});
afterEach(() => {
  fail.call = "";
  fail.skip = 0;
  fail.afterBytes = 0;
});

/** Every file under d, relative, sorted: a temporary file left behind would show. */
function files(d: string): string[] {
  return readdirSync(d, { recursive: true, encoding: "utf8" }).sort();
}

describe("writeFileAtomic", () => {
  it("writes the whole file, in one piece, and leaves nothing else", () => {
    const target = join(dir, "out.txt");
    const text = "x".repeat(1 << 20) + "é\n";
    writeFileAtomic(target, text);
    expect(readFileSync(target, "utf8")).toBe(text);
    expect(files(dir)).toEqual(["out.txt"]);
  });

  for (const f of FAILURES) {
    it(`${f.what}: the old file stays whole, a new one does not appear, no temporary file is left`, () => {
      const old = join(dir, "old.txt");
      writeFileSync(old, "the old content\n");
      Object.assign(fail, f);
      expect(() => writeFileAtomic(old, "n".repeat(10_000))).toThrow(/injected/);
      Object.assign(fail, f);
      expect(() => writeFileAtomic(join(dir, "new.txt"), "n".repeat(10_000))).toThrow(/injected/);
      expect(readFileSync(old, "utf8")).toBe("the old content\n");
      expect(files(dir)).toEqual(["old.txt"]);
    });
  }

  it("a target that is a directory: the rename fails, the directory is untouched, no temporary file", () => {
    mkdirSync(join(dir, "d"));
    writeFileSync(join(dir, "d", "inside"), "x");
    expect(() => writeFileAtomic(join(dir, "d"), "text")).toThrow();
    expect(files(dir)).toEqual(["d", join("d", "inside")]);
  });
});

describe("temporary files left by a killed writer", () => {
  /** A PID that is certainly not running: a child that has exited and been reaped. */
  const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;

  it("the next write to the same target removes those of dead processes and keeps the others'", () => {
    const target = join(dir, "results.json");
    const dead = `.results.json.${deadPid()}.0badc0de.tmp`;
    const live = `.results.json.${process.ppid}.0badc0de.tmp`; // our parent runs
    const other = `.results.csv.${deadPid()}.0badc0de.tmp`; // another target's: not ours to judge now
    for (const f of [dead, live, other]) writeFileSync(join(dir, f), "half a fi");
    writeFileAtomic(target, "{}\n");
    expect(files(dir)).toEqual([live, other, "results.json"].sort());
  });
});

describe("writeFilesAtomic: files that belong together", () => {
  for (const f of FAILURES) {
    it(`${f.what}, once the other files are written: no target changes, no temporary file is left`, () => {
      const names = ["a.json", "b.csv", "c.html"].map((n) => join(dir, n));
      for (const n of names) writeFileSync(n, `old ${n}\n`);
      // Each file is written in one writeSync and flushed once: the first two succeed.
      Object.assign(fail, f, { skip: f.call === "renameSync" ? 0 : 2 });
      expect(() => writeFilesAtomic(names.map((file) => ({ file, data: `new ${file}\n`.repeat(100) })))).toThrow(/injected/);
      for (const n of names) expect(readFileSync(n, "utf8")).toBe(`old ${n}\n`);
      expect(files(dir)).toEqual(["a.json", "b.csv", "c.html"]);
    });
  }
});

describe("the commands that write files", () => {
  const QUICK = ["-w", "racer", "-p", "direct", "-P", "ios=8"];
  const savedCc = process.env.STABLE_DIO_CC;
  afterEach(() => {
    if (savedCc === undefined) delete process.env.STABLE_DIO_CC;
    else process.env.STABLE_DIO_CC = savedCc;
  });

  /**
   * The command once to get a good output, then under each failure: exit 2,
   * its notes and one line naming what it could not write, the good output
   * untouched.
   */
  async function check(argv: string[], outputs: string[]): Promise<void> {
    const good = await cli(...argv);
    expect(good.code, good.err).toBe(0);
    const before = outputs.map((o) => readFileSync(o, "utf8"));
    const listing = files(dir);
    for (const f of FAILURES) {
      Object.assign(fail, f);
      const r = await cli(...argv);
      fail.call = "";
      expect(r.code, `${f.what}: ${r.err}`).toBe(2);
      const lines = r.err.trimEnd().split("\n");
      expect(lines.pop()).toMatch(/^stable-dio: cannot write .*: (ENOSPC|EIO|EXDEV)$/);
      for (const l of lines) expect(l).toMatch(/^(stable-dio: no C compiler|sweep: )/);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(outputs.map((o) => readFileSync(o, "utf8"))).toEqual(before);
      expect(files(dir)).toEqual(listing);
    }
  }

  it("record -o", async () => {
    const out = join(dir, "run.trace");
    await check(["record", ...QUICK, "-o", out], [out]);
  });

  it("calibrate -o (the built-in profile, with no compiler to find)", async () => {
    process.env.STABLE_DIO_CC = join(dir, "no-such-cc");
    const out = join(dir, "profile.json");
    await check(["calibrate", "-o", out], [out]);
  });

  it("report -o", async () => {
    const out = join(dir, "report");
    await check(["report", ...QUICK, "-o", out], ["index.html", "results.json", "results.csv"].map((f) => join(out, f)));
  });

  it("sweep -o: the report at the end (the journal is appended to, by design)", async () => {
    const out = join(dir, "sweep");
    await check(["sweep", ...QUICK, "--workers", "1", "-o", out], ["index.html", "results.json", "results.csv", "points.jsonl"].map((f) => join(out, f)));
  });
});

describe("no other way to write a file", () => {
  it("src/ writes files only through src/shared/atomic.ts, and appends only to the sweep's journal", () => {
    const src = join(import.meta.dirname, "..", "src");
    const offenders: string[] = [];
    for (const f of readdirSync(src, { recursive: true, encoding: "utf8" }).filter((p) => p.endsWith(".ts"))) {
      const text = readFileSync(join(src, f), "utf8");
      for (const m of text.matchAll(/\b(writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|copyFileSync|cpSync|writeSync|openSync\([^)]*"[wa]x?\+?")(?![A-Za-z])/g)) {
        // The journal appends; native's loop device backing file is created empty and sized (ftruncate), never written.
        const allowed = f === join("shared", "atomic.ts") || (f === join("sweep", "journal.ts") && m[0].startsWith("openSync")) ||
          (f === join("native", "target.ts") && m[0] === `openSync(file, "wx"`);
        if (!allowed) offenders.push(`${f}: ${m[0]}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
