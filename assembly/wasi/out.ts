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

export function putBytes(p: usize, n: usize): void {
  for (let i: usize = 0; i < n; i++) putByte(load<u8>(p + i));
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
