// What every command is registered with (cli/main.ts builds it): where it
// writes, how it sets the exit code, the program's subcommands, and the
// arguments as given.
import type { CliIo } from "../shared/io.js";

export interface CommandContext {
  readonly io: CliIo;
  /** The exit code the command wants. */
  exit(code: number): void;
  /** Names of the subcommands registered so far, help aside (for "unknown command" errors). */
  subcommands(): string[];
  /** The arguments after `stable-dio`, as given (reports record them). */
  readonly argv: readonly string[];
}
