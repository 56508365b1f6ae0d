// Reading a trace (docs/trace.md) line by line. The reader checks the grammar
// and hands each configuration, op and footer line to a visitor as it goes, so
// a replay reports the first problem in line order, as the WASI replay does.
// Every problem is a TraceError naming the file and line.
import { Key, KeyDefault } from "../../assembly/abi.js";
import { COUNTER_NAMES } from "../shared/names.js";
import {
  isCounterName, KEY_NAMES, keyByName, LINE_WORDS, MAX_LINE, MAX_U32, OP_ARGS, OPTIONAL_KEYS, RUNTIME_KEYS, TRACE_MAGIC,
  TRACE_VERSION, TraceError, type TraceOp,
} from "./format.js";

/** What a visitor sees: every set (before and after reset), the reset, every op. */
export type TraceLine = TraceOp | { op: "reset" };

export type TraceVisitor = (line: TraceLine, n: number) => void;

/** The footer's counters in the order they appear, or null if the trace has none. */
export type Expected = Record<string, number> | null;

const enum State { HEADER, CONFIG, OPS, COUNTERS, END }

const MAX_COUNTER = Number.MAX_SAFE_INTEGER;
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|[0-9]+)$/;

/** Reads a whole trace, calling the visitor line by line; returns the footer's counters. */
export function readTrace(text: string, file: string, visit: TraceVisitor): Expected {
  const lines = text.split("\n");
  const isSet: boolean[] = new Array(Key.COUNT).fill(false);
  let expected: Expected = null;
  let state = State.HEADER;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const fail = (problem: string): never => { throw new TraceError(file, n, problem); };
    const raw = lines[i];
    if (raw.length * 3 > MAX_LINE && Buffer.byteLength(raw) > MAX_LINE) fail(`line longer than ${MAX_LINE} bytes`);
    const words = tokens(raw);
    if (!words.length) continue;
    const [word, ...args] = words;
    if (state === State.END) fail("text after 'end'");
    if (state === State.HEADER) {
      if (word !== TRACE_MAGIC) fail(`missing header '${TRACE_MAGIC} ${TRACE_VERSION}'`);
      arity(word, args, ["version"], fail);
      const v = num(args[0], "version", MAX_U32, fail);
      if (v !== TRACE_VERSION) fail(`unsupported trace version ${v} (this stable-dio reads version ${TRACE_VERSION})`);
      state = State.CONFIG;
      continue;
    }
    if (!LINE_WORDS.includes(word)) fail(`unknown op '${word}' (allowed: ${LINE_WORDS.join(", ")})`);
    switch (word) {
      case "set": {
        arity(word, args, ["key", "value"], fail);
        const key = keyByName(args[0]);
        if (key === undefined) fail(`unknown key '${args[0]}' (allowed: ${KEY_NAMES.join(", ")})`);
        if (state === State.COUNTERS) fail("'set' after the counters");
        if (state === State.OPS && !RUNTIME_KEYS.has(key!))
          fail(`'set ${args[0]}' after 'reset' (only policy and stable change at run time)`);
        const value = num(args[1], args[0], MAX_U32, fail);
        isSet[key!] = true;
        visit({ op: "set", key: key!, value }, n);
        break;
      }
      case "reset": {
        if (state !== State.CONFIG) fail("'reset' twice");
        arity(word, args, [], fail);
        const missing = isSet.findIndex((set, k) => !set && !OPTIONAL_KEYS.includes(k));
        if (missing >= 0) fail(`'reset' without 'set ${KEY_NAMES[missing]}' (a trace sets every key)`);
        for (const k of OPTIONAL_KEYS) if (!isSet[k]) visit({ op: "set", key: k, value: keyDefault(k) }, n);
        visit({ op: "reset" }, n);
        state = State.OPS;
        break;
      }
      case "counter": {
        if (state === State.CONFIG) fail("'counter' before 'reset'");
        arity(word, args, ["name", "value"], fail);
        if (!isCounterName(args[0])) fail(`unknown counter '${args[0]}'`);
        const value = num(args[1], args[0], MAX_COUNTER, fail);
        expected ??= {};
        expected[args[0]] = value;
        state = State.COUNTERS;
        break;
      }
      case "end":
        if (state === State.CONFIG) fail("'end' before 'reset'");
        arity(word, args, [], fail);
        state = State.END;
        break;
      default: {
        if (state === State.CONFIG) fail(`'${word}' before 'reset'`);
        if (state === State.COUNTERS) fail(`'${word}' after the counters`);
        const names = OP_ARGS[word as keyof typeof OP_ARGS];
        arity(word, args, names, fail);
        const op: Record<string, number | string> = { op: word };
        names.forEach((name, j) => (op[name] = num(args[j], name, MAX_U32, fail)));
        visit(op as unknown as TraceOp, n);
      }
    }
  }
  if (state === State.HEADER) throw new TraceError(file, lines.length, `missing header '${TRACE_MAGIC} ${TRACE_VERSION}'`);
  if (state !== State.END) throw new TraceError(file, lines.length, "truncated: no 'end' line");
  return expected && orderByCounter(expected);
}

const keyDefault = (k: Key): number => KeyDefault[Key[k] as keyof typeof KeyDefault];

/** The words of a line: comment cut, one trailing CR dropped, split on spaces and tabs. */
function tokens(raw: string): string[] {
  let line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  const hash = line.indexOf("#");
  if (hash >= 0) line = line.slice(0, hash);
  return line.split(/[ \t]+/).filter((w) => w.length > 0);
}

function arity(word: string, args: readonly string[], names: readonly string[], fail: (p: string) => never): void {
  if (args.length === names.length) return;
  if (!names.length) fail(`${word} takes no arguments, got ${args.length}`);
  const s = names.length === 1 ? "" : "s";
  fail(`${word} takes ${names.length} argument${s} (${names.join(" ")}), got ${args.length}`);
}

/** A decimal or 0x-hex number in 0..max. */
function num(text: string, what: string, max: number, fail: (p: string) => never): number {
  if (!NUMBER.test(text)) fail(`bad number '${text}' for ${what}`);
  const v = /^0[xX]/.test(text) ? parseInt(text.slice(2), 16) : Number(text);
  if (!(v <= max)) fail(`${what} ${text} out of range (0..${max})`);
  return v;
}

function orderByCounter(e: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of COUNTER_NAMES) if (name in e) out[name] = e[name];
  return out;
}

export interface ParsedTrace {
  /** One value per Key, in Key order. */
  readonly config: readonly number[];
  readonly ops: readonly TraceOp[];
  /** The line of each op. */
  readonly lines: readonly number[];
  readonly expected: Expected;
}

/** A whole trace in memory (for tools; replay reads as it goes). */
export function parseTrace(text: string, file: string): ParsedTrace {
  const config: number[] = new Array(Key.COUNT).fill(0);
  const ops: TraceOp[] = [];
  const lines: number[] = [];
  let reset = false;
  const expected = readTrace(text, file, (op, line) => {
    if (op.op === "reset") reset = true;
    else if (op.op === "set" && !reset) config[op.key] = op.value;
    else {
      ops.push(op);
      lines.push(line);
    }
  });
  return { config, ops, lines, expected };
}
