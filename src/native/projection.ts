// The user-level projection: what the policies cost as `stable-dio native`
// builds them on userfaultfd, from a run's counters and a profile's unit
// costs. It is not the kernel projection (src/cost/model.ts): at user level a
// protect or restore is an UFFDIO_WRITEPROTECT call (syscall + its fixed
// work + the PTEs), every write fault is a round trip to the handler thread
// (msg), a copy-on-write adds copy + MADV_DONTNEED + UFFDIO_COPY (cow), a
// bounce is a memcpy into a buffer the tool owns (no allocation), and pins
// are the I/O's own (as under direct). Counted on the policy's threads
// (submitters and handler), as native measures them; the faulting thread's
// own fault entry and sleep are on its clock, in neither.
import { copyNs } from "../cost/copy.js";
import { FLUSH_CEILING } from "../cost/decompose.js";
import type { CostProfile, UffdCosts } from "../cost/profile.js";

export const USER_TERMS = ["bounce", "wp_call", "pte", "flush_page", "ipi", "fault", "cow"] as const;
export type UserTerm = (typeof USER_TERMS)[number];

export interface UserProjection {
  /** Projected CPU ns per I/O above direct (the policy's own cost). */
  readonly perIoNs: number;
  readonly terms: Readonly<Record<UserTerm, number>>;
}

/** The profile's uffd units, or why there are none. */
export function uffdUnits(p: CostProfile): UffdCosts | string {
  return p.uffd ?? `profile '${p.name}' has no userfaultfd unit costs (stable-dio calibrate, as root, measures them)`;
}

type Counters = Readonly<Record<string, number>>;

export function projectUser(c: Counters, p: CostProfile, u: UffdCosts): UserProjection {
  const n = (k: string): number => c[k] ?? 0;
  const k = p.costs;
  const ios = n("writes") + n("reads");
  const bounces = n("bounce_ios");
  const bounced = n("bytes_bounced");
  // One UFFDIO_WRITEPROTECT to protect and one to restore each protected I/O.
  const calls = 2 * n("protected_ios");
  const small = calls > 0 && n("pte_flips") / calls <= FLUSH_CEILING;
  // The walk as an I/O path meets it (buffers written since their last walk), where the profile measured it.
  const w = u.walk_cold ?? u;
  const totals: Record<UserTerm, number> = {
    bounce: bounces > 0 && bounced > 0 ? bounces * copyNs(bounced / bounces, k.copy_hot) : 0,
    wp_call: calls * (k.syscall + w.fixed),
    pte: n("pte_flips") * w.pte,
    flush_page: small ? n("pte_flips") * w.flush_page : 0,
    // A restore or a copy's zap with another thread of the process running elsewhere: a shootdown.
    ipi: n("ipis") * (small ? k.ipi : k.ipi_full),
    fault: n("faults") * u.msg,
    cow: n("cow_copies") * u.cow,
  };
  const terms = {} as Record<UserTerm, number>;
  let sum = 0;
  for (const t of USER_TERMS) {
    terms[t] = ios > 0 ? totals[t] / ios : 0;
    sum += totals[t];
  }
  return { perIoNs: ios > 0 ? sum / ios : 0, terms };
}
