// The WASI command: replays an operation trace (docs/trace.md) read from the
// file named by its one argument, or from stdin, through the core's own
// exports (assembly/index.ts), and prints every counter as one line of JSON.
// Exit 0: replayed (and the footer, if any, matched); 1: counters differ from
// the footer (named on stderr); 2: a malformed trace or a call the core refused
// ("stable-dio: FILE:LINE: problem", as the host prints it), or bad arguments.
import {
  sd_complete, sd_complete_more, sd_counter, sd_disk_unwritten, sd_dma, sd_err_detail, sd_exit, sd_fork, sd_load,
  sd_map, sd_map_alias, sd_proc_create, sd_reset, sd_ring, sd_scrub, sd_set, sd_store, sd_submit, sd_thread_create,
  sd_thread_state, sd_unmap,
} from "../index";
import { Counter, Key, KeyDefault } from "../abi";
import "./abort"; // asconfig.wasi.json points abort here
import { openTrace, putFileName } from "./args";
import { EOF, LINE, READ_ERROR, TOO_LONG, MAX_LINE, eofLine, lineLen, lineNo, linePtr, nextLine, openInput, readErrno } from "./input";
import { COUNTER_NAMES, ERR_NAMES, KEY_NAMES, LINE_WORDS, OP_ARGS, OP_NAMES, equals, lookup, wordCount as argCount } from "./names";
import { flushTo, putByte, putText, putF64, putStr, putU64, putWord } from "./out";
import { BAD_NUMBER, OUT_OF_RANGE, number, split, wordCount, wordLen, wordPtr } from "./scan";
import { STDERR, STDOUT, proc_exit } from "./sys";

const TRACE_VERSION: u64 = 1;
const MAX_U32: u64 = 0xFFFF_FFFF;
const MAX_COUNTER: u64 = 9007199254740991; // Number.MAX_SAFE_INTEGER, as the host reads counters

const HEADER = 0;
const CONFIG = 1;
const OPS = 2;
const COUNTERS = 3;
const END = 4;

const ALL_KEYS: u32 = (1 << Key.COUNT) - 1;
/** Keys added after the format was first written (src/trace/format.ts OPTIONAL_KEYS): their defaults if not set. */
const OPTIONAL_KEYS: u32 = (1 << Key.WP_RESTORE) | (1 << Key.WP_BATCH) | (1 << Key.WP_WALK);

let state = HEADER;
let keysSet: u32 = 0;
/** The footer: which counters it names, and their values. */
const EXPECTED: usize = memory.data(Counter.COUNT * 8, 8);
const HAVE: usize = memory.data(Counter.COUNT, 8);
let haveAny = false;
/** Arguments of the current op, parsed before anything is applied. */
const ARGS: usize = memory.data(8 * 8, 8);

// --- error lines -------------------------------------------------------------

function begin(line: u32): void {
  putStr("stable-dio: ");
  putFileName();
  putByte(0x3a);
  putU64(line);
  putStr(": ");
}

/** Ends an error line on stderr; the caller returns false and the command exits 2. */
function fail(): bool {
  putByte(0x0a);
  flushTo(STDERR);
  return false;
}

/** An error line that is one literal. */
function problem(text: string): bool {
  begin(lineNo);
  putStr(text);
  return fail();
}

function putWordAt(i: i32): void {
  putText(wordPtr(i), wordLen(i));
}

function quoted(i: i32): void {
  putByte(0x27);
  putWordAt(i);
  putByte(0x27);
}

/** "map takes 4 arguments (pid va len flags), got 3" unless the count is right. */
function arity(names: string): bool {
  let want = argCount(names);
  let got = wordCount - 1;
  if (got == want) return true;
  begin(lineNo);
  putWordAt(0);
  if (want == 0) putStr(" takes no arguments, got ");
  else {
    putStr(" takes ");
    putU64(want);
    putStr(want == 1 ? " argument (" : " arguments (");
    putStr(names);
    putStr("), got ");
  }
  putU64(got);
  return fail();
}

/**
 * Word i as a number in 0..max into ARGS[slot]. Messages name it by word
 * nameIndex of names, or, when names is "", by word 1 of the line (a set's key,
 * a counter's name), as the host does.
 */
function arg(i: i32, max: u64, slot: i32, names: string, nameIndex: i32): bool {
  let v = number(i, max);
  if (v >= 0) {
    store<u64>(ARGS + (<usize>slot << 3), <u64>v);
    return true;
  }
  begin(lineNo);
  if (v == BAD_NUMBER) {
    putStr("bad number ");
    quoted(i);
    putStr(" for ");
    argName(names, nameIndex);
  } else {
    argName(names, nameIndex);
    putByte(0x20);
    putWordAt(i);
    putStr(" out of range (0..");
    putU64(max);
    putByte(0x29);
  }
  return fail();
}

