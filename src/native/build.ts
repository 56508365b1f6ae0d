// Building native/twin/*.c with the system C compiler and libaio, into a
// temporary directory the session removes, and asking the program whether
// userfaultfd write-protect works here.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageFile } from "../core/paths.js";
import { NativeMissing, type Session } from "./session.js";

export class BuildError extends Error {}

/** Compiles the twin; the binary's directory goes when the session closes. */
export function buildTwin(compiler: string, session: Session): string {
  const dir = mkdtempSync(join(tmpdir(), "stable-dio-native-bin-"));
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
