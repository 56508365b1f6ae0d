// The operation trace vocabulary (docs/trace.md): the header, the op lines and
// their arguments, key and counter names, and the one error type. The reader,
// the writer and the WASI replay (assembly/wasi/) all follow this table.
import { Key } from "../../assembly/abi.js";
import { COUNTER_NAMES } from "../shared/names.js";
import { keyName } from "../host/result.js";
import type { OpRecord } from "../core/ops.js";

export const TRACE_MAGIC = "stable-dio-trace";
export const TRACE_VERSION = 1;
/** Longest line either reader accepts (the WASI replay reads through a small buffer). */
export const MAX_LINE = 4096;
export const MAX_U32 = 0xffff_ffff;

/** One state-changing line: a Core call, a run-time sd_set, or a scrub. */
export type TraceOp = OpRecord | { op: "set"; key: Key; value: number } | { op: "scrub" };

type CallName = OpRecord["op"] | "scrub";

/** Each op line's arguments, in order; the names are OpRecord's fields. */
export const OP_ARGS: Readonly<Record<CallName, readonly string[]>> = {
  proc: ["flags"],
  thread: ["pid", "cpu"],
  map: ["pid", "va", "len", "flags"],
  unmap: ["tid", "va", "len"],
  store: ["tid", "va", "len", "byte"],
  load: ["tid", "va", "len"],
  submit: ["tid", "dir", "va", "len", "sector", "flags"],
  dma: ["io"],
  complete: ["io"],
  fork: ["tid", "cpu"],
  exit: ["pid"],
  scrub: [],
  thread_state: ["tid", "state"],
  complete_more: ["io"],
  unwritten: ["block", "count"],
  alias: ["pid", "va", "len", "srcpid", "srcva"],
  ring: ["pid", "va", "len", "kind"],
};

/** Every word that may start a line, for "unknown op" messages. */
export const LINE_WORDS: readonly string[] = ["set", "reset", ...Object.keys(OP_ARGS), "counter", "end"];

/** Arguments the writer prints in hex (addresses). */
export const HEX_ARGS: ReadonlySet<string> = new Set(["va", "srcva"]);

/**
 * Keys added after the format was first written: a trace without them gets
 * their defaults (KeyDefault) at reset, so older traces replay as they ran.
 */
export const OPTIONAL_KEYS: readonly Key[] = [Key.WP_RESTORE, Key.WP_BATCH, Key.WP_WALK];

/** Keys that sd_set applies at once, so they may change after reset. */
export const RUNTIME_KEYS: ReadonlySet<Key> = new Set([Key.POLICY, Key.STABLE]);

export const KEY_NAMES: readonly string[] = Array.from({ length: Key.COUNT }, (_, k) => keyName(k));

export function keyByName(name: string): Key | undefined {
  const i = KEY_NAMES.indexOf(name);
  return i < 0 ? undefined : (i as Key);
}

export function isCounterName(name: string): boolean {
  return COUNTER_NAMES.includes(name);
}

/** A malformed trace, or one the core refuses: "FILE:LINE: problem". */
export class TraceError extends Error {
  constructor(readonly file: string, readonly line: number, readonly problem: string) {
    super(`${file}:${line}: ${problem}`);
    this.name = "TraceError";
  }
}
