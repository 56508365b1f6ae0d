// Writing a file so that a reader (or a crash) never sees half of it: the
// bytes go to a temporary file in the same directory (same file system, so
// the rename is atomic), are flushed to disk, then renamed over the target,
// and the directory is flushed so the rename survives a crash too. If
// anything fails, the temporary file is removed and the target is as it was.
// Every file stable-dio writes goes through here, except the sweep's journal,
// which is appended to line by line by design (src/sweep/journal.ts).
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const fd = openSync(tmp, "wx");
    try {
      writeAll(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dirname(file));
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
