// --profile FILE for the commands that project costs: the file's profile, or
// the built-in one. A missing or malformed file is a usage error.
import { builtinProfile } from "../cost/builtin.js";
import { readProfile, type CostProfile } from "../cost/profile.js";
import { UsageError } from "../shared/io.js";

export function pickProfile(file: string | undefined): CostProfile {
  if (file === undefined) return builtinProfile();
  try {
    return readProfile(file);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
