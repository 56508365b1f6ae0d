// The values input fuzzing puts where a valid one was: boundaries of every
// range the formats document (CPUs 64, qd 256, sizes 512 B..4 MiB, u32, 2^53),
// wrong types, units misspelt, parameter references that do not exist,
// unicode and control characters. Big in-range counts are left out on
// purpose (an I/O count of 2^20 is valid and runs for a minute, which says
// nothing about parsing).
import fc from "fast-check";

const NUMBERS = [
  0, -0, -1, 1, 2, 0.5, 1.5, -0.25, 3.999, 63, 64, 65, 255, 256, 257, 511, 512, 513, 4095, 4096, 4097,
  2 ** 22 + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308, -1e308, 5e-324,
];

/** Text a person (or a broken editor) might type where a value belongs. */
const WORDS = [
  "", " ", "0", "-1", "1", "NaN", "nan", "Infinity", "-Infinity", "inf", "1e3", "1e999", "-1e999", "0x10", "0xffffffff",
  "0x100000000", "0x", "0b101", "0o7", "4k", "4K", "4KiB", "4kb", "4ki", "-4k", "0k", "4.5k", "1.5m", "999999999999g",
  "4 k", "4kk", "k", "1..2", "2..1", "1,2", ",", ",,", "=", "a=b", "-", "--", "--help", "$size", "$nope", "$", "$$", "null",
  "true", "false", "[]", "{}", "#", ";", "é", "ß", "\u00a0", "💥", "𝟜k", "４", "\u0000", "\t", "\r", "\u202e", "a".repeat(300),
  "../../etc/passwd", "%s%n", "${HOME}", "${VAR}", "\\", "'", "\"", "0.000001", "-0", "+4", "4_096", "1/2",
];

export const numberArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: fc.integer({ min: -1000, max: 5000 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
);

/** A word for a text format (flag values, fio values, trace arguments). */
export const wordArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: numberArb.map(String) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: "binary" }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

/** A JSON value of any type, favouring the boundaries. */
export const jsonValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: numberArb },
  { weight: 4, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [1], ["4k"], { default: 1 }, { min: "4k", max: "1k" }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
