// Every policy decision (docs/model.md sections 5, 6.6 step 4, 6.10 step 1),
// one entry per policy. Submit, the fault handler and completion are
// mechanisms: they ask here what the policy of the I/O in question does.
//
// ╒═════════════════════════ a policy's entry (u32) ═══════════════════════════╕
//    9       8     7      6     5        4          3           2     1   0
// ├───────┬──────┬─────┬──────┬──────┬──────────┬──────────┬────────┬───────┤
// │REWRITE│DEGRAD│WARN │ COPY │TRUSTD│UNSAFE_BNC│DEGRD_BNC │READ_DIR│ MODE  │
// └───────┴──────┴─────┴──────┴──────┴──────────┴──────────┴────────┴───────┘
//  MODE             the Mode of an I/O that needs stable pages
//  READ_DIRECT      ...but a read goes direct (verify has nothing to re-check for it)
//  DEGRADED_BOUNCE  a DEGRADED process's I/O is bounced instead
//  UNSAFE_BOUNCE    an UNSAFE process's I/O is bounced instead (Chinner's opt-out)
//  TRUSTED_DIRECT   a TRUSTED process's I/O goes direct instead (Hellwig's opt-outs)
//  COPY             a write to a protected page copies it (else the writer waits)
//  WARN, DEGRADE    a caught change of an in-flight buffer (a write to a protected page,
//                   a verify mismatch) logs the once-per-process warning, degrades the process
//  REWRITE          a verified write whose buffer changed is rewritten through the buffered path
//
// Adding a policy: its id in abi.ts (Policy), its entry here and in
// src/model/policy.ts, its name and one line in src/shared/names.ts (and the
// docs): docs/architecture.md, "Adding a policy".
import { Device, IoFlag, Mode, Op, Policy, ProcFlag, Stable } from "./abi";
import { cfgDevice, cfgStable } from "./config";
import { degrade, warnOnce } from "./warn";

const MODE: u32 = 3;
const READ_DIRECT: u32 = 1 << 2;
const DEGRADED_BOUNCE: u32 = 1 << 3;
const UNSAFE_BOUNCE: u32 = 1 << 4;
const TRUSTED_DIRECT: u32 = 1 << 5;
const COPY: u32 = 1 << 6;
const WARN: u32 = 1 << 7;
const DEGRADE: u32 = 1 << 8;
const REWRITE: u32 = 1 << 9;

/** The entry of `policy` (a valid Policy id). */
function entry(policy: u32): u32 {
  switch (policy) {
    case Policy.DIRECT: return Mode.DIRECT;
    case Policy.BOUNCE: return Mode.BOUNCE;
    case Policy.WP_COW: return Mode.WP | COPY | WARN;
    case Policy.WP_COW_DEGRADE: return Mode.WP | DEGRADED_BOUNCE | COPY | WARN | DEGRADE;
    case Policy.WP_WAIT: return Mode.WP;
    case Policy.OPT_OUT: return Mode.DIRECT | UNSAFE_BOUNCE;
    case Policy.OPT_OUT_INVERSE: return Mode.BOUNCE | TRUSTED_DIRECT;
    case Policy.VERIFY: return Mode.VERIFY | READ_DIRECT | DEGRADED_BOUNCE | WARN | DEGRADE | REWRITE;
  }
  unreachable();
  return 0;
}

/**
 * Hellwig's levels (section 5): does an I/O at `level` (0 a kernel caller, 1
 * a PROMISE, 2 nobody) need stable pages on the configured device?
 */
export function needsStable(op: u32, level: u32): bool {
  if (cfgStable == Stable.ALWAYS) return true;
  if (cfgStable == Stable.NEVER || level == 0) return false;
  if (cfgDevice == Device.PI) return op == Op.WRITE && level == 1;
  if (cfgDevice == Device.PARITY) return op == Op.WRITE;
  return cfgDevice == Device.FS_CSUM;
}

/** 6.7: the mode an I/O gets at submit, from the policy, the process's flags and the I/O's. */
@inline export function decideMode(policy: u32, op: u32, pflags: u32, iflags: u32): u32 {
  let level: u32 = (pflags & ProcFlag.KERNEL) ? 0 : (iflags & IoFlag.PROMISE) ? 1 : 2;
  if (!needsStable(op, level)) return Mode.DIRECT;
  let e = entry(policy);
  if ((e & READ_DIRECT) && op == Op.READ) return Mode.DIRECT;
  if ((e & DEGRADED_BOUNCE) && (pflags & ProcFlag.DEGRADED)) return Mode.BOUNCE;
  if ((e & UNSAFE_BOUNCE) && (pflags & ProcFlag.UNSAFE)) return Mode.BOUNCE;
  if ((e & TRUSTED_DIRECT) && (pflags & ProcFlag.TRUSTED)) return Mode.DIRECT;
  return e & MODE;
}

/** What a write to a page protected by an I/O of `policy` does (6.6 step 4). */
export const WAIT: u32 = 1;
export const SHARED_WAIT: u32 = 2; // the policy copies, but a MAP_SHARED page cannot be copied for one process
export const COPY_PAGE: u32 = 3;

export function wpFaultAction(policy: u32, shared: bool): u32 {
  if (!(entry(policy) & COPY)) return WAIT;
  return shared ? SHARED_WAIT : COPY_PAGE;
}

/**
 * The policy caught process `pid` changing the buffer of in-flight I/O `io`
 * at `va` (a protected-page fault, 6.6 step 4, or a verify mismatch, 6.10
 * step 1): the once-per-process warning of `kind`, degrading, as it says.
 */
export function caughtChange(policy: u32, pid: u32, va: u32, io: u32, kind: u32): void {
  let e = entry(policy);
  if (e & WARN) warnOnce(pid, va, io, kind);
  if (e & DEGRADE) degrade(pid);
}

/** 6.10 step 1: is a verified write whose buffer changed rewritten through the buffered path? */
export function rewritesOnMismatch(policy: u32): bool {
  return (entry(policy) & REWRITE) != 0;
}
