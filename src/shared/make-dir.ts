// Making a directory (and its missing parents) without Node's recursive
// mkdir, which loops forever at 100% CPU where mkdir answers ENOENT for a
// parent that exists (under /proc, /sys: mkdir /proc/x says ENOENT, the
// parent /proc says EEXIST, and it tries again). Every directory stable-dio
// makes goes through here: it walks up to the nearest ancestor that exists,
// refuses if that is not a directory or cannot be written, and makes the rest
// one level at a time, so any failure is one error with the file system's code.
//
//   /tmp/a/b/c   exists: /tmp   missing: /tmp/a, /tmp/a/b, /tmp/a/b/c (made in that order)
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** An error as node:fs throws them: a code (ENOTDIR, EACCES, ...) the callers turn into a usage line. */
function fsError(code: string, path: string, why: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${why}, '${path}'`), { code, path });
}

/** The nearest existing ancestor of `dir` (or `dir` itself) and the missing directories below it, top first. */
function walkUp(dir: string): { readonly existing: string; readonly missing: string[] } {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    if (statSync(at, { throwIfNoEntry: false }) !== undefined) return { existing: at, missing };
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) return { existing: at, missing }; // the root itself missing: mkdir says why
    at = up;
  }
}

/**
 * Why `dir` could not be made (its nearest existing ancestor is no directory,
 * or cannot be written into), as a file-system error code; undefined if it
 * may be. Checks only: nothing is made, so a command can ask before any work.
 * A file system that refuses new directories anyway (/proc) is found by makeDir.
 */
export function dirProblem(dir: string): string | undefined {
  try {
    const { existing, missing } = walkUp(dir);
    if (!statSync(existing).isDirectory()) return "ENOTDIR";
    if (missing.length) accessSync(existing, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

/** Makes `dir` and its missing parents (mode applies to each one made); throws a node:fs error with a code. */
export function makeDir(dir: string, mode?: number): void {
  const { existing, missing } = walkUp(dir);
  if (!statSync(existing).isDirectory()) throw fsError("ENOTDIR", existing, "not a directory");
  if (!missing.length) return;
  accessSync(existing, constants.W_OK | constants.X_OK);
  for (const d of missing) {
    try {
      mkdirSync(d, mode === undefined ? undefined : { mode });
    } catch (e) {
      // Made meanwhile by someone else: fine if it is a directory; anything else is the error to report.
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || !statSync(d).isDirectory()) throw e;
    }
  }
}
