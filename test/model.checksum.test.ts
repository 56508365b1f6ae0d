// The device checks and the oracle hash of docs/model.md sections 4 and 8.
// Reference values: the standard check strings, and vectors from an
// independent bitwise implementation of the same definitions.
import { describe, expect, test } from "vitest";
import { crc16t10, crc32c, oracleHash } from "../src/model/checksum.js";

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const filled = (n: number, b: number): Uint8Array => new Uint8Array(n).fill(b);

describe("CRC16 T10-DIF guard", () => {
  test("check value of 123456789 is 0xD0DB", () => {
    expect(crc16t10(ascii("123456789"))).toBe(0xd0db);
  });
  test("init 0, no final xor: a zero sector has guard 0", () => {
    expect(crc16t10(new Uint8Array(512))).toBe(0);
  });
  test("a sector of 0xAA", () => {
    expect(crc16t10(filled(512, 0xaa))).toBe(0xbb3e);
  });
  test("offset and length select the sector", () => {
    const b = new Uint8Array(1024);
    b.set(filled(512, 0xaa), 512);
    expect(crc16t10(b, 512, 512)).toBe(0xbb3e);
    expect(crc16t10(b, 0, 512)).toBe(0);
  });
});

describe("crc32c", () => {
  test("check value of 123456789 is 0xE3069283", () => {
    expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
  });
  test("a zero block and a block of 0xAA (unsigned results)", () => {
    expect(crc32c(new Uint8Array(4096))).toBe(0x98f94189);
    expect(crc32c(filled(4096, 0xaa))).toBe(0x4ed66b65);
  });
  test("the empty input gives 0 (init and final xor cancel)", () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
});

describe("oracle hash", () => {
  const counting = new Uint8Array(512).map((_, i) => i & 255);

  test("vectors from an independent implementation of section 8", () => {
    expect(oracleHash(new Uint8Array(512))).toBe(0x5a7fff5a);
    expect(oracleHash(counting)).toBe(0xb8370390);
    expect(oracleHash(filled(512, 0xff))).toBe(0xfe50d8a2);
  });

  test("reads the sector at the given offset only", () => {
    const b = new Uint8Array(2048).fill(7);
    b.set(counting, 1024);
    expect(oracleHash(b, 1024)).toBe(0xb8370390);
  });

  test("is deterministic and unsigned", () => {
    expect(oracleHash(counting)).toBe(oracleHash(counting.slice()));
    expect(oracleHash(filled(512, 0xff))).toBeGreaterThan(0x7fffffff);
  });

  test("every single-bit change moves the hash", () => {
    // A change confined to one lane survives: each lane step is a bijection
    // and the final mix is a bijection of the xor of the lanes.
    const base = oracleHash(counting);
    for (let bit = 0; bit < 512 * 8; bit++) {
      const b = counting.slice();
      b[bit >> 3] ^= 1 << (bit & 7);
      expect(oracleHash(b)).not.toBe(base);
    }
  });

  test("word order matters", () => {
    const b = counting.slice();
    b.copyWithin(0, 4, 8); // word 0 := word 1
    b.set(counting.subarray(0, 4), 4); // word 1 := old word 0
    expect(oracleHash(b)).not.toBe(oracleHash(counting));
  });
});
