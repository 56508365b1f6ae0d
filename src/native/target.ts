// Where the native run writes: a loop device over a sparse file it creates
// (in LOOP_DIR, named for the process: <pid>-<random>.img), detached when the
// session closes; or a file or block device the user names (--target), of
// which it writes only the range [offset, offset + length).
//
// The backing file is unlinked as soon as the device holds it, so a killed
// run leaves only the device, whose backing file name (".../stable-dio-native/
// <pid>-....img (deleted)") still says who made it: the next run detaches
// every such device whose process is gone.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, ftruncateSync, openSync, readdirSync, rmdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { randomBytes } from "node:crypto";
import { NativeMissing, type Session } from "./session.js";
import { UsageError } from "../shared/io.js";
import { makeDir } from "../shared/make-dir.js";

export const LOOP_DIR_NAME = "stable-dio-native";

/** The directory of the backing files (under $TMPDIR, else /tmp). */
export const loopDir = (): string => join(tmpdir(), LOOP_DIR_NAME);

export interface Target {
  readonly path: string;
  readonly offset: number;
  /** "a loop device over a 64M sparse file", "/dev/vdb", "file /var/tmp/x" */
  readonly what: string;
}

const losetup = (args: string[]) => spawnSync("losetup", args, { encoding: "utf8", timeout: 30_000 });

/** What is missing to make a loop device, or undefined. */
export function loopMissing(): string | undefined {
  const r = losetup(["--version"]);
  if (r.error || r.status !== 0) return "losetup (util-linux) to make a loop device (or --target FILE|DEVICE)";
  if (!existsSync("/dev/loop-control")) return "a loop device (/dev/loop-control: modprobe loop), or --target FILE|DEVICE";
  return undefined;
}

/** Loop devices whose backing file is one of ours: [device, backing file]. */
export function ourLoopDevices(dir = loopDir()): Array<[string, string]> {
  const r = losetup(["--list", "--json", "--output", "NAME,BACK-FILE"]);
  if (r.status !== 0 || !r.stdout.trim()) return [];
  const list = (JSON.parse(r.stdout) as { loopdevices?: Array<{ name: string; "back-file": string | null }> }).loopdevices ?? [];
  return list
    .filter((d) => d["back-file"]?.startsWith(dir + "/"))
    .map((d) => [d.name, d["back-file"]!.replace(/ \(deleted\)$/, "")]);
}

const ownerPid = (file: string): number => Number(/^(\d+)-/.exec(basename(file))?.[1] ?? NaN);

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Detaches the loop devices and removes the backing files that runs no longer alive left behind; returns the devices. */
export function sweepStale(dir = loopDir()): string[] {
  const detached: string[] = [];
  for (const [dev, file] of ourLoopDevices(dir)) {
    if (alive(ownerPid(file))) continue;
    if (losetup(["-d", dev]).status === 0) detached.push(dev);
  }
  if (existsSync(dir)) {
    for (const f of readdirSync(dir)) if (!alive(ownerPid(f))) rmSync(join(dir, f), { force: true });
    removeIfEmpty(dir);
  }
  return detached;
}

/** A loop device over a sparse file of `length` bytes; detached (and the file gone) when the session closes. */
export function makeLoop(length: number, session: Session): Target {
  const dir = loopDir();
  try {
    makeDir(dir, 0o700);
  } catch (e) {
    throw new UsageError(`cannot make ${dir} for the loop device's backing file: ${(e as NodeJS.ErrnoException).code ?? String(e)} (TMPDIR names where it goes)`);
  }
  session.onClose(() => removeIfEmpty(dir)); // last: after the device and the file
  const file = join(dir, `${process.pid}-${randomBytes(4).toString("hex")}.img`);
  session.onClose(() => rmSync(file, { force: true }));
  const fd = openSync(file, "wx", 0o600);
  try {
    ftruncateSync(fd, length);
  } finally {
    closeSync(fd);
  }
  const r = losetup(["--find", "--show", file]);
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || "").trim().split("\n")[0];
    throw new NativeMissing(`a free loop device (losetup --find: ${why})`);
  }
  const dev = r.stdout.trim();
  session.onClose(() => {
    const d = losetup(["-d", dev]);
    // A device still open (a killed child not yet gone) is marked autoclear: it detaches on last close.
    if (d.status !== 0 && ourLoopDevices().some(([name]) => name === dev))
      throw new Error(`could not detach ${dev}: ${(d.stderr || "").trim()}`);
  });
  rmSync(file, { force: true }); // the device holds it; nothing is left in the file system
  return { path: dev, offset: 0, what: `${dev}, a loop device over a sparse file of ${length / 2 ** 20} MiB` };
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOTEMPTY" && (e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

/** A user's file or block device: it must exist; the run writes bytes [offset, offset + length) only. */
export function userTarget(path: string, offset: number, length: number): Target {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new UsageError(`--target ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)} (a regular file or a block device that exists)`);
  }
  if (!st.isFile() && !st.isBlockDevice()) throw new UsageError(`--target ${path} is neither a regular file nor a block device`);
  if (st.isFile() && st.size < offset + length)
    throw new UsageError(`--target ${path} is ${st.size} bytes; the run writes bytes ${offset}..${offset + length} (make it larger: truncate -s ${offset + length} ${path})`);
  return { path, offset, what: st.isFile() ? `file ${path}, bytes ${offset}..${offset + length}` : `block device ${path}, bytes ${offset}..${offset + length}` };
}