function argName(names: string, index: i32): void {
  if (names.length) putWord(names, index);
  else putWordAt(1);
}

@inline function argU32(slot: i32): u32 {
  return <u32>load<u64>(ARGS + (<usize>slot << 3));
}

/** A call the core refused: "map failed: NOT_MAPPED (detail 3)"; key >= 0 names a set's key. */
function refused(rc: i32, what: string, key: i32 = -1): bool {
  begin(lineNo);
  putStr(what);
  if (key >= 0) {
    putByte(0x20);
    putStr(unchecked(KEY_NAMES[key]));
  }
  putStr(" failed: ");
  let e = -rc;
  if (e > 0 && e < ERR_NAMES.length) putStr(unchecked(ERR_NAMES[e]));
  else {
    putStr("error ");
    putF64(<f64>rc);
  }
  let detail = sd_err_detail();
  if (detail != 0) {
    putStr(" (detail ");
    putF64(detail);
    putByte(0x29);
  }
  return fail();
}

// --- lines -------------------------------------------------------------------

function header(): bool {
  if (!equals("stable-dio-trace", wordPtr(0), wordLen(0))) {
    begin(lineNo);
    return missingHeader();
  }
  if (!arity("version") || !arg(1, MAX_U32, 0, "version", 0)) return false;
  let v = load<u64>(ARGS);
  if (v != TRACE_VERSION) {
    begin(lineNo);
    putStr("unsupported trace version ");
    putU64(v);
    putStr(" (this stable-dio reads version 1)");
    return fail();
  }
  state = CONFIG;
  return true;
}

function missingHeader(): bool {
  putStr("missing header 'stable-dio-trace 1'");
  return fail();
}

function setLine(): bool {
  if (!arity("key value")) return false;
  let key = lookup(KEY_NAMES, wordPtr(1), wordLen(1));
  if (key < 0) {
    begin(lineNo);
    putStr("unknown key ");
    quoted(1);
    putStr(" (allowed: ");
    for (let k = 0; k < KEY_NAMES.length; k++) {
      if (k) putStr(", ");
      putStr(unchecked(KEY_NAMES[k]));
    }
    putByte(0x29);
    return fail();
  }
  if (state == COUNTERS) return problem("'set' after the counters");
  if (state == OPS && key != Key.POLICY && key != Key.STABLE) {
    begin(lineNo);
    putStr("'set ");
    putWordAt(1);
    putStr("' after 'reset' (only policy and stable change at run time)");
    return fail();
  }
  if (!arg(2, MAX_U32, 0, "", 0)) return false;
  let rc = sd_set(key, argU32(0));
  if (rc < 0) return refused(rc, "set", key);
  keysSet |= 1 << key;
  return true;
}

function resetLine(): bool {
  if (state != CONFIG) return problem("'reset' twice");
  if (!arity("")) return false;
  if ((keysSet | OPTIONAL_KEYS) != ALL_KEYS) {
    let k = ctz(~(keysSet | OPTIONAL_KEYS));
    begin(lineNo);
    putStr("'reset' without 'set ");
    putStr(unchecked(KEY_NAMES[k]));
    putStr("' (a trace sets every key)");
    return fail();
  }
  if (!(keysSet & (1 << Key.WP_RESTORE))) sd_set(Key.WP_RESTORE, KeyDefault.WP_RESTORE);
  if (!(keysSet & (1 << Key.WP_BATCH))) sd_set(Key.WP_BATCH, KeyDefault.WP_BATCH);
  if (!(keysSet & (1 << Key.WP_WALK))) sd_set(Key.WP_WALK, KeyDefault.WP_WALK);
  let rc = sd_reset();
  if (rc < 0) return refused(rc, "reset");
  state = OPS;
  return true;
}

function counterLine(): bool {
  if (state == CONFIG) return problem("'counter' before 'reset'");
  if (!arity("name value")) return false;
  let c = lookup(COUNTER_NAMES, wordPtr(1), wordLen(1));
  if (c < 0) {
    begin(lineNo);
    putStr("unknown counter ");
    quoted(1);
    return fail();
  }
  if (!arg(2, MAX_COUNTER, 0, "", 0)) return false;
  store<u64>(EXPECTED + (<usize>c << 3), load<u64>(ARGS));
  store<u8>(HAVE + <usize>c, 1);
  haveAny = true;
  state = COUNTERS;
  return true;
}

function endLine(): bool {
  if (state == CONFIG) return problem("'end' before 'reset'");
  if (!arity("")) return false;
  state = END;
  return true;
}

function opLine(op: i32): bool {
  if (state == CONFIG || state == COUNTERS) {
    begin(lineNo);
    putByte(0x27);
    putWordAt(0);
    putStr(state == CONFIG ? "' before 'reset'" : "' after the counters");
    return fail();
  }
  let names = unchecked(OP_ARGS[op]);
  if (!arity(names)) return false;
  for (let i = 1; i < wordCount; i++) if (!arg(i, MAX_U32, i - 1, names, i - 1)) return false;
  let rc = call(op);
  return rc >= 0 || refused(rc, unchecked(OP_NAMES[op]));
}

