// The one source of randomness: xoshiro128** seeded through splitmix32.
// Same seed, same numbers, on every platform (32-bit integer math only).
// `fork()` derives an independent stream, so the scheduler, the I/O latencies
// and every task draw from their own streams and one of them drawing more
// (say, after a stall changed the interleaving) does not shift the others.

function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [s, z >>> 0];
}

export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** seed: any non-negative safe integer; both 32-bit halves matter. */
  constructor(seed: number) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    let s = lo ^ Math.imul(hi, 0x27d4eb2f);
    let z: number;
    [s, z] = splitmix32(s); this.a = z;
    [s, z] = splitmix32(s ^ hi); this.b = z;
    [s, z] = splitmix32(s); this.c = z;
    [s, z] = splitmix32(s); this.d = z;
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1; // xoshiro's one forbidden state
  }

  /** A uniform u32. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** A uniform float in [0, 1) with 53 bits. */
  float(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** A uniform integer in [0, n), n >= 1. */
  below(n: number): number {
    if (n <= 1) return 0;
    if (n <= 0x200000) return Math.floor((this.u32() * n) / 4294967296);
    return Math.floor(this.float() * n);
  }

  /** A uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && (p >= 1 || this.float() < p);
  }

  /** An independent generator seeded from this one. */
  fork(): Rng {
    return new Rng(this.u32() * 2097152 + (this.u32() >>> 11));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
