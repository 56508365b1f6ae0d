// Building native/twin/*.c with the system C compiler and libaio, into a
// temporary directory the session removes ($TMPDIR/stable-dio-native-bin-
// <pid>-XXXXXX: a run killed with SIGKILL leaves it, and the next run removes
// those of processes that are gone), and asking the program whether
// userfaultfd write-protect works here.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageFile } from "../core/paths.js";
import { NativeMissing, type Session } from "./session.js";
import { alive } from "../shared/atomic.js";

export class BuildError extends Error {}

const BIN_PREFIX = "stable-dio-native-bin-";

/** Removes the build directories that runs no longer alive left in `dir`; returns them. */
export function sweepStaleBuilds(dir = tmpdir()): string[] {
  const gone: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return gone;
  }
  for (const name of names) {
    const pid = Number(new RegExp(`^${BIN_PREFIX}(\\d+)-`).exec(name)?.[1] ?? NaN);
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
      rmSync(join(dir, name), { recursive: true, force: true });
      gone.push(join(dir, name));
    }
  }
  return gone;
}

/** Compiles the twin; the binary's directory goes when the session closes. */
export function buildTwin(compiler: string, session: Session): string {
  const dir = mkdtempSync(join(tmpdir(), `${BIN_PREFIX}${process.pid}-`));
  session.onClose(() => session.removeTree(dir));
  const bin = join(dir, "twin");
  const srcDir = packageFile("native", "twin");
  const sources = readdirSync(srcDir).filter((f) => f.endsWith(".c")).sort().map((f) => join(srcDir, f));
  const cc = spawnSync(compiler, ["-O2", "-pthread", "-o", bin, ...sources, "-laio"], { encoding: "utf8", timeout: 120_000 });
  if (cc.status !== 0) {
    const err = cc.stderr ?? "";
    if (/libaio\.h|-laio|cannot find -laio/.test(err))
      throw new NativeMissing("libaio (libaio.h and libaio.so: apt-get install libaio-dev)");
    const why = err.trim().split("\n").find((l) => /error/.test(l)) ?? err.trim().split("\n")[0] ?? cc.error?.message ?? `exit ${cc.status}`;
    throw new BuildError(`${compiler} could not compile ${srcDir}: ${why}`);
  }
  return bin;
}

/** Undefined if this process can write-protect anonymous memory with userfaultfd, else what is missing. */
export function probeUffd(bin: string): string | undefined {
  const r = spawnSync(bin, ["--probe-uffd"], { encoding: "utf8", timeout: 10_000 });
  if (r.status === 0) return undefined;
  return (r.stderr ?? "").trim().split("\n")[0] || `userfaultfd (the probe ended with ${r.signal ?? `exit ${r.status}`})`;
}
