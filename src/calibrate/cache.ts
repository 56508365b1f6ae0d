// Where this machine's calibrated profile is kept between runs: one file per
// machine (CPU model, cores, kernel) and per calibration program, in the
// user's cache directory ($XDG_CACHE_HOME, else ~/.cache):
//
//   <cache>/stable-dio/profiles/<cpu>_<cores>cpu_<kernel>_<program>.json
//
// <program> is a hash of native/calibrate.c and its header: a stable-dio whose
// measurements changed calibrates again. The file is an ordinary cost profile
// (`--profile FILE` reads it too); reading checks that it names this machine.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { packageFile } from "../core/paths.js";
import { readProfile, writeProfile, type CostProfile } from "../cost/profile.js";
import { describeMachine, type MachineInfo } from "../shared/machine.js";
import { makeDir } from "../shared/make-dir.js";
import { PROGRAM_FILES } from "./native.js";

/** What a cached profile is kept per. */
export type MachineKey = Pick<MachineInfo, "cpu" | "cores" | "kernel">;

export function thisMachine(): MachineKey {
  const m = describeMachine();
  return { cpu: m.cpu, cores: m.cores, kernel: m.kernel };
}

/** $XDG_CACHE_HOME/stable-dio (an absolute path only, as the XDG spec says), else ~/.cache/stable-dio. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".cache"), "stable-dio");
}

let programHash: string | undefined;

/** The calibration program's sources, hashed (12 hex digits). */
export function calibrationProgramHash(): string {
  if (programHash) return programHash;
  const h = createHash("sha256");
  for (const f of PROGRAM_FILES) h.update(readFileSync(packageFile("native", f)));
  return (programHash = h.digest("hex").slice(0, 12));
}

const slug = (s: string): string => s.toLowerCase().replace(/\([^)]*\)/g, (m) => m.replace(/virtual machine/, "vm"))
  .replace(/[^a-z0-9.]+/g, "-").replace(/^-+|-+$/g, "") || "unknown";

/** The cache file of a machine's profile. */
export function cacheFile(m: MachineKey = thisMachine(), env: NodeJS.ProcessEnv = process.env): string {
  const name = `${slug(m.cpu)}_${m.cores}cpu_${slug(m.kernel)}_${calibrationProgramHash()}.json`;
  return join(cacheDir(env), "profiles", name);
}

export type Cached = { readonly profile: CostProfile } | { readonly problem: string } | undefined;

/** The cached profile of `m` in `file`; undefined: none there; `problem`: one there that cannot be used. */
export function readCached(file: string, m: MachineKey = thisMachine()): Cached {
  let p: CostProfile;
  try {
    p = readProfile(file);
  } catch (e) {
    if (/ENOENT/.test((e as Error).message)) return undefined;
    return { problem: (e as Error).message };
  }
  const differs = (["cpu", "cores", "kernel"] as const).filter((k) => p.machine?.[k] !== m[k]);
  if (differs.length) return { problem: `${file} was measured on another machine (${differs.join(", ")} differ)` };
  return { profile: p };
}

/** Writes the profile to the cache (atomically, making the directories); throws the file system's error. */
export function writeCached(file: string, p: CostProfile): void {
  makeDir(dirname(file));
  writeProfile(file, p);
}
