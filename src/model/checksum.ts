// The device checks and the oracle hash of docs/model.md sections 4 and 8.
// Bytewise and table-driven: simple enough to check against the definitions.

/** CRC16 T10-DIF guard: poly 0x8BB7, init 0, not reflected, no final xor. */
const CRC16_TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x8bb7) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

export function crc16t10(b: Uint8Array, off = 0, len = b.length - off): number {
  let c = 0;
  for (let i = off; i < off + len; i++) c = ((c << 8) & 0xffff) ^ CRC16_TABLE[((c >>> 8) ^ b[i]) & 0xff];
  return c;
}

/** crc32c (Castagnoli): reflected poly 0x82F63B78, init and final xor 0xFFFFFFFF. */
const CRC32C_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(b: Uint8Array, off = 0, len = b.length - off): number {
  let c = 0xffffffff;
  for (let i = off; i < off + len; i++) c = (c >>> 8) ^ CRC32C_TABLE[(c ^ b[i]) & 0xff];
  return (c ^ 0xffffffff) >>> 0;
}

const LANES = [0x9e3779b9, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f, 0x165667b1, 0xd3a2646c, 0xfd7046c5, 0xb55a4f09];

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** The oracle hash of one 512-byte sector starting at b[off] (section 8). */
export function oracleHash(b: Uint8Array, off = 0): number {
  const a = LANES.slice();
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 8; j++) {
      const p = off + 4 * (8 * i + j);
      const w = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
      a[j] = Math.imul((a[j] ^ w) >>> 0, 0x01000193) >>> 0;
    }
  }
  let h =
    (a[0] ^ rotl(a[1], 3) ^ rotl(a[2], 7) ^ rotl(a[3], 11) ^ rotl(a[4], 13) ^ rotl(a[5], 17) ^ rotl(a[6], 19) ^
      rotl(a[7], 23)) >>>
    0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  return h;
}
