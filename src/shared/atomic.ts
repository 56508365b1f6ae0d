// Writing a file so that a reader (or a crash) never sees half of it: the
// bytes go to a temporary file in the same directory (same file system, so
// the rename is atomic), are flushed to disk, then renamed over the target,
// and the directory is flushed so the rename survives a crash too. If
// anything fails, the temporary file is removed and the target is as it was.
// Every file stable-dio writes goes through here, except the sweep's journal,
// which is appended to line by line by design (src/sweep/journal.ts); the
// sweep's lock file is created here too, exclusively (createExclusive).
//
//   dir/.NAME.PID.RAND.tmp  --write, fsync-->  --rename-->  dir/NAME
//
// A process killed between open and rename (SIGKILL, power loss) leaves its
// temporary file; the next write to the same target removes the ones whose
// PID is no longer alive.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  writeFilesAtomic([{ file, data }]);
}

/**
 * Several files that belong together (a report): every one is written and
 * flushed to its temporary file first, and only then are they renamed over
 * their targets, one after the other. A failure while writing leaves every
 * target as it was; only a kill in the few microseconds of the renames can
 * leave old and new files side by side (each still whole).
 */
export function writeFilesAtomic(files: readonly { file: string; data: string | Uint8Array }[]): void {
  const staged: { tmp: string; file: string }[] = [];
  try {
    for (const { file, data } of files) {
      removeStaleTemps(file);
      const tmp = tempName(file);
      const fd = openSync(tmp, "wx");
      staged.push({ tmp, file });
      try {
        writeAll(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    while (staged.length > 0) {
      renameSync(staged[0].tmp, staged[0].file);
      staged.shift();
    }
  } catch (e) {
    for (const s of staged) rmSync(s.tmp, { force: true });
    throw e;
  }
  for (const d of new Set(files.map((f) => dirname(f.file)))) fsyncDir(d);
}

function tempName(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Temporary files of `file` left by processes that no longer run. */
function removeStaleTemps(file: string): void {
  const prefix = `.${basename(file)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return; // no directory yet: nothing stale, and the open below says what is wrong
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length));
    if (m && !alive(Number(m[1]))) rmSync(join(dirname(file), name), { force: true });
  }
}

/**
 * Creates `file` only if no such file exists (O_CREAT | O_EXCL; EEXIST
 * otherwise) and writes `data` to it: a lock. Not flushed: a lock means
 * something only while the process that wrote it runs. A failed write
 * removes the file.
 */
export function createExclusive(file: string, data: string): void {
  const fd = openSync(file, "wx");
  try {
    writeAll(fd, Buffer.from(data, "utf8"));
  } catch (e) {
    closeSync(fd);
    rmSync(file, { force: true });
    throw e;
  }
  closeSync(fd);
}

/** Whether a process with this id runs (ours counts as running). */
export function alive(pid: number): boolean {
  if (pid === process.pid) return true; // our own writes are synchronous: one in flight is not stale
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // alive, someone else's
  }
}

/** writeSync may write less than asked: go on until every byte is written. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Flushes a directory's entries (a new or renamed file); best effort, as some file systems refuse it. */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // The data itself is synced; only the directory entry's durability is left to the file system.
  }
}
