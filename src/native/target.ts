// Where the native run writes: a loop device over a sparse file it creates
// (in LOOP_DIR, named for the process: <pid>-<random>.img), detached when the
// session closes; or a file or block device the user names (--target), of
// which it writes only the range [offset, offset + length).
//
// The backing file is unlinked as soon as the device holds it, so a killed
// run leaves only the device, whose backing file name (".../stable-dio-native/
// <pid>-....img (deleted)") still says who made it: the next run detaches
// every such device whose process is gone. The program writing the device
// dies with the run (PR_SET_PDEATHSIG), but while it runs its pid and start
// time are kept beside, in <pid>-....twin: if one is still running when the
// next run looks, holding the device, it is killed first; a device held by a
// process it cannot name is only marked to detach on its last close, and said so.
//
//   $TMPDIR/stable-dio-native/
//     4242-1a2b3c4d.img    the backing file (unlinked once the device holds it)
//     4242-1a2b3c4d.twin   "PID STARTTIME": the program now running on the device
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, ftruncateSync, openSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { randomBytes } from "node:crypto";
import { NativeMissing, type Session } from "./session.js";
import { UsageError } from "../shared/io.js";
import { makeDir } from "../shared/make-dir.js";
import { alive, writeFileAtomic } from "../shared/atomic.js";

export const LOOP_DIR_NAME = "stable-dio-native";

/** The directory of the backing files (under $TMPDIR, else /tmp). */
export const loopDir = (): string => join(tmpdir(), LOOP_DIR_NAME);

export interface Target {
  readonly path: string;
  readonly offset: number;
  /** "a loop device over a 64M sparse file", "/dev/vdb", "file /var/tmp/x" */
  readonly what: string;
  /** A loop device's: where the program running on it is recorded (recordRunning). */
  readonly state?: string;
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

/** Whether the run that named this file runs (a name without a pid: no; process.kill(0) would be our group). */
const ownerAlive = (file: string): boolean => {
  const pid = ownerPid(file);
  return Number.isInteger(pid) && pid > 0 && alive(pid);
};

/** A loop device a killed run left: detached, or only marked to detach when the process still holding it closes it. */
export interface StaleDevice {
  readonly dev: string;
  readonly detached: boolean;
  /** The killed run's program, still running on the device: killed first. */
  readonly killed?: number;
}

/** Detaches the loop devices and removes the files that runs no longer alive left behind. */
export function sweepStale(dir = loopDir()): StaleDevice[] {
  const out: StaleDevice[] = [];
  for (const [dev, file] of ourLoopDevices(dir)) {
    if (ownerAlive(file)) continue;
    const killed = stopRecorded(file.replace(/\.img$/, ".twin"), dev);
    // A device still open is not detached: LOOP_CLR_FD only marks it autoclear. Whether it went, the list says.
    losetup(["-d", dev]);
    const detached = !ourLoopDevices(dir).some(([name]) => name === dev);
    out.push({ dev, detached, ...(killed === undefined ? {} : { killed }) });
  }
  if (existsSync(dir)) {
    for (const f of readdirSync(dir)) if (!ownerAlive(f)) rmSync(join(dir, f), { force: true });
    removeIfEmpty(dir);
  }
  return out;
}

/** A process's state and start time (clock ticks after boot), from /proc/PID/stat; undefined once it is gone. */
function procStat(pid: number): { readonly state: string; readonly start: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const f = text.slice(text.lastIndexOf(")") + 2).split(" "); // after "pid (comm) ": field 3 on
  return { state: f[0], start: f[19] };
}

/** "PID STARTTIME": together they name one process, whatever reuses the pid later. */
export function processId(pid: number): string | undefined {
  const s = procStat(pid);
  return s && `${pid} ${s.start}`;
}

/** Records the program now running on the target (removed by forgetRunning, or by the next run if this one is killed). */
export function recordRunning(target: Target, pid: number | undefined): void {
  const id = pid === undefined ? undefined : processId(pid);
  if (target.state && id) writeFileAtomic(target.state, id + "\n");
}

export function forgetRunning(target: Target): void {
  if (target.state) rmSync(target.state, { force: true });
}

/** Whether process `pid` has `dev` open. */
export function holds(pid: number, dev: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === dev;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The program a killed run recorded in `state`, if it is that very process
 * (same pid and start time) and still holds `dev`: killed, and waited for
 * (its exit waits for its in-flight I/O) up to 10 s. Returns its pid once it
 * is gone; undefined if there was none to kill, or it would not go.
 */
function stopRecorded(state: string, dev: string): number | undefined {
  let recorded: string;
  try {
    recorded = readFileSync(state, "utf8").trim();
  } catch {
    return undefined;
  }
  const pid = Number(recorded.split(" ")[0]);
  if (!Number.isInteger(pid) || pid <= 1 || processId(pid) !== recorded || !holds(pid, dev)) return undefined;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return undefined;
  }
  for (let i = 0; i < 500; i++) {
    const s = procStat(pid);
    if (!s || `${pid} ${s.start}` !== recorded || s.state === "Z") return pid; // a zombie has closed its files
    sleepMs(20);
  }
  return undefined;
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
  const state = file.replace(/\.img$/, ".twin");
  session.onClose(() => rmSync(file, { force: true }));
  session.onClose(() => rmSync(state, { force: true }));
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
  return { path: dev, offset: 0, what: `${dev}, a loop device over a sparse file of ${length / 2 ** 20} MiB`, state };
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
