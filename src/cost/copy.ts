// The cost of copying n bytes, from a profile's measured memcpy points:
// piecewise linear between them, proportional below the first, and the last
// segment's slope beyond the last (a copy larger than any measured one runs at
// the bandwidth of the largest).
import type { CopyCurve } from "./profile.js";

export function copyNs(bytes: number, curve: CopyCurve): number {
  if (bytes <= 0) return 0;
  const [b0, t0] = curve[0];
  if (bytes <= b0 || curve.length === 1) return (t0 * bytes) / b0;
  for (let i = 1; i < curve.length; i++) {
    const [b1, t1] = curve[i];
    const [ba, ta] = curve[i - 1];
    if (bytes <= b1 || i === curve.length - 1) return ta + ((t1 - ta) * (bytes - ba)) / (b1 - ba);
  }
  return t0; // unreachable
}
