// A subcommand beside the comparison: it inherits the program's output and
// exit handling, takes only the arguments it declares, and names its own
// options when one is unknown (the program's handler would list the root's),
// and the values a required option takes when it is missing.
import { Command, CommanderError, type Option } from "commander";
import { DEVICES, POLICIES, STABLE_IDS } from "../shared/names.js";
import { BUILTIN_IDS } from "../workloads/index.js";
import { CORE_IDS } from "../host/cores.js";
import { UsageError } from "../shared/io.js";
import { closest } from "../shared/suggest.js";

/** "; did you mean 'sweep'?" for a misspelled command, or "". */
export function didYouMeanCommand(command: string, commands: readonly string[]): string {
  const like = closest(command, commands);
  return like === undefined ? "" : `; did you mean '${like}'?`;
}

/** commander's "unknown option '--polcy'", with the closest option it meant, and the options allowed. */
export function unknownOptionLine(msg: string, cmd: Command): string {
  const flags = cmd.options.map((o) => o.long ?? o.short).filter((f): f is string => !!f);
  const typed = /'([^']*)'/.exec(msg)?.[1] ?? "";
  const like = typed.startsWith("--") ? closest(typed.slice(2).split("=")[0], flags.map((f) => f.replace(/^--?/, ""))) : undefined;
  return `${msg}${like === undefined ? "" : `; did you mean '--${like}'?`} (allowed: ${[...flags, "--help"].join(", ")})`;
}

/** What each required option of a fixed set of values allows (requiredChoice). */
const ALLOWED = new WeakMap<Option, readonly string[]>();

/** The values of the optional options that take names, by long flag, wherever they appear. */
const NAMED: Record<string, (o: Option) => readonly string[]> = {
  "--policy": () => POLICIES.map((p) => p.id),
  "--device": () => DEVICES.map((d) => d.id),
  "--stable": () => STABLE_IDS,
  "--core": () => CORE_IDS,
  "--workload": (o) => [...BUILTIN_IDS, ...(o.flags.includes("file") ? ["or a workload file"] : [])],
};

/** What `option` allows, if it takes one of a fixed set of values. */
export function allowedValues(option: Option | undefined): readonly string[] | undefined {
  if (!option) return undefined;
  return ALLOWED.get(option) ?? (option.long ? NAMED[option.long]?.(option) : undefined);
}

/** "option '-d, --device <id>' argument missing" with the values it takes, if it takes names. */
export function missingValueLine(msg: string, options: readonly Option[]): string {
  const values = allowedValues(options.find((o) => msg.includes(`'${o.flags}'`)));
  return values ? `${msg} (allowed: ${values.join(", ")})` : msg;
}

export function subcommand(program: Command, name: string): Command {
  const cmd = program.command(name).allowExcessArguments(false);
  cmd.exitOverride((e: CommanderError) => {
    const msg = e.message.split("\n")[0].replace(/^error: /, "");
    if (e.code === "commander.unknownOption") throw new UsageError(unknownOptionLine(msg, cmd));
    if (e.code === "commander.missingMandatoryOptionValue" || e.code === "commander.optionMissingArgument") {
      const line = missingValueLine(msg, cmd.options);
      if (line !== msg) throw new UsageError(line);
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
