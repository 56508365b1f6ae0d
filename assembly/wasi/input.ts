// The trace, line by line, through one static buffer: no line is ever copied
// or allocated; a line is a pointer and a length into the buffer.
import { fd_read } from "./sys";

/** The longest line accepted (src/trace/format.ts MAX_LINE). */
export const MAX_LINE: usize = 4096;

const IN_CAP: usize = 65536;
const IN: usize = memory.data(<i32>IN_CAP, 16);
const IOV: usize = memory.data(16, 8);

let fd: u32 = 0;
let start: usize = 0; // first unread byte, from IN
let end: usize = 0;   // end of the bytes read
let eof = false;

/** The current line: bytes [linePtr, linePtr + lineLen), without its newline. */
export let linePtr: usize = 0;
export let lineLen: usize = 0;
/** The number (1-based) of the line nextLine returned or failed on. */
export let lineNo: u32 = 0;
let newlines: u32 = 0;
/** WASI errno of a failed read, else 0. */
export let readErrno: u32 = 0;

export const LINE = 1;
export const EOF = 0;
export const TOO_LONG = -1;
export const READ_ERROR = -2;

export function openInput(f: u32): void {
  fd = f;
  start = end = 0;
  eof = false;
  newlines = 0;
}

/** The next line, EOF, or an error. A last line without a newline is still a line. */
export function nextLine(): i32 {
  for (;;) {
    let nl = find(IN + start, end - start);
    if (nl >= 0) {
      linePtr = IN + start;
      lineLen = <usize>nl;
      start += <usize>nl + 1;
      lineNo = ++newlines;
      return lineLen > MAX_LINE ? TOO_LONG : LINE;
    }
    lineNo = newlines + 1;
    if (end - start > MAX_LINE) return TOO_LONG;
    if (eof) {
      if (start == end) return EOF;
      linePtr = IN + start;
      lineLen = end - start;
      start = end;
      return LINE;
    }
    fill();
    if (readErrno) return READ_ERROR;
  }
  return EOF; // not reached: AssemblyScript wants a return after for (;;)
}

/** The line number at the end of input: 1 + newlines (the TypeScript reader's lines.length). */
export function eofLine(): u32 {
  return newlines + 1;
}

/** Moves the unread bytes to the front and reads more after them. */
function fill(): void {
  let left = end - start;
  if (start > 0) {
    memory.copy(IN, IN + start, left);
    start = 0;
    end = left;
  }
  store<u32>(IOV, <u32>(IN + end));
  store<u32>(IOV + 4, <u32>(IN_CAP - end));
  let e = fd_read(fd, IOV, 1, IOV + 8);
  if (e != 0) {
    readErrno = e;
    return;
  }
  let n = <usize>load<u32>(IOV + 8);
  if (n == 0) eof = true;
  end += n;
}

function find(p: usize, n: usize): isize {
  for (let i: usize = 0; i < n; i++) if (load<u8>(p + i) == 0x0a) return <isize>i;
  return -1;
}
