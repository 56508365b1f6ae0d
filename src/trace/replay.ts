// Replaying a trace on a core (Wasm or model): each line is applied as it is
// read; a call the core refuses stops the replay with the line that made it.
// The counters are read after the last line and compared with the footer.
import { errName, keyName, readCounters } from "../host/result.js";
import { applyOp } from "../core/ops.js";
import type { Core } from "../core/core.js";
import { TraceError } from "./format.js";
import { readTrace, type Expected, type TraceLine } from "./read.js";

export interface Mismatch {
  readonly counter: string;
  readonly expected: number;
  readonly got: number;
}

export interface Replay {
  /** Every counter after the last line, snake_case, in Counter order. */
  readonly counters: Record<string, number>;
  /** The footer's counters, or null if the trace has none. */
  readonly expected: Expected;
  /** Footer counters the replay did not reproduce. */
  readonly mismatches: readonly Mismatch[];
}

export function replayTrace(core: Core, text: string, file: string): Replay {
  const expected = readTrace(text, file, (op, line) => {
    const rc = apply(core, op);
    if (rc < 0) throw new TraceError(file, line, refused(core, op, rc));
  });
  const counters = readCounters(core);
  return { counters, expected, mismatches: compare(counters, expected) };
}

function apply(core: Core, op: TraceLine): number {
  switch (op.op) {
    case "set": return core.set(op.key, op.value);
    case "reset": return core.reset();
    case "scrub": return core.scrub();
    default: return applyOp(core, op);
  }
}

/** "map failed: NOT_MAPPED", with sd_err_detail when it says something. */
export function refused(core: Core, op: TraceLine, rc: number): string {
  const what = op.op === "set" ? `set ${keyName(op.key)}` : op.op;
  const detail = core.errDetail();
  return `${what} failed: ${errName(rc)}${detail ? ` (detail ${detail})` : ""}`;
}

export function compare(counters: Record<string, number>, expected: Expected): Mismatch[] {
  if (!expected) return [];
  return Object.entries(expected)
    .filter(([name, v]) => counters[name] !== v)
    .map(([name, v]) => ({ counter: name, expected: v, got: counters[name] }));
}
