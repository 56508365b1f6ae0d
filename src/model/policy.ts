// Every policy decision (docs/model.md sections 5, 6.6 step 4, 6.10 step 1),
// one entry per policy, as assembly/policy.ts. Submit, the fault handler and
// completion are mechanisms: they ask here what the policy of the I/O in
// question does. An entry's traits:
//   mode            the Mode of an I/O that needs stable pages
//   readDirect      ...but a read goes direct (verify has nothing to re-check for it)
//   degradedBounce  a DEGRADED process's I/O is bounced instead
//   unsafeBounce    an UNSAFE process's I/O is bounced instead (Chinner's opt-out)
//   trustedDirect   a TRUSTED process's I/O goes direct instead (Hellwig's opt-outs)
//   copy            a write to a protected page copies it (else the writer waits)
//   warn, degrade   a caught change of an in-flight buffer (a write to a protected page,
//                   a verify mismatch) logs the once-per-process warning, degrades the process
//   rewrite         a verified write whose buffer changed is rewritten through the buffered path
//
// Adding a policy: docs/architecture.md, "Adding a policy".
import { Device, IoFlag, Key, Mode, Op, Policy, ProcFlag, Stable } from "../../assembly/abi.js";
import type { Proc, State } from "./state.js";
import { degrade, warnOnce } from "./warn.js";

interface Entry {
  mode: Mode;
  readDirect?: true;
  degradedBounce?: true;
  unsafeBounce?: true;
  trustedDirect?: true;
  copy?: true;
  warn?: true;
  degrade?: true;
  rewrite?: true;
}

/** One entry per policy: a policy without one does not type-check. */
const ENTRIES: Readonly<Record<Exclude<Policy, Policy.COUNT>, Entry>> = {
  [Policy.DIRECT]: { mode: Mode.DIRECT },
  [Policy.BOUNCE]: { mode: Mode.BOUNCE },
  [Policy.WP_COW]: { mode: Mode.WP, copy: true, warn: true },
  [Policy.WP_COW_DEGRADE]: { mode: Mode.WP, degradedBounce: true, copy: true, warn: true, degrade: true },
  [Policy.WP_WAIT]: { mode: Mode.WP },
  [Policy.OPT_OUT]: { mode: Mode.DIRECT, unsafeBounce: true },
  [Policy.OPT_OUT_INVERSE]: { mode: Mode.BOUNCE, trustedDirect: true },
  [Policy.VERIFY]: { mode: Mode.VERIFY, readDirect: true, degradedBounce: true, warn: true, degrade: true, rewrite: true },
};

function entry(policy: number): Entry {
  const e = ENTRIES[policy as Exclude<Policy, Policy.COUNT>];
  if (!e) throw new Error(`no policy entry for ${policy}`);
  return e;
}

/**
 * Hellwig's levels (section 5): does an I/O at `level` (0 a kernel caller, 1
 * a PROMISE, 2 nobody) need stable pages on the configured device?
 */
export function needsStable(st: State, op: number, level: number): boolean {
  const stable = st.cfg[Key.STABLE];
  if (stable === Stable.ALWAYS) return true;
  if (stable === Stable.NEVER || level === 0) return false;
  switch (st.cfg[Key.DEVICE]) {
    case Device.PI:
      return op === Op.WRITE && level === 1;
    case Device.PARITY:
      return op === Op.WRITE;
    case Device.FS_CSUM:
      return true;
    default:
      return false;
  }
}

/** 6.7: the mode an I/O gets at submit, from the policy, the process's flags and the I/O's. */
export function decideMode(st: State, policy: number, op: number, p: Proc, iflags: number): number {
  const level = p.flags & ProcFlag.KERNEL ? 0 : iflags & IoFlag.PROMISE ? 1 : 2;
  if (!needsStable(st, op, level)) return Mode.DIRECT;
  const e = entry(policy);
  if (e.readDirect && op === Op.READ) return Mode.DIRECT;
  if (e.degradedBounce && p.flags & ProcFlag.DEGRADED) return Mode.BOUNCE;
  if (e.unsafeBounce && p.flags & ProcFlag.UNSAFE) return Mode.BOUNCE;
  if (e.trustedDirect && p.flags & ProcFlag.TRUSTED) return Mode.DIRECT;
  return e.mode;
}

/** What a write to a page protected by an I/O of a policy does (6.6 step 4). */
export type WpFaultAction = "wait" | "shared-wait" | "copy";

export function wpFaultAction(policy: number, shared: boolean): WpFaultAction {
  if (!entry(policy).copy) return "wait";
  return shared ? "shared-wait" : "copy"; // a MAP_SHARED page cannot be copied for one process
}

/**
 * The policy caught process `p` changing the buffer of in-flight I/O `io` at
 * `va` (a protected-page fault, 6.6 step 4, or a verify mismatch, 6.10 step
 * 1): the once-per-process warning of `kind`, degrading, as it says.
 */
export function caughtChange(st: State, policy: number, p: Proc, va: number, io: number, kind: number): void {
  const e = entry(policy);
  if (e.warn) warnOnce(st, p, va, io, kind);
  if (e.degrade) degrade(st, p);
}

/** 6.10 step 1: is a verified write whose buffer changed rewritten through the buffered path? */
export function rewritesOnMismatch(policy: number): boolean {
  return entry(policy).rewrite === true;
}
