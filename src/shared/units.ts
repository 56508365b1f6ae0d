// Sizes in the kernel's units, and how the host prints byte counts.
import { MAX_IO_BYTES } from "../../assembly/abi.js";

export const KiB = 1024;
export const MiB = 1024 * 1024;
export const SECTOR = 512;
export const PAGE = 4096;
/** A PMD maps 2 MiB: 512 pages. */
export const HUGE = 2 * MiB;
/** Largest direct I/O the core takes (docs/model.md 6.7). */
export const MAX_IO: number = MAX_IO_BYTES;

export const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/** Pages a buffer [va, va+len) touches. */
export const pagesOf = (va: number, len: number): number =>
  Math.floor((va + len - 1) / PAGE) - Math.floor(va / PAGE) + 1;

/** 512 -> "512B", 65536 -> "64K", 1.5 MiB -> "1.5M" (binary units, 3 significant digits). */
export function fmtBytes(n: number): string {
  const units = ["B", "K", "M", "G", "T", "P"];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  if (u === 0) return `${n}B`;
  const s = Number.isInteger(v) || v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s}${units[u]}`;
}
