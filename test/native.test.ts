// stable-dio native on the real kernel (CI runs as root, with gcc, libaio-dev,
// loop devices and userfaultfd): what native must show (docs/native.md), with small sizes,
// and nothing left behind after success, an error, SIGINT, or a killed run.
// Each run is a child process with its own TMPDIR, so what it leaves there is
// exactly what it left. Counts are asserted where the mechanism decides them
// (a protecting policy corrupts nothing, a copy-on-write happens only on a
// write fault); no timing is asserted. Not root: every case checks the one
// line instead.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findCompiler } from "../src/calibrate/native.js";
import { packageFile } from "../src/core/paths.js";
import { builtinProfile } from "../src/cost/builtin.js";
import { profileJson, profileLabel } from "../src/cost/profile.js";
import { COUNTER_NAMES } from "../src/shared/names.js";
import type { NativeDoc, PolicyRun } from "../src/native/compare.js";
import { buildTwin, probeUffd } from "../src/native/build.js";
import { Session } from "../src/native/session.js";
import { holds, LOOP_DIR_NAME, processId } from "../src/native/target.js";

const BIN = packageFile("bin", "stable-dio.js");
const ROOT = process.getuid?.() === 0;
const NOT_ROOT = /^stable-dio: native needs root \(O_DIRECT on a loop device it makes, userfaultfd\); run it as root\n$/;

interface Run { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly out: string; readonly err: string }

const sandboxes: string[] = [];
afterAll(() => {
  for (const dir of sandboxes) rmSync(dir, { recursive: true, force: true });
});

/** A fresh TMPDIR for one run (a profile file in it, outside what the run may leave); removed after the file's tests. */
function sandbox(): { readonly tmp: string; readonly profile: string } {
  const base = mkdtempSync(join(tmpdir(), "stable-dio-native-test-"));
  sandboxes.push(base);
  const tmp = join(base, "tmp");
  mkdirSync(tmp);
  const profile = join(base, "builtin.json");
  writeFileSync(profile, profileJson(builtinProfile()));
  return { tmp, profile };
}

