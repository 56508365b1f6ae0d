// The checksums devices compute over real bytes: crc32c (fs-csum), CRC16
// T10-DIF (pi), and the oracle hash the scrub uses (docs/model.md section 8).
// Wasm has no CRC instruction, so the CRCs are table-driven, slice-by-8.

// crc32c: reflected Castagnoli 0x82F63B78. Table k (256 x u32) at CRC32C + k*1024.
const CRC32C: usize = memory.data(8 * 256 * 4, 64);
// CRC16 T10-DIF: poly 0x8BB7, not reflected. Table k (256 x u16) at CRC16 + k*512.
const CRC16: usize = memory.data(8 * 256 * 2, 64);

// crc32c of a 4 KiB block runs four independent streams of STREAM bytes
// (more loads in flight than one dependent chain allows) and joins them with
// the linear map "advance the register over STREAM zero bytes", kept as four
// byte tables at SHIFT + k*1024.
const STREAM: u32 = 1024;
const SHIFT: usize = memory.data(4 * 256 * 4, 64);

/** Advances a raw crc32c register over `n` zero bytes, bit by bit (init only). */
function advanceZeros(c: u32, n: u32): u32 {
  for (let i: u32 = 0; i < n * 8; i++) c = (c & 1) ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
  return c;
}

const BASIS: usize = memory.data(32 * 4, 4);

function shiftInit(): void {
  for (let i = 0; i < 32; i++) store<u32>(BASIS + (<usize>i << 2), advanceZeros(<u32>1 << i, STREAM));
  for (let k = 0; k < 4; k++) {
    for (let b = 0; b < 256; b++) {
      let v: u32 = 0;
      for (let j = 0; j < 8; j++) if (b & (1 << j)) v ^= load<u32>(BASIS + (<usize>(k * 8 + j) << 2));
      store<u32>(SHIFT + (<usize>k << 10) + (<usize>b << 2), v);
    }
  }
}

@inline function shift(c: u32): u32 {
  return load<u32>(SHIFT + (<usize>(c & 0xFF) << 2))
    ^ load<u32>(SHIFT + 1024 + (<usize>((c >>> 8) & 0xFF) << 2))
    ^ load<u32>(SHIFT + 2048 + (<usize>((c >>> 16) & 0xFF) << 2))
    ^ load<u32>(SHIFT + 3072 + (<usize>(c >>> 24) << 2));
}

export function checksumInit(): void {
  shiftInit();
  for (let b: u32 = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = (c & 1) ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
    store<u32>(CRC32C + (<usize>b << 2), c);
    let d = b << 8;
    for (let k = 0; k < 8; k++) d = (d & 0x8000) ? ((d << 1) ^ 0x8BB7) & 0xFFFF : (d << 1) & 0xFFFF;
    store<u16>(CRC16 + (<usize>b << 1), <u16>d);
  }
  for (let t: u32 = 1; t < 8; t++) {
    for (let b: u32 = 0; b < 256; b++) {
      let prev = load<u32>(CRC32C + ((<usize>(t - 1) << 10) | (<usize>b << 2)));
      store<u32>(CRC32C + ((<usize>t << 10) | (<usize>b << 2)),
        (prev >>> 8) ^ load<u32>(CRC32C + (<usize>(prev & 0xFF) << 2)));
      let p16 = <u32>load<u16>(CRC16 + ((<usize>(t - 1) << 9) | (<usize>b << 1)));
      store<u16>(CRC16 + ((<usize>t << 9) | (<usize>b << 1)),
        <u16>(((p16 << 8) & 0xFFFF) ^ <u32>load<u16>(CRC16 + (<usize>(p16 >>> 8) << 1))));
    }
  }
}

@inline function t16(t: usize, b: u32): u32 {
  return <u32>load<u16>(CRC16 + (t << 9) + (<usize>(b & 0xFF) << 1));
}

/**
 * Slice-by-8 over the 8 bytes at `p`. Each byte's table offset is built
 * pre-scaled by 4 (one shift and one mask), and the table's base rides in the
 * load's immediate offset: three instructions per looked-up byte.
 */
