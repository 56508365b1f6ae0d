// One sweep per directory: DIR/.lock, created exclusively (O_EXCL) and
// holding the sweep's pid. A second sweep on the same directory while the
// first runs is a usage error naming the directory and that pid; a lock whose
// pid no longer runs (a sweep killed with SIGKILL) is taken over, with a note.
// The lock goes on every way out: the end, an error (release() in a finally),
// and SIGINT, SIGTERM or SIGHUP (removed, then the signal does what it would
// have done). Without it two sweeps would each compute every point, and the
// second's start could truncate as "torn" the line the first was writing.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type CliIo, UsageError } from "../shared/io.js";
import { alive, createExclusive } from "../shared/atomic.js";

export const LOCK_FILE = ".lock";
const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

export interface Lock {
  readonly file: string;
  /** Removes the lock if it is still ours; idempotent. */
  release(): void;
}

/** The pid a lock file holds; undefined if it holds none (empty, torn, or not a pid) or is gone. */
function holder(file: string): { pid?: number; text: string } | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const m = /^([1-9]\d{0,9})\n?$/.exec(text);
  return { pid: m ? Number(m[1]) : undefined, text };
}

function create(file: string): boolean {
  try {
    createExclusive(file, `${process.pid}\n`);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
}

export function takeLock(dir: string, io: CliIo): Lock {
  const file = join(dir, LOCK_FILE);
  let dead: number | undefined;
  // A few tries at most: the lock may go (or a dead process's be removed) between our tries.
  for (let attempt = 1; !create(file); attempt++) {
    const h = holder(file);
    if (h === undefined && attempt < 3) continue;
    if (h?.pid === undefined)
      throw new UsageError(`sweep directory '${dir}' is locked by ${file}, which holds no process id ` +
        `(${JSON.stringify(h?.text ?? "")}); if no sweep runs there, remove that file`);
    if (alive(h.pid) || attempt >= 3)
      throw new UsageError(`sweep directory '${dir}' is in use by process ${h.pid} (${file}); wait for it to end, or give another --out`);
    // A dead process's lock, unless someone replaced it since we read it.
    if (holder(file)?.text === h.text) rmSync(file, { force: true });
    dead = h.pid;
  }
  if (dead !== undefined) io.err(`stable-dio: took over ${file} from process ${dead}, which is no longer running\n`);
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    for (const s of SIGNALS) process.off(s, onSignal);
    if (holder(file)?.pid === process.pid) rmSync(file, { force: true });
  };
  // After a signal: without the lock, and then the signal's own way out unless another handler (the progress bar) takes it.
  const onSignal = (sig: NodeJS.Signals) => {
    release();
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return { file, release };
}
