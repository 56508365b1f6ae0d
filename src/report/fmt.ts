// Number formats shared by the measured and projected reports.

/** 3.21, 45.6, 789, 12,345 */
export function fmtNs(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) < 10) return v.toFixed(2);
  if (Math.abs(v) < 100) return v.toFixed(1);
  return Math.round(v).toLocaleString("en-US");
}

/** 1.23G, 4.56M, 789k, 12 */
export function fmtRate(v: number): string {
  const units: Array<[number, string]> = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [d, u] of units) if (Math.abs(v) >= d) return `${(v / d).toPrecision(3)}${u}`;
  return v.toPrecision(3);
}

/** microseconds from ns: 0.12, 3.4, 56, 1,234 */
export function fmtUs(ns: number): string {
  return fmtNs(ns / 1000);
}

/** Pads cells into columns: the first `left` columns left aligned, the rest right aligned. */
export function columns(rows: readonly (readonly string[])[], left = 1): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => r.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd())
    .join("\n") + "\n";
}
