// Output through one small static buffer: bytes, ASCII literals, numbers.
// Flushed to stdout (the JSON) or stderr (one error line).
import { fd_write } from "./sys";

const OUT_CAP: usize = 8192;
const OUT: usize = memory.data(<i32>OUT_CAP, 16);
const IOV: usize = memory.data(16, 8);
let outLen: usize = 0;
let outFd: u32 = 1;

/** Sends what is buffered to fd; later output goes there too. */
export function flushTo(fd: u32): void {
  let p = OUT;
  let n = outLen;
  outLen = 0;
  while (n > 0) {
    store<u32>(IOV, <u32>p);
    store<u32>(IOV + 4, <u32>n);
    if (fd_write(fd, IOV, 1, IOV + 8) != 0) return;
    let done = <usize>load<u32>(IOV + 8);
    if (done == 0) return;
    p += done;
    n -= done;
  }
  outFd = fd;
}

export function putByte(b: u32): void {
  if (outLen == OUT_CAP) flushTo(outFd);
  store<u8>(OUT + outLen++, <u8>b);
}

/**
 * Text the user wrote (a word of the trace, a file name), as the host's
 * terminalSafe (src/cli/main.ts) writes it: UTF-8 decoded as Node decodes it
 * (WHATWG: each maximal invalid subpart becomes U+FFFD), then control
 * characters and bidirectional overrides as \uXXXX, so the error line stays
 * one line and cannot move the cursor or reverse the text.
 */
export function putText(p: usize, n: usize): void {
  let need = 0; // continuation bytes still to come
  let seen = 0;
  let cp: u32 = 0;
  let lower: u32 = 0x80;
  let upper: u32 = 0xbf;
  let start = p; // the first byte of the sequence being decoded
  for (let i: usize = 0; i < n; i++) {
    let b = <u32>load<u8>(p + i);
    if (need == 0) {
      start = p + i;
      if (b < 0x80) putCodePoint(b, start, 1);
      else if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; }
      else if (b >= 0xe0 && b <= 0xef) {
        if (b == 0xe0) lower = 0xa0;
        if (b == 0xed) upper = 0x9f;
        need = 2;
        cp = b & 0x0f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b == 0xf0) lower = 0x90;
        if (b == 0xf4) upper = 0x8f;
        need = 3;
        cp = b & 0x07;
      } else putCodePoint(0xfffd, 0, 0);
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence so far is one invalid subpart; b starts afresh.
      need = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      putCodePoint(0xfffd, 0, 0);
      i--;
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    if (++seen == need) {
      putCodePoint(cp, start, <usize>need + 1);
      need = seen = 0;
    }
  }
  if (need != 0) putCodePoint(0xfffd, 0, 0);
}

/** One decoded code point: escaped, or its own bytes (U+FFFD, which has none here, spelled out). */
function putCodePoint(cp: u32, p: usize, n: usize): void {
  if (unsafe(cp)) {
    putStr("\\u");
    for (let shift = 12; shift >= 0; shift -= 4) putByte(HEX.charCodeAt((cp >> shift) & 15));
  } else if (n == 0) {
    putByte(0xef); // U+FFFD in UTF-8
    putByte(0xbf);
    putByte(0xbd);
  } else for (let i: usize = 0; i < n; i++) putByte(load<u8>(p + i));
}

const HEX = "0123456789abcdef";

/** The characters terminalSafe escapes: C0, DEL and C1 controls, and the bidirectional marks and overrides. */
@inline function unsafe(cp: u32): bool {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/** A string literal (ASCII): literals are static data, so this allocates nothing. */
export function putStr(s: string): void {
  let p = changetype<usize>(s);
  let n = <usize>s.length;
  for (let i: usize = 0; i < n; i++) putByte(load<u16>(p + (i << 1)));
}

export function putU64(v: u64): void {
  if (v >= 10) putU64(v / 10);
  putByte(0x30 + <u32>(v % 10));
}

export function putF64(v: f64): void {
  if (v < 0) {
    putByte(0x2d);
    v = -v;
  }
  putU64(<u64>v);
}

/** The index-th word of a space-separated literal ("pid va len flags", 1 -> "va"). */
export function putWord(s: string, index: i32): void {
  let w = changetype<usize>(s);
  let at = 0;
  for (let i = 0, n = s.length; i < n; i++) {
    let c = <u32>load<u16>(w + (<usize>i << 1));
    if (c == 0x20) at++;
    else if (at == index) putByte(c);
  }
}