/** The op through the core's exports, as src/core/ops.ts applyOp calls them. */
function call(op: i32): i32 {
  switch (op) {
    case 0: return sd_proc_create(argU32(0));
    case 1: return sd_thread_create(argU32(0), argU32(1));
    case 2: return sd_map(argU32(0), argU32(1), argU32(2), argU32(3));
    case 3: return sd_unmap(argU32(0), argU32(1), argU32(2));
    case 4: return sd_store(argU32(0), argU32(1), argU32(2), argU32(3));
    case 5: return sd_load(argU32(0), argU32(1), argU32(2), 0);
    case 6: return sd_submit(argU32(0), argU32(1), argU32(2), argU32(3), argU32(4), argU32(5));
    case 7: return sd_dma(argU32(0));
    case 8: return sd_complete(argU32(0));
    case 9: return sd_fork(argU32(0), argU32(1));
    case 10: return sd_exit(argU32(0));
    case 11: return sd_scrub();
    case 12: return sd_thread_state(argU32(0), argU32(1));
    case 13: return sd_complete_more(argU32(0));
    case 14: return sd_disk_unwritten(argU32(0), argU32(1));
    case 15: return sd_map_alias(argU32(0), argU32(1), argU32(2), argU32(3), argU32(4));
    default: return sd_ring(argU32(0), argU32(1), argU32(2), argU32(3));
  }
}

function line(): bool {
  split(linePtr, lineLen);
  if (wordCount == 0) return true;
  if (state == END) return problem("text after 'end'");
  if (state == HEADER) return header();
  let p = wordPtr(0);
  let n = wordLen(0);
  let op = lookup(OP_NAMES, p, n);
  if (op >= 0) return opLine(op);
  if (equals("set", p, n)) return setLine();
  if (equals("reset", p, n)) return resetLine();
  if (equals("counter", p, n)) return counterLine();
  if (equals("end", p, n)) return endLine();
  begin(lineNo);
  putStr("unknown op ");
  quoted(0);
  putStr(" (allowed: ");
  putStr(LINE_WORDS);
  putByte(0x29);
  return fail();
}

// --- the run -----------------------------------------------------------------

function replay(): i32 {
  let r = nextLine();
  while (r == LINE) {
    if (!line()) return 2;
    r = nextLine();
  }
  if (r == TOO_LONG) {
    begin(lineNo);
    putStr("line longer than ");
    putU64(MAX_LINE);
    putStr(" bytes");
  } else if (r == READ_ERROR) {
    begin(lineNo);
    putStr("cannot read (WASI errno ");
    putU64(readErrno);
    putByte(0x29);
  } else return finish();
  fail();
  return 2;
}

/** At the end of input: the trace must be complete; then the counters and the footer check. */
function finish(): i32 {
  if (state == HEADER) {
    begin(eofLine());
    missingHeader();
    return 2;
  }
  if (state != END) {
    begin(eofLine());
    putStr("truncated: no 'end' line");
    fail();
    return 2;
  }
  printCounters();
  return checkFooter();
}

/** {"writes":1,...}: JSON.stringify of the host's counters, byte for byte. */
function printCounters(): void {
  putByte(0x7b);
  for (let i = 0; i < Counter.COUNT; i++) {
    if (i) putByte(0x2c);
    putByte(0x22);
    putStr(unchecked(COUNTER_NAMES[i]));
    putStr("\":");
    putU64(<u64>sd_counter(i));
  }
  putStr("}\n");
  flushTo(STDOUT);
}

/** Exit 1 naming each footer counter the replay did not reproduce, as the host does. */
function checkFooter(): i32 {
  if (!haveAny) return 0;
  let differ = 0;
  for (let i = 0; i < Counter.COUNT; i++) {
    if (!load<u8>(HAVE + <usize>i)) continue;
    let got = <u64>sd_counter(i);
    let want = load<u64>(EXPECTED + (<usize>i << 3));
    if (got == want) continue;
    if (differ++ == 0) {
      putStr("stable-dio: ");
      putFileName();
      putStr(": the replay differs from the recording: ");
    } else putStr(", ");
    putStr(unchecked(COUNTER_NAMES[i]));
    putByte(0x20);
    putU64(got);
    putStr(" (recorded ");
    putU64(want);
    putByte(0x29);
  }
  if (!differ) return 0;
  putByte(0x0a);
  flushTo(STDERR);
  return 1;
}

function main(): i32 {
  let fd = openTrace();
  if (fd < 0) return 2;
  openInput(<u32>fd);
  return replay();
}

let code = main();
if (code != 0) proc_exit(code);
