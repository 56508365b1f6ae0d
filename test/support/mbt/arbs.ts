// Small pieces the command files share.
import fc from "fast-check";

/** true about once in `n` draws; shrinks to false. */
export const rarely = (n = 13): fc.Arbitrary<boolean> =>
  fc.oneof({ weight: n - 1, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

export const hex = (x: number): string => `0x${(x >>> 0).toString(16)}`;
