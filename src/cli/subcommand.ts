// A subcommand beside the comparison: it inherits the program's output and
// exit handling, takes only the arguments it declares, and names its own
// options when one is unknown (the program's handler would list the root's),
// and the values a required option takes when it is missing.
import { Command, CommanderError, type Option } from "commander";
import { UsageError } from "./io.js";

/** What each required option of a fixed set of values allows (requiredChoice). */
const ALLOWED = new WeakMap<Option, readonly string[]>();

export function subcommand(program: Command, name: string): Command {
  const cmd = program.command(name).allowExcessArguments(false);
  cmd.exitOverride((e: CommanderError) => {
    const msg = e.message.split("\n")[0].replace(/^error: /, "");
    if (e.code === "commander.unknownOption") {
      const flags = cmd.options.map((o) => o.long ?? o.short).filter((f): f is string => !!f);
      throw new UsageError(`${msg} (allowed: ${[...flags, "--help"].join(", ")})`);
    }
    if (e.code === "commander.missingMandatoryOptionValue" || e.code === "commander.optionMissingArgument") {
      const option = cmd.options.find((o) => msg.includes(`'${o.flags}'`));
      const values = option && ALLOWED.get(option);
      if (values) throw new UsageError(`${msg} (allowed: ${values.join(", ")})`);
    }
    throw e;
  });
  return cmd;
}

/**
 * A required option with a fixed set of values: missing, or given without a
 * value, it is one line listing them. Every required option goes through here
 * (test/cli.test.ts checks the sources).
 */
export function requiredChoice(cmd: Command, flags: string, description: string, values: readonly string[]): Command {
  const option = cmd.createOption(flags, description).makeOptionMandatory();
  ALLOWED.set(option, values);
  return cmd.addOption(option);
}
