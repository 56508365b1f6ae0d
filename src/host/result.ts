// What one run returns: a plain, JSON-ready record. Reports, the cost model and
// traces build on it, so fields are only ever added; RESULT_VERSION changes
// when one changes meaning.
import { Counter, Err, FrameKind, Invariant, Key, WarnField } from "../../assembly/abi.js";
import type { Core } from "../core/core.js";
import type { OpRecord } from "../core/ops.js";
import { COUNTER_NAMES, FRAME_KIND_NAMES, warnKindName } from "../shared/names.js";

export const RESULT_VERSION = 1;

export interface Warning {
  readonly pid: number;
  readonly va: number;
  readonly io: number;
  /** "violation", "false_positive" or "verify". */
  readonly kind: string;
}

export interface Balance {
  /** Every check below passed. */
  readonly ok: boolean;
  /** sd_check after the run: 0, or the failing Invariant's name. */
  readonly invariant: string;
  /** Human-readable failures ("pinned 3 != 0"); empty when ok. */
  readonly problems: readonly string[];
  /** Exiting every process freed every user frame and PTE table (null: not tried). */
  readonly freedOnExit: boolean | null;
}

/** Queue depth as it happened: measured by the driver at each submit. */
export interface Inflight {
  /** The most I/Os one submitting thread had in flight at once (fio's I/O depth). */
  readonly max: number;
  /** The largest queue depth (qd, fio's iodepth) a submitting thread was given. */
  readonly qd: number;
  /** Threads that submitted more I/Os than their depth yet never had that many in flight. */
  readonly short: ReadonlyArray<{ readonly thread: string; readonly qd: number; readonly max: number }>;
}

export interface RunResult {
  readonly version: number;
  /** "wasm" or "model". */
  readonly core: string;
  readonly workload: string;
  readonly policy: string;
  readonly device: string;
  /** "auto", "always" or "never" (Key.STABLE). */
  readonly stable: string;
  readonly seed: number;
  /** Resolved workload parameters. */
  readonly params: Readonly<Record<string, number>>;
  /** The sd_set keys of the run, snake_case. */
  readonly config: Readonly<Record<string, number>>;
  /** Every Counter, snake_case, after the final scrub (before any exit). */
  readonly counters: Readonly<Record<string, number>>;
  /** The core's warning log (at most 1024 kept; counters.warnings counts all). */
  readonly warnings: readonly Warning[];
  /** FrameKind counts after the run (before any exit), snake_case. */
  readonly frames: Readonly<Record<string, number>>;
  readonly balance: Balance;
  /** Scheduler steps the run took, and core calls made. */
  readonly steps: number;
  readonly ops: number;
  readonly inflight: Inflight;
  /** Every executed call in order, when recording was asked for. */
  readonly trace?: readonly OpRecord[];
}

export function readCounters(core: Core): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < Counter.COUNT; i++) out[COUNTER_NAMES[i]] = core.counter(i);
  return out;
}

export function readFrames(core: Core): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < FrameKind.COUNT; i++) out[FRAME_KIND_NAMES[i]] = core.frameStats(i);
  return out;
}

export function readWarnings(core: Core): Warning[] {
  const out: Warning[] = [];
  const n = core.warnCount();
  for (let i = 0; i < n; i++) {
    out.push({
      pid: core.warnField(i, WarnField.PID),
      va: core.warnField(i, WarnField.VA),
      io: core.warnField(i, WarnField.IO),
      kind: warnKindName(core.warnField(i, WarnField.KIND)),
    });
  }
  return out;
}

/** Frame accounting once no I/O is in flight (docs/model.md section 2). */
export function frameProblems(f: Readonly<Record<string, number>>): string[] {
  const p: string[] = [];
  for (const k of ["pinned", "bounce", "scratch"]) if (f[k] !== 0) p.push(`${k} ${f[k]} != 0`);
  if (f.user !== f.mapped) p.push(`user ${f.user} != mapped ${f.mapped}`);
  if (f.total !== f.free + f.user + f.pgtable)
    p.push(`total ${f.total} != free ${f.free} + user ${f.user} + pgtable ${f.pgtable}`);
  return p;
}

export function invariantName(rc: number): string {
  if (rc === 0) return "ok";
  const n = (Invariant as unknown as Record<number, string>)[-rc];
  return n ? n.toLowerCase() : `invariant ${rc}`;
}

export function errName(rc: number): string {
  const n = (Err as unknown as Record<number, string>)[-rc];
  return n ?? `error ${rc}`;
}

export function keyName(k: Key): string {
  return ((Key as unknown as Record<number, string>)[k] ?? `key_${k}`).toLowerCase();
}
