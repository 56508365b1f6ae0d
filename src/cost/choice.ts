// Which profile a projecting command speaks with, and why: the verdict line
// and the crossover's header name both, so a reader knows whether the answer
// is this machine's or another's.
import type { CostProfile } from "./profile.js";

export interface ProfileChoice {
  readonly profile: CostProfile;
  /** It was measured on the machine the command runs on. */
  readonly here: boolean;
  /** Why this profile: "calibrated 2026-12-03, cached", "--profile builtin", "no C compiler to measure this machine". */
  readonly why: string;
}
