// Argument arbitraries for the ABI fuzzer, one per ArgKind. Each argument is
// usually sane (a value that names something in the fuzz world, so calls get
// past validation and change state) and sometimes wild: an edge for that
// argument (0, a limit and limit + 1, unaligned, the last page, 4 GiB as the
// u32 the core reads), an edge for any i32, any integer, or a JS number that
// is no i32 at all (NaN, 2^32, fractions), which the JS API converts with
// ToInt32. About half the calls have every argument sane.
import fc from "fast-check";
import { IoFlag, Key, ThreadState } from "../../../assembly/abi.js";
import type { ArgKind } from "./exports.js";

const MiB = 1 << 20;

/** Edges for any i32 argument. */
const common = fc.constantFrom(
  0, 1, -1, 2, 0x7fffffff, -0x80000000, 0x80000000, 0xffffffff, 2 ** 32, 2 ** 32 + 1, 2 ** 32 - 4096, NaN, 1.5, -0.5, 1e10, -1e10,
);

const pick = (...xs: number[]) => fc.constantFrom(...xs);

/** The mappings of the fuzz world (test/support/abi/world.ts). */
const BASES = [0x10_0000, 0x20_0000, 0x30_0000, 0x4000_0000];

const sane: Record<ArgKind, fc.Arbitrary<number>> = {
  id: fc.integer({ min: 1, max: 4 }),
  key: fc.integer({ min: 0, max: Key.COUNT - 1 }),
  value: pick(0, 1, 2, 3, 16, 64, 512, 4096),
  flags: fc.nat(3),
  op: fc.nat(1),
  ioflags: fc.nat(IoFlag.ALL),
  cpu: fc.nat(3),
  va: fc.tuple(fc.constantFrom(...BASES), fc.nat(63)).map(([b, k]) => b + k * 512),
  pageva: fc.tuple(fc.constantFrom(...BASES, 0x50_0000, 0x8000_0000), fc.nat(15)).map(([b, k]) => b + k * 4096),
  pagelen: fc.integer({ min: 1, max: 16 }).map((n) => n * 4096),
  len: fc.oneof(fc.integer({ min: 1, max: 32 }).map((n) => n * 512), fc.integer({ min: 1, max: 4 }).map((n) => n * 4096)),
  byte: fc.nat(255),
  sector: fc.nat(50).map((n) => n * 8),
  offset: fc.constant(0),
  index: fc.nat(50),
  // Benchmark loops run `iters` times by design: a huge count is a long loop, not an error.
  iters: fc.nat(3),
  state: fc.constantFrom(ThreadState.RUNNING, ThreadState.IDLE),
};

const edge: Record<ArgKind, fc.Arbitrary<number>> = {
  id: pick(0, 5, 6, 7, 8, 4095, 4096, 65535, 65536),
  key: pick(-1, Key.COUNT, Key.COUNT + 1, Key.COUNT + 2),
  value: pick(15, 17, 255, 511, 1023, 4095, 4097, 65535, 65536, 262144, 262145, 1048576, 1048577),
  flags: pick(4, 5, 6, 7, 8, 15, 16),
  op: pick(2, 3, 255),
  ioflags: pick(IoFlag.ALL + 1, IoFlag.ALL + 4, 255),
  cpu: pick(4, 5, 63, 64, 65),
  va: fc.oneof(
    fc.tuple(fc.constantFrom(...BASES), fc.nat(0x2_0000)).map(([b, o]) => b + o),
    pick(0, 4095, 4096, 0x1f_ffff, 0x20_0000, 0xffff_f000, 0xffff_fe00, 0xffff_ffff),
  ),
  pageva: pick(0, 512, 0x20_0000, 0x4000_0000, 0x4010_0000, 0xffe0_0000, 0xffff_f000, 0xffff_ffff),
  pagelen: pick(0, 512, 4096 * 600, 2 * MiB, 4 * MiB, 0x8000_0000, 0xffff_f000, 2 ** 32),
  len: fc.oneof(
    pick(0, 1, 511, 513, 4095, 4097, 2 * MiB, 4 * MiB - 512, 4 * MiB, 4 * MiB + 512, 0xffff_ffff, 2 ** 32, 2 ** 32 - 512),
    fc.integer({ min: 1, max: 20000 }),
  ),
  byte: fc.integer({ min: 256, max: 300 }),
  sector: fc.oneof(fc.nat(600), pick(4095, 4096, 4097, 8191, 8192)),
  offset: pick(1, 4 * MiB - 1, 4 * MiB, 4 * MiB - 4096, 4 * MiB + 1),
  index: pick(-1, 50, 51, 59, 60, 1023, 1024),
  iters: fc.nat(3),
  state: pick(2, 3, 255),
};

export function argArb(kind: ArgKind): fc.Arbitrary<number> {
  const wild = kind === "iters" ? edge.iters : fc.oneof({ weight: 3, arbitrary: edge[kind] }, { weight: 2, arbitrary: common }, { weight: 1, arbitrary: fc.integer() });
  return fc.oneof({ weight: 6, arbitrary: sane[kind] }, { weight: 1, arbitrary: wild });
}
