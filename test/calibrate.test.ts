// calibrate: with the system C compiler (CI installs gcc), a quick native
// run writes a well-formed profile and --validate sets the model beside the
// emulation; without a compiler, one clear line and the built-in profile
// (and --validate, which needs one, is an error); with a compiler that fails,
// an error. No figure's size is asserted.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findCompiler } from "../src/calibrate/native.js";
import type { ValidationRow } from "../src/calibrate/validate.js";
import { cli } from "./support/cli.js";
import { packageFile } from "../src/core/paths.js";

const BIN = packageFile("bin", "stable-dio.js");
import { profileProblem, readProfile, type CostProfile } from "../src/cost/profile.js";

const tmp = () => join(mkdtempSync(join(tmpdir(), "stable-dio-test-")), "profile.json");
const saved = { PATH: process.env.PATH, CC: process.env.STABLE_DIO_CC };
afterEach(() => {
  process.env.PATH = saved.PATH;
  if (saved.CC === undefined) delete process.env.STABLE_DIO_CC;
  else process.env.STABLE_DIO_CC = saved.CC;
});

/** Nothing, or (without root or unprivileged userfaultfd) the one line saying the uffd figures are missing. */
const UFFD_OR_NOTHING = /^(stable-dio: no userfaultfd write-protect figures: [^\n]+; going on with mprotect's\n)?$/;
const NO_COMPILER = /^stable-dio: no C compiler \(cc, gcc or clang on PATH, or \$STABLE_DIO_CC\): cannot measure this machine; using the built-in profile\n$/;

describe("stable-dio calibrate with the system compiler", () => {
  it("measures, writes the profile atomically and prints it", async () => {
    const file = tmp();
    const r = await cli("calibrate", "--quick", "--out", file);
    expect(r.code).toBe(0);
    const p = readProfile(file);
    if (!findCompiler()) {
      // No compiler on this machine: the documented fallback (CI has gcc, so the branch below runs there).
      expect(r.err).toMatch(NO_COMPILER);
      expect(p.name).toBe("built-in");
      return;
    }
    expect(r.err).toMatch(UFFD_OR_NOTHING);
    expect(p.name).toBe("calibrated");
    expect(p.source).toMatch(/^stable-dio calibrate --quick: native\/calibrate\.c built with /);
    expect(p.machine.cores).toBeGreaterThan(0);
    for (const k of ["syscall", "mprotect_pair.1", "mprotect_pair.16", "mprotect_pair.256", "trap", "user_cow", "fault_zero_read",
      "fault_anon_write", "fault_cow_fork", "memcpy_hot.4096", "memcpy_cold.1048576", "gup_vmsplice.16", "wake_switch"])
      expect(p.measured[k]).toBeGreaterThan(0);
    for (const k of ["syscall", "pte", "fault", "pin"] as const) expect(p.costs[k]).toBeGreaterThan(0);
    expect(p.assumed).toContain("csum_byte");
    expect(r.out).toMatch(/^stable-dio cost profile 'calibrated': /);
    expect(r.out).toMatch(/^ {2}mprotect_pair\.256 +[\d,.]+$/m);
    expect(r.out).toMatch(/^ {2}ipi +[\d,.]+ +per remote CPU of a shootdown/m);
    expect(r.out).toMatch(/^ {2}csum_byte +[\d.]+ +device checksum per byte \(assumed\)$/m);
    expect(r.out).toContain(`Profile written to ${file}`);
  });

  it("--validate prints the prediction beside the measurement for 4K, 64K and 1M", async () => {
    if (!findCompiler()) return; // without one, --validate is an error (below); CI has gcc
    const file = tmp();
    const r = await cli("calibrate", "--quick", "--validate", "--json", "--out", file);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { profile: CostProfile; validation?: ValidationRow[]; file: string };
    expect(doc.file).toBe(file);
    expect(profileProblem(doc.profile)).toBeUndefined();
    const rows = doc.validation!;
    for (const size of [4096, 65536, 1 << 20]) {
      expect(rows.filter((x) => x.size === size && x.policy === "bounce")).toHaveLength(1);
      expect(rows.filter((x) => x.size === size && x.policy === "wp-cow" && x.threads === 1)).toHaveLength(2);
    }
    for (const x of rows) {
      expect(x.measuredNs).toBeGreaterThan(0);
      expect(x.predictedNs).toBeGreaterThan(0);
      expect(x.ratio).toBeCloseTo(x.predictedNs / x.measuredNs, 9);
      expect(typeof x.within).toBe("boolean");
    }
    const text = await cli("calibrate", "--quick", "--validate", "--out", file);
    expect(text.out).toMatch(/^policy +size +threads +violations +measured us +predicted us +ratio +within ±25%$/m);
    expect(text.out).toMatch(/^wp-cow +64K +1 +every I\/O +[\d.,]+ +[\d.,]+ +\d+\.\d\d +(yes|NO)$/m);
    expect(text.out).toMatch(/^\d+ of \d+ within ±25%\.$/m);
  });
});

describe("stable-dio calibrate: UFFDIO_WRITEPROTECT as a second source", () => {
  const root = process.getuid?.() === 0;
  it("as root, records the uffd figures and units beside mprotect's and prints the cross-check", async () => {
    if (!findCompiler() || !root) return; // CI runs as root with gcc
    const file = tmp();
    const r = await cli("calibrate", "--quick", "--out", file);
    expect(r.code).toBe(0);
    const p = readProfile(file);
    for (const k of ["uffd_wp_pair.1", "uffd_wp_pair.16", "uffd_wp_pair.256", "uffd_fault", "uffd_cow"]) expect(p.measured[k]).toBeGreaterThan(0);
    expect(p.uffd).toBeDefined();
    for (const k of ["pte", "flush_page", "fixed", "msg", "cow"] as const) expect(p.uffd![k]).toBeGreaterThanOrEqual(0);
    expect(p.uffd!.msg + p.uffd!.cow).toBeGreaterThan(0);
    expect(p.decomposition).toMatch(/^pte, flush_page and flush come from mprotect/);
    expect(r.out).toMatch(/^ {2}unit +mprotect +UFFDIO_WRITEPROTECT +\(cold walk: 8 buffers in turn, each just written\)$/m);
    expect(r.out).toMatch(/^ {2}pte +[\d.,]+ +[\d.,]+ +[\d.,]+$/m);
    expect(p.uffd!.walk_cold).toBeDefined();
    for (const k of ["uffd_wp_pair_rot.1", "uffd_wp_pair_rot.16", "uffd_wp_pair_rot.256"]) expect(p.measured[k]).toBeGreaterThan(0);
    expect(r.out).toMatch(/^ {2}uffd_wp_pair_rot\.256 +[\d,.]+ +[\d,.]+ +\d+\.\d\d +8 buffers in turn/m);
    expect(r.out).toMatch(/^The kernel projection uses the mprotect column: /m);
    expect(r.out).toMatch(/^ {2}uffd_wp_pair\.16 +[\d,.]+ +[\d,.]+ +\d+\.\d\d +from the mprotect units/m);
    expect(r.out).toMatch(/^ {2}mprotect_pair_vma\.1 +[\d,.]+ +[\d,.]+ +\d+\.\d\d +from the uffd units/m);
  });

  it("without userfaultfd (not root), says so in one line and goes on with mprotect", async () => {
    if (!findCompiler() || !root) return; // needs root to become someone else
    const dir = mkdtempSync(join(tmpdir(), "stable-dio-test-"));
    chmodSync(dir, 0o777);
    const file = join(dir, "profile.json");
    const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, BIN, "calibrate", "--quick", "--out", file],
      { encoding: "utf8", env: { ...process.env, STABLE_DIO_CC: findCompiler() } });
    if (r.error) return; // no setpriv (util-linux): nothing to become
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^stable-dio: no userfaultfd write-protect figures: userfaultfd: [^\n]+; going on with mprotect's\n$/);
    const p = readProfile(file);
    expect(p.uffd).toBeUndefined();
    expect(p.measured["uffd_wp_pair.1"]).toBeUndefined();
    expect(p.costs.pte).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/^userfaultfd: not measured here; the unit costs above come from mprotect alone\.$/m);
  });
});

