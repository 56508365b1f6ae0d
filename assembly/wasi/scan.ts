// Splitting a line into words and reading numbers, in place: a word is an
// offset and a length into the input buffer. The grammar is the TypeScript
// reader's (src/trace/read.ts): one trailing CR dropped, '#' starts a comment,
// words split on spaces and tabs, numbers decimal or 0x-hex.

/** Words kept per line (an op has at most 7); more are counted, not kept. */
const MAX_WORDS: i32 = 8;
const WORDS: usize = memory.data(MAX_WORDS * 8, 8);

/** Words on the current line, counting those not kept. */
export let wordCount: i32 = 0;

export function split(p: usize, n: usize): void {
  if (n > 0 && load<u8>(p + n - 1) == 0x0d) n--;
  wordCount = 0;
  let i: usize = 0;
  while (i < n) {
    let c = load<u8>(p + i);
    if (c == 0x23) break; // '#'
    if (c == 0x20 || c == 0x09) {
      i++;
      continue;
    }
    let s = i;
    while (i < n) {
      c = load<u8>(p + i);
      if (c == 0x20 || c == 0x09 || c == 0x23) break;
      i++;
    }
    if (wordCount < MAX_WORDS) {
      store<u32>(WORDS + (<usize>wordCount << 3), <u32>(p + s));
      store<u32>(WORDS + (<usize>wordCount << 3) + 4, <u32>(i - s));
    }
    wordCount++;
  }
}

@inline export function wordPtr(i: i32): usize {
  return <usize>load<u32>(WORDS + (<usize>i << 3));
}

@inline export function wordLen(i: i32): usize {
  return <usize>load<u32>(WORDS + (<usize>i << 3) + 4);
}

export const BAD_NUMBER: i64 = -1;
export const OUT_OF_RANGE: i64 = -2;

/** Word i as a number in 0..max (max < 2^53), or BAD_NUMBER / OUT_OF_RANGE. */
export function number(i: i32, max: u64): i64 {
  let p = wordPtr(i);
  let n = wordLen(i);
  let hex = n > 2 && load<u8>(p) == 0x30 && (load<u8>(p + 1) | 0x20) == 0x78;
  let base: u64 = hex ? 16 : 10;
  let from: usize = hex ? 2 : 0;
  if (n == 0) return BAD_NUMBER;
  // Every character first: "bad number" wins over "out of range", as in the host.
  for (let j = from; j < n; j++) if (digit(load<u8>(p + j), hex) < 0) return BAD_NUMBER;
  let v: u64 = 0;
  for (let j = from; j < n; j++) {
    v = v * base + <u64>digit(load<u8>(p + j), hex);
    if (v > max) return OUT_OF_RANGE;
  }
  return <i64>v;
}

function digit(c: u32, hex: bool): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>c - 0x30;
  if (!hex) return -1;
  let l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return <i32>l - 0x61 + 10;
  return -1;
}