@inline function step8(c: u32, p: usize): u32 {
  let lo = load<u32>(p) ^ c;
  let hi = load<u32>(p, 4);
  return load<u32>(<usize>((lo << 2) & 0x3FC), CRC32C + 7168)
    ^ load<u32>(<usize>((lo >>> 6) & 0x3FC), CRC32C + 6144)
    ^ load<u32>(<usize>((lo >>> 14) & 0x3FC), CRC32C + 5120)
    ^ load<u32>(<usize>((lo >>> 22) & 0x3FC), CRC32C + 4096)
    ^ load<u32>(<usize>((hi << 2) & 0x3FC), CRC32C + 3072)
    ^ load<u32>(<usize>((hi >>> 6) & 0x3FC), CRC32C + 2048)
    ^ load<u32>(<usize>((hi >>> 14) & 0x3FC), CRC32C + 1024)
    ^ load<u32>(<usize>((hi >>> 22) & 0x3FC), CRC32C);
}

/** crc32c of exactly 4096 bytes: four interleaved 1 KiB streams, joined by the shift operator. */
export function crc32c4k(p: usize): u32 {
  let a: u32 = 0xFFFFFFFF, b: u32 = 0, c: u32 = 0, d: u32 = 0;
  for (let e = p + STREAM; p < e; p += 8) {
    a = step8(a, p);
    b = step8(b, p + STREAM);
    c = step8(c, p + 2 * STREAM);
    d = step8(d, p + 3 * STREAM);
  }
  return (shift(shift(shift(a) ^ b) ^ c) ^ d) ^ 0xFFFFFFFF;
}

/** CRC16 T10-DIF guard of `len` bytes at `p` (init 0, no final xor). */
export function crc16t10(p: usize, len: u32): u32 {
  let c: u32 = 0;
  let end = p + len;
  while (p + 8 <= end) {
    // Big-endian view: the first byte meets the top of the register.
    let b0 = <u32>load<u8>(p) ^ (c >>> 8);
    let b1 = <u32>load<u8>(p, 1) ^ (c & 0xFF);
    c = t16(7, b0) ^ t16(6, b1) ^ t16(5, load<u8>(p, 2)) ^ t16(4, load<u8>(p, 3))
      ^ t16(3, load<u8>(p, 4)) ^ t16(2, load<u8>(p, 5)) ^ t16(1, load<u8>(p, 6)) ^ t16(0, load<u8>(p, 7));
    p += 8;
  }
  while (p < end) {
    c = ((c << 8) & 0xFFFF) ^ t16(0, (c >>> 8) ^ <u32>load<u8>(p));
    p++;
  }
  return c;
}

@inline function crc16step(c: u32, p: usize): u32 {
  let b0 = <u32>load<u8>(p) ^ (c >>> 8);
  let b1 = <u32>load<u8>(p, 1) ^ (c & 0xFF);
  return t16(7, b0) ^ t16(6, b1) ^ t16(5, load<u8>(p, 2)) ^ t16(4, load<u8>(p, 3))
    ^ t16(3, load<u8>(p, 4)) ^ t16(2, load<u8>(p, 5)) ^ t16(1, load<u8>(p, 6)) ^ t16(0, load<u8>(p, 7));
}

/**
 * Guards of `n` consecutive 512-byte sectors at `p`, into u16s at `out`. Two
 * sectors at a time: their CRCs are independent chains, so they overlap.
 */
export function crc16Sectors(p: usize, n: u32, out: usize): void {
  let s: u32 = 0;
  for (; s + 2 <= n; s += 2) {
    let x = p + (<usize>s << 9), y = x + 512;
    let a: u32 = 0, b: u32 = 0;
    for (let i: u32 = 0; i < 512; i += 8) {
      a = crc16step(a, x + i);
      b = crc16step(b, y + i);
    }
    store<u16>(out + (<usize>s << 1), <u16>a);
    store<u16>(out + (<usize>s << 1), <u16>b, 2);
  }
  if (s < n) store<u16>(out + (<usize>s << 1), <u16>crc16t10(p + (<usize>s << 9), 512));
}