describe("stable-dio calibrate without a compiler", () => {
  it("says so in one line, uses and writes the built-in profile, exits 0", async () => {
    process.env.PATH = mkdtempSync(join(tmpdir(), "stable-dio-empty-path-"));
    delete process.env.STABLE_DIO_CC;
    expect(findCompiler()).toBeUndefined();
    const file = tmp();
    const r = await cli("calibrate", "--out", file);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(NO_COMPILER);
    expect(r.out).toMatch(/^stable-dio cost profile 'built-in': native timings of a 2-vCPU AMD EPYC VM .*\(docs\/profiles\.md\)/);
    expect(JSON.parse(readFileSync(file, "utf8")).name).toBe("built-in");
  });

  it("--validate cannot run without one: one line naming the compiler looked for and STABLE_DIO_CC, exit 2, nothing written", async () => {
    process.env.STABLE_DIO_CC = "/nonexistent/cc";
    expect(findCompiler()).toBeUndefined();
    const file = tmp();
    for (const argv of [["calibrate", "--validate", "-o", file], ["calibrate", "--validate", "--quick", "--json", "-o", file]]) {
      const r = await cli(...argv);
      expect(r, argv.join(" ")).toEqual({
        code: 2,
        out: "",
        err: "stable-dio: calibrate --validate needs a C compiler, and STABLE_DIO_CC=/nonexistent/cc is not an executable file " +
          "(set STABLE_DIO_CC to a C compiler's path, or unset it to use cc, gcc, clang on PATH)\n",
      });
      expect(existsSync(file)).toBe(false);
    }
    process.env.PATH = mkdtempSync(join(tmpdir(), "stable-dio-empty-path-"));
    delete process.env.STABLE_DIO_CC;
    const r = await cli("calibrate", "--validate", "-o", file);
    expect(r.code).toBe(2);
    expect(r.err).toBe("stable-dio: calibrate --validate needs a C compiler, and none of cc, gcc, clang is on PATH " +
      "(install one, or set STABLE_DIO_CC to a C compiler's path)\n");
    expect(existsSync(file)).toBe(false);
    // Without --validate the same machine still gets the built-in profile, as documented.
    expect((await cli("calibrate", "-o", file)).code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).name).toBe("built-in");
  });

  it("a compiler that fails is an error, and no profile is written", async () => {
    process.env.STABLE_DIO_CC = "/bin/false";
    const file = tmp();
    const r = await cli("calibrate", "--quick", "--out", file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^stable-dio: \/bin\/false could not compile .*native\/calibrate\.c: exit 1\n$/);
    expect(existsSync(file)).toBe(false);
  });
});
