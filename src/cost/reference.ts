// The reference profiles the package ships (profiles/*.json, docs/profiles.md):
// cost profiles of machines stable-dio did not run on, each with its source
// and date, so an answer can be given as a range across machines and a
// machine can be compared with others (`--profile ref:<id>`). The files are
// whole cost profiles, usable as `--profile FILE` too.
import { join } from "node:path";
import { readProfile, type CostProfile } from "./profile.js";

/** In the order they are listed: the built-in profile's machine first. */
export const REFERENCE_IDS = ["epyc-vm", "xeon-vm", "milan-6.16", "milan-6.17"] as const;

/** The `--profile` value that names a reference profile: "ref:<id>". */
export const REF_PREFIX = "ref:";

/** Reads one reference profile from `dir` (the package's profiles/); throws an Error naming what is wrong. */
export function readReference(dir: string, id: string): CostProfile {
  if (!(REFERENCE_IDS as readonly string[]).includes(id))
    throw new Error(`no reference profile '${id}' (allowed: ${REFERENCE_IDS.map((r) => REF_PREFIX + r).join(", ")})`);
  const p = readProfile(join(dir, `${id}.json`));
  if (p.reference?.id !== id) throw new Error(`reference profile ${id}.json does not say it is '${id}' (reference.id)`);
  return p;
}

let cached: { dir: string; profiles: CostProfile[] } | undefined;

/** Every reference profile, in REFERENCE_IDS order. */
export function readReferences(dir: string): CostProfile[] {
  if (cached?.dir !== dir) cached = { dir, profiles: REFERENCE_IDS.map((id) => readReference(dir, id)) };
  return cached.profiles;
}
