// A calibrated cost profile: the native figures of this machine, decomposed
// into unit costs (src/cost/decompose.ts). What the figures cannot give
// (the checksum rate; IPIs on a one-CPU machine) falls back to the built-in
// profile and is listed as assumed.
import { builtinProfile } from "../cost/builtin.js";
import { decompose, type Check } from "../cost/decompose.js";
import { PROFILE_VERSION, type CostProfile } from "../cost/profile.js";
import { describeMachine } from "../shared/machine.js";
import type { NativeRun } from "./native.js";
import { decomposeUffd, DECOMPOSITION } from "./uffd.js";

export interface Calibration {
  readonly profile: CostProfile;
  readonly checks: readonly Check[];
}

export function calibratedProfile(run: NativeRun, quick: boolean, repeat = 1): Calibration {
  const d = decompose(run.figures, builtinProfile().costs);
  const u = decomposeUffd(run.figures, d.costs);
  const m = describeMachine();
  const profile: CostProfile = {
    tool: "stable-dio",
    kind: "cost-profile",
    version: PROFILE_VERSION,
    name: "calibrated",
    source: `stable-dio calibrate${quick ? " --quick" : ""}: native/calibrate.c built with ${run.compiler}, ` +
      `${run.cpus} CPU(s) available, SIGSEGV resumed by ${run.trapMethod}, median of ${repeat} run(s)`,
    date: new Date().toISOString(),
    machine: { cpu: m.cpu, cores: m.cores, os: m.os, kernel: m.kernel },
    measured: run.figures,
    costs: d.costs,
    assumed: d.assumed,
    ...(u.costs ? { uffd: u.costs } : {}),
    decomposition: DECOMPOSITION,
  };
  return { profile, checks: [...d.checks, ...u.checks] };
}
