// The stable-dio command line: a thin dispatcher. It builds the commander
// program, registers the commands (the root command is the comparison; later
// subcommands register beside it), and turns every user mistake into one line
// on stderr and exit code 2.
import { Command, CommanderError } from "commander";
import { registerBench } from "./bench.js";
import { registerCalibrate } from "./calibrate.js";
import { registerCompare } from "./compare.js";
import type { CommandContext } from "./context.js";
import { registerCrossover } from "./crossover.js";
import { registerNative } from "./native.js";
import { registerRecord } from "./record.js";
import { registerReplay } from "./replay.js";
import { registerReport } from "./report.js";
import { registerSweep } from "./sweep.js";
import { registerWasiPath } from "./wasi-path.js";
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE, processIo, UsageError, type CliIo } from "../shared/io.js";
import { registerRun } from "./run.js";
import { registerHelp } from "./help.js";
import { missingValueLine, unknownOptionLine } from "./subcommand.js";
import { readFileSync } from "node:fs";
import { packageFile } from "../core/paths.js";

/** The version in the package's package.json (what --version prints). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(packageFile("package.json"), "utf8")) as { version: string }).version;
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code = EXIT_OK;
  const program = new Command("stable-dio");
  const ctx: CommandContext = {
    io,
    exit: (c) => void (code = c),
    subcommands: () => program.commands.map((c) => c.name()).filter((n) => n !== "help"),
    argv,
  };
  program
    .description("What does it cost to keep direct-I/O buffers stable while the I/O is in flight?\n" +
      "Runs every policy on every workload on a Wasm page table with real bytes and prints what broke and what it cost.")
    .version(packageVersion(), "-V, --version", "print stable-dio's version")
    .helpCommand(false) // our own, last: commander's prints the whole help and "(outputHelp)" for an unknown name
    .exitOverride()
    .enablePositionalOptions() // the comparison's options stay before a subcommand, so subcommands own theirs
    .showSuggestionAfterError(false)
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: () => {}, // reported below, as one line
    });
  registerCompare(program, ctx);
  registerBench(program, ctx);
  registerCalibrate(program, ctx);
  registerCrossover(program, ctx);
  registerRecord(program, ctx);
  registerReplay(program, ctx);
  registerWasiPath(program, ctx);
  registerRun(program, ctx);
  registerReport(program, ctx);
  registerSweep(program, ctx);
  registerNative(program, ctx);
  registerHelp(program, ctx);

  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    return failure(e, program, io);
  }
}

function failure(e: unknown, program: Command, io: CliIo): number {
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) return EXIT_OK; // --help, --version
    io.err(`stable-dio: ${terminalSafe(commanderLine(e, program))}\n`);
    return EXIT_USAGE;
  }
  if (e instanceof UsageError) {
    io.err(`stable-dio: ${terminalSafe(e.message)}\n`);
    return EXIT_USAGE;
  }
  // Anything else is a bug: say so, with the stack, and fail.
  io.err(`stable-dio: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT_FAIL;
}

/**
 * A message quoting what the user typed stays one line, and cannot move the
 * cursor, clear the screen or reverse the text: control characters and
 * bidirectional overrides are written as \uXXXX.
 */
export function terminalSafe(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Commander's message, first line, without "error: ", with the allowed options where it helps. */
function commanderLine(e: CommanderError, program: Command): string {
  const msg = e.message.split("\n")[0].replace(/^error: /, "");
  if (e.code === "commander.unknownOption") return unknownOptionLine(msg, program);
  if (e.code === "commander.optionMissingArgument") return missingValueLine(msg, program.options);
  return msg;
}
