// A subcommand beside the comparison: it inherits the program's output and
// exit handling, takes only the arguments it declares, and names its own
// options when one is unknown (the program's handler would list the root's).
import { Command, CommanderError } from "commander";
import { UsageError } from "./io.js";

export function subcommand(program: Command, name: string): Command {
  const cmd = program.command(name).allowExcessArguments(false);
  cmd.exitOverride((e: CommanderError) => {
    if (e.code !== "commander.unknownOption") throw e;
    const flags = cmd.options.map((o) => o.long ?? o.short).filter((f): f is string => !!f);
    const msg = e.message.split("\n")[0].replace(/^error: /, "");
    throw new UsageError(`${msg} (allowed: ${[...flags, "--help"].join(", ")})`);
  });
  return cmd;
}