function run(tmp: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(process.execPath, [BIN, "native", ...args], { encoding: "utf8", env: { ...process.env, TMPDIR: tmp, ...env }, timeout: 120_000 });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/** Loop devices whose backing file lies under `dir`. */
function loopsUnder(dir: string): string[] {
  const r = spawnSync("losetup", ["--list", "--json", "--output", "NAME,BACK-FILE"], { encoding: "utf8" });
  if (r.status !== 0 || !r.stdout.trim()) return [];
  const list = (JSON.parse(r.stdout) as { loopdevices: Array<{ name: string; "back-file": string | null }> }).loopdevices;
  return list.filter((d) => d["back-file"]?.startsWith(dir + "/")).map((d) => d.name);
}

/** Nothing of the run is left: no loop device over a file of it, no file or directory in its TMPDIR. */
function expectNothingLeft(tmp: string): void {
  expect(loopsUnder(tmp)).toEqual([]);
  expect(readdirSync(tmp)).toEqual([]);
}

const by = (doc: NativeDoc, policy: string): PolicyRun => doc.results.find((r) => r.policy === policy)!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether the process runs (a zombie has closed its files: not running). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Whether losetup still lists the device (attached, or marked autoclear and still open). */
const listed = (dev: string): boolean => spawnSync("losetup", ["-a"], { encoding: "utf8" }).stdout.split("\n").some((l) => l.startsWith(`${dev}:`));

describe.runIf(ROOT)("stable-dio native as root", () => {
  it("racer: direct corrupts, bounce, wp-wait and wp-cow do not; wp-cow copies, wp-wait stalls; nothing left", () => {
    const { tmp } = sandbox();
    // --profile takes a name as every command does (it took only a FILE).
    const r = run(tmp, ["-w", "racer", "-p", "direct,bounce,wp-wait,wp-cow", "-P", "ios=2048", "--profile", "builtin", "--json", "--no-report"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as NativeDoc;
    expect(doc.kind).toBe("native");
    expect(doc.profile.label).toBe(profileLabel(builtinProfile()));
    expect(doc.results.map((x) => x.policy)).toEqual(["direct", "bounce", "wp-wait", "wp-cow"]);
    for (const x of doc.results) {
      expect(x.counters.writes).toBe(2048);
      expect(x.counters.completions).toBe(2048);
      // The same counter names as run --json (and two that only a real run has).
      for (const k of Object.keys(x.counters)) expect([...COUNTER_NAMES, "pin_waits", "unverified_reads"]).toContain(k);
      expect(Object.keys(x.core).sort()).toEqual([...COUNTER_NAMES].sort());
      expect(x.cpu_per_io_ns).toBeGreaterThan(0);
      expect(x.mib_s).toBeGreaterThan(0);
    }
    expect(by(doc, "direct").counters.corruptions).toBeGreaterThan(0);
    expect(by(doc, "direct").core.corruptions).toBeGreaterThan(0);
    for (const p of ["bounce", "wp-wait", "wp-cow"]) {
      expect(by(doc, p).counters.corruptions).toBe(0);
      expect(by(doc, p).core.corruptions).toBe(0);
    }
    const cow = by(doc, "wp-cow").counters;
    expect(cow.cow_copies).toBeGreaterThan(0);
    expect(cow.bytes_cow).toBe(4096 * cow.cow_copies);
    expect(cow.faults).toBeGreaterThanOrEqual(cow.cow_copies);
    expect(cow.warnings).toBe(1); // once per process
    expect(cow.protected_ios).toBe(2048);
    const wait = by(doc, "wp-wait").counters;
    expect(wait.stalls).toBeGreaterThan(0);
    expect(wait.cow_copies).toBe(0);
    expect(by(doc, "bounce").counters.bytes_bounced).toBe(2048 * 4096);
    // The built-in profile has no userfaultfd units: the write-protect policies are not projected, and say so.
    expect(by(doc, "wp-cow").unprojected).toMatch(/no userfaultfd unit costs/);
    expect(by(doc, "bounce").above_direct?.projected_ns).toBeGreaterThan(0);
    expectNothingLeft(tmp);
  });

  it("db-writer under wp-cow copies nothing; the table projects from this machine's profile when none is given", () => {
    const { tmp } = sandbox();
    const r = run(tmp, ["-w", "db-writer", "-p", "direct,wp-cow", "-P", "ios=64", "--no-report"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^stable-dio native: db-writer, seed 1, ios=64; real O_DIRECT I\/O \(libaio\) on \/dev\/loop\d+, a loop device/);
    expect(r.out).toMatch(/^wp-cow +0\/0 +0\/0 +0\/0 +0\/0 +0\/0 +0\/0 +0\/0 +0\/0 +0\/0 +[\d.]+ +[\d.,]+ +-?[\d.,]+ +[\d.,]+ +[\d.,]+ +-?\d+\.\d\d +\d+\.\d\d +[\d.,]+$/m);
    expect(r.out).toContain("projected: user level, profile calibrated (");
    expectNothingLeft(tmp);
  });

  it("direct-reader: a bounced read loses nothing and changes nothing; wp-wait loses nothing", () => {
    const { tmp, profile } = sandbox();
    const out = join(tmp, "..", "report");
    const r = run(tmp, ["-w", "direct-reader", "-p", "direct,bounce,wp-wait,wp-cow", "-P", "ios=256", "--profile", profile, "--json", "-o", out]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as NativeDoc;
    for (const x of doc.results) {
      expect(x.counters.reads).toBe(256);
      expect(x.counters.unverified_reads).toBe(0); // every read checked against the prefilled data
      expect(x.counters.corruptions).toBe(0);
    }
    expect(by(doc, "bounce").counters.lost_reads).toBe(0);
    expect(by(doc, "bounce").counters.read_verify_failures).toBe(0);
    expect(by(doc, "wp-wait").counters.lost_reads).toBe(0);
    expect(by(doc, "wp-wait").counters.cow_copies).toBe(0);
    expect(by(doc, "wp-cow").counters.stalls).toBe(0);
    // The report files, and the main report's section built from them.
    expect(JSON.parse(readFileSync(join(out, "native.json"), "utf8")).results).toHaveLength(4);
    expect(readFileSync(join(out, "native.html"), "utf8")).toContain("<h2>Real kernel (stable-dio native)</h2>");
    const rep = spawnSync(process.execPath, [BIN, "report", "-w", "racer", "-p", "direct", "-P", "ios=64", "-o", out], { encoding: "utf8" });
    expect(rep.status).toBe(0);
    const html = readFileSync(join(out, "index.html"), "utf8");
    expect(html).toContain('<section id="native"><h2>Real kernel (stable-dio native)</h2>');
    expect(html).toMatch(/<tr><td>bounce<\/td><td class="n" data-col="corruptions" data-value="0">0 \/ 0<\/td>/);
    expectNothingLeft(tmp);
  });

  it("an error after the loop device was made: one line, exit 2, nothing left", () => {
    const { tmp, profile } = sandbox();
    // A report directory no check before the run can fault: /proc exists and root may write it, but mkdir there says ENOENT.
    const r = run(tmp, ["-w", "racer", "-p", "direct", "-P", "ios=16", "--profile", profile, "-o", "/proc/stable-dio-no-such-dir/report"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("stable-dio: cannot write the report to '/proc/stable-dio-no-such-dir/report': ENOENT\n");
    expectNothingLeft(tmp);
    // One whose parent is a file is refused before anything is made.
    const file = join(tmp, "..", "a-file");
    writeFileSync(file, "");
    const early = run(tmp, ["-w", "racer", "-p", "direct", "-P", "ios=16", "--profile", profile, "-o", join(file, "report")]);
    expect(early.code).toBe(2);
    expect(early.err).toMatch(/^stable-dio: cannot write the report to '[^']+\/a-file\/report': ENOTDIR\n$/);
    expectNothingLeft(tmp);
  });

  it("SIGINT mid-run: the child is stopped, the loop device detached, exit 130, nothing left", async () => {
    const { tmp, profile } = sandbox();
    const child = spawn(process.execPath, [BIN, "native", "-w", "racer", "-p", "wp-cow", "-P", "ios=1000000", "--profile", profile, "--no-report"],
      { env: { ...process.env, TMPDIR: tmp }, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const loopDir = join(tmp, LOOP_DIR_NAME);
    for (let i = 0; i < 600 && loopsUnder(loopDir).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(loopsUnder(loopDir)).toHaveLength(1); // running, on its loop device
    await new Promise((r) => setTimeout(r, 300)); // and into its I/O
    child.kill("SIGINT");
    expect(await done).toBe(130);
    // Only that line: the child killed on the way out is no "native run failed (SIGKILL)".
    expect(err).toBe("stable-dio: SIGINT: stopped; released the loop device and temporary files\n");
    expectNothingLeft(tmp);
  }, 60_000);

  it("a loop device a killed run left is detached by the next run", () => {
    const { tmp, profile } = sandbox();
    const dead = spawnSync("true").pid!; // a process that has exited: the killed run's pid
    const dir = join(tmp, LOOP_DIR_NAME);
    mkdirSync(dir);
    const img = join(dir, `${dead}-deadbeef.img`);
    writeFileSync(img, Buffer.alloc(1 << 20));
    const dev = spawnSync("losetup", ["--find", "--show", img], { encoding: "utf8" }).stdout.trim();
    rmSync(img); // as a run leaves it: the device holds the unlinked file
    try {
      expect(loopsUnder(dir)).toEqual([dev]);
      const r = run(tmp, ["-w", "racer", "-p", "direct", "-P", "ios=16", "--profile", profile, "--no-report"]);
      expect(r.code).toBe(0);
      expect(r.err).toContain(`stable-dio: detached ${dev}: left by a native run that was killed\n`);
      expectNothingLeft(tmp);
    } finally {
      if (loopsUnder(dir).length) spawnSync("losetup", ["-d", dev]);
    }
  });

  it("a run killed with SIGKILL: its program dies with it; the next run detaches the device and removes the build", async () => {
    const { tmp } = sandbox();
    const child = spawn(process.execPath, [BIN, "native", "-w", "racer", "-p", "wp-cow", "-P", "ios=1000000", "--profile", "builtin", "--no-report"],
      { env: { ...process.env, TMPDIR: tmp }, stdio: ["ignore", "ignore", "ignore"] });
    const killed = new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_code, signal) => resolve(signal)));
    const loopDir = join(tmp, LOOP_DIR_NAME);
    const states = () => (existsSync(loopDir) ? readdirSync(loopDir).filter((f) => f.endsWith(".twin")) : []);
    for (let i = 0; i < 600 && states().length === 0; i++) await sleep(50);
    expect(states()).toHaveLength(1); // its program runs on the loop device, recorded
    const [dev] = loopsUnder(loopDir);
    const twin = Number(readFileSync(join(loopDir, states()[0]), "utf8").split(" ")[0]);
    await sleep(300); // into its I/O
    child.kill("SIGKILL");
    expect(await killed).toBe("SIGKILL");
    // PR_SET_PDEATHSIG: the program goes with it (its exit waits for its in-flight I/O).
    for (let i = 0; i < 200 && running(twin); i++) await sleep(50);
    expect(running(twin)).toBe(false);
    expect(loopsUnder(loopDir)).toEqual([dev]); // the killed run could not detach it
    expect(readdirSync(tmp).filter((f) => f.startsWith("stable-dio-native-bin-"))).toHaveLength(1);
    const r = run(tmp, ["-w", "racer", "-p", "direct", "-P", "ios=16", "--profile", "builtin", "--no-report"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`stable-dio: detached ${dev}: left by a native run that was killed\n`);
    expect(listed(dev)).toBe(false);
    expectNothingLeft(tmp); // the killed run's build directory too
  }, 60_000);

  it("a killed run's program still on its device is killed by the next run; a holder it cannot name is only marked to detach", async () => {
    const { tmp } = sandbox();
    const dead = spawnSync("true").pid!;
    const dir = join(tmp, LOOP_DIR_NAME);
    mkdirSync(dir);
    /** A device as a killed run leaves it, and a process holding it open (as an orphaned program would). */
    const left = async (name: string) => {
      const img = join(dir, `${dead}-${name}.img`);
      writeFileSync(img, Buffer.alloc(1 << 20));
      const dev = spawnSync("losetup", ["--find", "--show", img], { encoding: "utf8" }).stdout.trim();
      rmSync(img);
      const holder = spawn("sh", ["-c", `exec 3<>${dev}; exec sleep 600`], { stdio: "ignore" });
      const gone = new Promise<NodeJS.Signals | null>((resolve) => holder.on("exit", (_c, sig) => resolve(sig)));
      for (let i = 0; i < 200 && !holds(holder.pid!, dev); i++) await sleep(20);
      expect(holds(holder.pid!, dev)).toBe(true);
      return { dev, holder, gone };
    };
    const recorded = await left("aaaaaaaa");
    writeFileSync(join(dir, `${dead}-aaaaaaaa.twin`), `${processId(recorded.holder.pid!)}\n`);
    const unnamed = await left("bbbbbbbb");
    try {
      const r = run(tmp, ["-w", "racer", "-p", "direct", "-P", "ios=16", "--profile", "builtin", "--no-report"]);
      expect(r.code).toBe(0);
      expect(r.err).toContain(`stable-dio: detached ${recorded.dev}: left by a native run that was killed ` +
        `(its program, pid ${recorded.holder.pid}, was still running on it: killed)\n`);
      expect(await recorded.gone).toBe("SIGKILL");
      expect(listed(recorded.dev)).toBe(false);
      // Not "detached": losetup -d only marked it, and says nothing; the device is there until its holder closes it.
      expect(r.err).toContain(`stable-dio: ${unnamed.dev}, left by a native run that was killed, is still open in a process ` +
        "stable-dio cannot name: marked for detach when its last user closes it (losetup -a lists it until then)\n");
      expect(r.err.split("\n")).toHaveLength(3);
      expect(listed(unnamed.dev)).toBe(true);
      unnamed.holder.kill("SIGKILL");
      await unnamed.gone;
      for (let i = 0; i < 200 && listed(unnamed.dev); i++) await sleep(50);
      expect(listed(unnamed.dev)).toBe(false); // autoclear, on its last close
      expectNothingLeft(tmp);
    } finally {
      for (const h of [recorded, unnamed]) {
        h.holder.kill("SIGKILL");
        await h.gone;
        if (listed(h.dev)) spawnSync("losetup", ["-d", h.dev]);
      }
    }
  }, 60_000);

  it("--target: a file the user names is written only in its range; bad targets are one line", () => {
    const { tmp, profile } = sandbox();
    const file = join(tmp, "..", "target.img");
    const size = 6 << 20;
    writeFileSync(file, Buffer.alloc(size, 0x5a));
    const r = run(tmp, ["-w", "racer", "-p", "direct,wp-cow", "-P", "ios=256", "--target", file, "--offset", "1m", "--profile", profile, "--json", "--no-report"]);
    expect(r.code).toBe(0);
    const data = readFileSync(file);
    expect(data.length).toBe(size);
    const untouched = (from: number, to: number) => data.subarray(from, to).every((b) => b === 0x5a);
    expect(untouched(0, 1 << 20)).toBe(true); // before the range
    expect(untouched((1 << 20) + (1 << 20), size)).toBe(true); // after it: 256 x 4 KiB = 1 MiB written
    expect(untouched(1 << 20, 2 << 20)).toBe(false);
    expect(JSON.parse(r.out).target).toBe(`file ${file}, bytes 1048576..2097152`);
    expect(readdirSync(tmp)).toEqual([]);
    const small = run(tmp, ["-w", "racer", "-P", "ios=16384", "--target", file, "--no-report"]);
    expect(small.code).toBe(2);
    expect(small.err).toMatch(/^stable-dio: --target [^ ]+ is 6291456 bytes; the run writes bytes 0\.\.67108864 \(make it larger: truncate -s 67108864 [^ ]+\)\n$/);
    const none = run(tmp, ["-w", "racer", "--target", join(tmp, "nothing"), "--no-report"]);
    expect(none.err).toMatch(/^stable-dio: --target [^ ]+\/nothing: ENOENT \(a regular file or a block device that exists\)\n$/);
  });
});

describe("stable-dio native: what is missing is one line, exit 2, nothing left", () => {
  it("not root", () => {
    const { tmp } = sandbox();
    const r = ROOT
      ? spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, BIN, "native", "-w", "racer", "--no-report"],
        { encoding: "utf8", env: { ...process.env, TMPDIR: tmp } })
      : spawnSync(process.execPath, [BIN, "native", "-w", "racer", "--no-report"], { encoding: "utf8", env: { ...process.env, TMPDIR: tmp } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(NOT_ROOT);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it.runIf(ROOT)("no compiler, no loop device (no losetup), no userfaultfd", () => {
    const { tmp } = sandbox();
    const cc = run(tmp, ["-w", "racer", "--no-report"], { STABLE_DIO_CC: "/nonexistent/cc" });
    expect(cc.code).toBe(2);
    expect(cc.err).toMatch(/^stable-dio: native needs a C compiler: STABLE_DIO_CC=\/nonexistent\/cc is not an executable file/);
    expect(cc.err.split("\n")).toHaveLength(2);
    const compiler = findCompiler();
    if (!compiler) return; // the rest needs one; CI has gcc
    const empty = join(tmp, "..", "empty-path");
    mkdirSync(empty);
    const loop = run(tmp, ["-w", "racer", "--no-report"], { PATH: empty, STABLE_DIO_CC: compiler });
    expect(loop.code).toBe(2);
    expect(loop.err).toBe("stable-dio: native needs losetup (util-linux) to make a loop device (or --target FILE|DEVICE)\n");
    expectNothingLeft(tmp);
    // userfaultfd: the probe the command runs before anything is made, as a process that may not use it.
    const session = new Session();
    try {
      const bin = buildTwin(compiler, session);
      expect(probeUffd(bin)).toBeUndefined(); // root may
      const nobody = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", bin, "--probe-uffd"], { encoding: "utf8" });
      expect(nobody.status).toBe(3);
      expect(nobody.stderr).toMatch(/^userfaultfd \(the syscall and \/dev\/userfaultfd: [^\n]+\)\n$/);
    } finally {
      session.close();
    }
  });

  it("bad input: what native cannot run is named, before anything is made", () => {
    const { tmp } = sandbox();
    const fork = run(tmp, ["-w", "fork-during-io", "--no-report"]);
    expect(fork.code).toBe(2);
    expect(fork.err).toBe('stable-dio: fork-during-io: cannot run natively: thread "parent" forks (native runs no fork)\n');
    const opt = run(tmp, ["-w", "racer", "-p", "opt-out", "--no-report"]);
    expect(opt.err).toBe("stable-dio: unknown policy 'opt-out' (allowed: direct, bounce, wp-cow, wp-cow-degrade, wp-wait, verify)\n");
    const sizes = run(tmp, ["-w", "racer", "--sizes", "4k,3000", "--no-report"]);
    expect(sizes.err).toBe("stable-dio: bad size '3000' in --sizes (allowed: multiples of 512 from 512 to 4M, e.g. 4k,64k,1m)\n");
    const prof = run(tmp, ["-w", "racer", "--profile", "builtn", "--no-report"]);
    expect(prof.code).toBe(2);
    expect(prof.err).toBe("stable-dio: cannot read profile builtn: ENOENT; did you mean 'builtin'? " +
      "(allowed: machine, builtin, ref:epyc-vm, ref:xeon-vm, ref:milan-6.16, ref:milan-6.17, or a FILE from stable-dio calibrate)\n");
    const ref = run(tmp, ["-w", "racer", "--profile", "ref:nope", "--no-report"]);
    expect(ref.err).toMatch(/^stable-dio: no reference profile 'nope' \(allowed: ref:epyc-vm, .*\)\n$/);
    // --save-base machine: this user's cached profile of this machine, which must exist.
    const cache = join(tmp, "no-cache");
    const base = run(tmp, ["-w", "db-writer", "-p", "direct", "--sizes", "4k,64k", "--save-base", "machine", "--no-report"], { XDG_CACHE_HOME: cache });
    expect(base.code).toBe(2);
    expect(base.err).toMatch(/^stable-dio: --save-base machine: no cached profile of this machine for this user yet \([^)]*\/no-cache\/stable-dio\/profiles\/[^)]+\.json\): run stable-dio calibrate first\n$/);
    expect(existsSync(join(tmp, LOOP_DIR_NAME))).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
