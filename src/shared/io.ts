// Where a command writes (the CLI's commands, and the sweep's progress and
// notes), its exit codes, and the one error type for user mistakes (printed
// by the CLI as one line, exit code 2, never a stack trace).
import { closest } from "./suggest.js";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Progress lines go to err only when it is a terminal. */
  readonly interactive: boolean;
  /** The terminal behind err, for what draws on it (the sweep's progress bar); default process.stderr. */
  readonly errStream?: NodeJS.WritableStream;
  /** Where relative output paths (the report directory) resolve; default process.cwd(). */
  readonly cwd?: string;
}

export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;

export function processIo(): CliIo {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    interactive: Boolean(process.stderr.isTTY),
    errStream: process.stderr,
  };
}

/** A bad argument: the message names the bad value and the allowed ones. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** "unknown policy 'wp-cwo'; did you mean 'wp-cow'? (allowed: direct, bounce, ...)" (the question only when one is close) */
export function unknown(what: string, value: string, allowed: readonly string[]): UsageError {
  const like = closest(value, allowed);
  return new UsageError(`unknown ${what} '${value}'${like === undefined ? "" : `; did you mean '${like}'?`} (allowed: ${allowed.join(", ")})`);
}