const FNV: u32 = 0x01000193;

/** The oracle hash of one 512-byte sector (docs/model.md section 8). */
export function oracleHash(p: usize): u32 {
  let a0: u32, a1: u32, a2: u32, a3: u32, a4: u32, a5: u32, a6: u32, a7: u32;
  if (ASC_FEATURE_SIMD) {
    let x = i32x4(0x9E3779B9, 0x85EBCA6B, 0xC2B2AE35, 0x27D4EB2F);
    let y = i32x4(0x165667B1, 0xD3A2646C, 0xFD7046C5, 0xB55A4F09);
    let k = i32x4.splat(FNV);
    for (let i = 0; i < 16; i++) {
      x = i32x4.mul(v128.xor(x, v128.load(p)), k);
      y = i32x4.mul(v128.xor(y, v128.load(p, 16)), k);
      p += 32;
    }
    a0 = i32x4.extract_lane(x, 0); a1 = i32x4.extract_lane(x, 1);
    a2 = i32x4.extract_lane(x, 2); a3 = i32x4.extract_lane(x, 3);
    a4 = i32x4.extract_lane(y, 0); a5 = i32x4.extract_lane(y, 1);
    a6 = i32x4.extract_lane(y, 2); a7 = i32x4.extract_lane(y, 3);
  } else {
    a0 = 0x9E3779B9; a1 = 0x85EBCA6B; a2 = 0xC2B2AE35; a3 = 0x27D4EB2F;
    a4 = 0x165667B1; a5 = 0xD3A2646C; a6 = 0xFD7046C5; a7 = 0xB55A4F09;
    for (let i = 0; i < 16; i++) {
      a0 = (a0 ^ load<u32>(p)) * FNV;      a1 = (a1 ^ load<u32>(p, 4)) * FNV;
      a2 = (a2 ^ load<u32>(p, 8)) * FNV;   a3 = (a3 ^ load<u32>(p, 12)) * FNV;
      a4 = (a4 ^ load<u32>(p, 16)) * FNV;  a5 = (a5 ^ load<u32>(p, 20)) * FNV;
      a6 = (a6 ^ load<u32>(p, 24)) * FNV;  a7 = (a7 ^ load<u32>(p, 28)) * FNV;
      p += 32;
    }
  }
  let h = a0 ^ rotl(a1, 3) ^ rotl(a2, 7) ^ rotl(a3, 11) ^ rotl(a4, 13) ^ rotl(a5, 17) ^ rotl(a6, 19) ^ rotl(a7, 23);
  h ^= h >>> 16;
  h *= 0x85EBCA6B;
  h ^= h >>> 13;
  return h;
}

/** dst ^= a ^ b over `len` bytes (len a multiple of 16): a parity update. */
export function xor3(dst: usize, a: usize, b: usize, len: u32): void {
  let end = dst + len;
  if (ASC_FEATURE_SIMD) {
    while (dst < end) {
      v128.store(dst, v128.xor(v128.load(dst), v128.xor(v128.load(a), v128.load(b))));
      dst += 16; a += 16; b += 16;
    }
  } else {
    while (dst < end) {
      store<u64>(dst, load<u64>(dst) ^ load<u64>(a) ^ load<u64>(b));
      dst += 8; a += 8; b += 8;
    }
  }
}

/** True if `len` bytes at `a` and `b` are equal (len a multiple of 16). */
export function equal(a: usize, b: usize, len: u32): bool {
  let end = a + len;
  if (ASC_FEATURE_SIMD) {
    while (a < end) {
      if (v128.any_true(v128.xor(v128.load(a), v128.load(b)))) return false;
      a += 16; b += 16;
    }
  } else {
    while (a < end) {
      if (load<u64>(a) != load<u64>(b)) return false;
      a += 8; b += 8;
    }
  }
  return true;
}

/** True if `len` bytes at `p` are all zero (len a multiple of 16). */
export function isZero(p: usize, len: u32): bool {
  let end = p + len;
  while (p < end) {
    if (load<u64>(p) | load<u64>(p, 8)) return false;
    p += 16;
  }
  return true;
}
