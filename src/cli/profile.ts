// --profile for the commands that project costs (the main job, run, report,
// crossover, sweep): `machine` (the default: this machine's profile,
// calibrated once and cached, src/calibrate/auto.ts), `builtin`, `ref:NAME`
// (a reference profile the package ships, docs/profiles.md) or a FILE from
// stable-dio calibrate. $STABLE_DIO_PROFILE, when set, is the default
// instead (CI that wants the same figures on every machine: builtin). A
// missing or malformed file is a usage error.
import { machineProfile } from "../calibrate/auto.js";
import { packageFile } from "../core/paths.js";
import { builtinProfile } from "../cost/builtin.js";
import type { ProfileChoice } from "../cost/choice.js";
import { readProfile, type CostProfile } from "../cost/profile.js";
import { readReference, readReferences, REF_PREFIX, REFERENCE_IDS } from "../cost/reference.js";
import { type CliIo, UsageError } from "../shared/io.js";
import { closest } from "../shared/suggest.js";

export const PROFILE_ENV = "STABLE_DIO_PROFILE";

/** The names --profile takes besides a FILE. */
const PROFILE_NAMES = ["machine", "builtin", ...REFERENCE_IDS.map((r) => REF_PREFIX + r)];

/** What --profile takes, as the help says it. */
export const PROFILE_VALUES = `machine (this machine's, calibrated once and cached), builtin, ` +
  `${PROFILE_NAMES.slice(2).join(", ")}, or a FILE from stable-dio calibrate`;

/** The --profile option's help. */
export const PROFILE_HELP = `cost profile: ${PROFILE_VALUES} (default: $${PROFILE_ENV}, else machine)`;

/** A value that is no name and no file there: a misspelled name, or a missing file. */
function notThere(value: string, message: string): string {
  const like = closest(value, PROFILE_NAMES);
  return `${message}${like === undefined ? "" : `; did you mean '${like}'?`} (allowed: ${PROFILE_NAMES.join(", ")}, or a FILE from stable-dio calibrate)`;
}

/** The package's reference profiles. */
export function referenceProfiles(): CostProfile[] {
  return readReferences(packageFile("profiles"));
}

/** A --profile value, checked: `choose` gives the profile (measuring this machine first if need be). */
export interface ProfileOption {
  choose(io: CliIo): Promise<ProfileChoice>;
}

/**
 * Checks `--profile` (or $STABLE_DIO_PROFILE, else `machine`) now, reading a
 * FILE or reference profile at once (a bad one is a usage error before any
 * work); `machine` is looked up, or measured, only when chosen, so the
 * command can check its other flags first.
 */
export function profileOption(option: string | undefined, env: NodeJS.ProcessEnv = process.env): ProfileOption {
  const fromEnv = option === undefined && (env[PROFILE_ENV] ?? "") !== "";
  const value = option ?? (fromEnv ? (env[PROFILE_ENV] as string) : "machine");
  if (value === "machine") return { choose: (io) => machineProfile(io, env) };
  const why = `chosen by ${option !== undefined ? `--profile ${value}` : `$${PROFILE_ENV}=${value}`}`;
  let profile: CostProfile;
  try {
    profile = value === "builtin" ? builtinProfile()
      : value.startsWith(REF_PREFIX) ? readReference(packageFile("profiles"), value.slice(REF_PREFIX.length))
      : readProfile(value);
  } catch (e) {
    const message = (e as Error).message;
    const missing = !value.startsWith(REF_PREFIX) && message.endsWith(": ENOENT");
    throw new UsageError(`${fromEnv ? `$${PROFILE_ENV}: ` : ""}${missing ? notThere(value, message) : message}`);
  }
  return { choose: async () => ({ profile, here: false, why }) };
}

/** profileOption(option).choose(io): for a command with nothing else to check first. */
export function chooseProfile(option: string | undefined, io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<ProfileChoice> {
  return profileOption(option, env).choose(io);
}
