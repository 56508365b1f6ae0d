// Two parts of `stable-dio crossover`'s text: the crossover under each
// reference profile beside this one's, and the break-even unit costs by size
// (src/crossover/breakeven.ts).
import type { ProfileChoice } from "../cost/choice.js";
import type { CostProfile } from "../cost/profile.js";
import { columns, fmtNs } from "../report/fmt.js";
import { fmtBytes } from "../shared/units.js";
import { BREAK_EVEN_UNITS, type BreakEven, breakEvens, type BreakEvenUnit, fmtBreakEven } from "./breakeven.js";
import type { GridResult } from "./grid.js";
import { fmtFrom, fmtSpan, headlineRow, type RowKey, rowAcross } from "./range.js";
import type { Mapping } from "./scenario.js";

const SHORT: Readonly<Record<Mapping, string>> = { pte: "4K PTEs", pmd: "2M PMDs" };

const threadsText = (t: number): string => `${t} thread${t > 1 ? "s" : ""}`;
const rateText = (r: number): string => (r === 0 ? "no violations" : `violation rate ${r}`);

function rowText(k: RowKey): string {
  return `${threadsText(k.threads)}, ${k.cache} buffers, ${rateText(k.rate)}`;
}

/** "here" for this machine's profile, else its name. */
const mineName = (c: ProfileChoice): string => (c.here ? `${c.profile.name} (here)` : c.profile.name);

export function renderAcross(g: GridResult, choice: ProfileChoice, references: readonly CostProfile[]): string {
  const last = g.spec.sizes[g.spec.sizes.length - 1];
  const maps = g.spec.mappings;
  const row = (m: Mapping) => headlineRow(g, m);
  const out = [`The same counts with each reference profile's unit costs (${rowText(row(maps[0]))}; docs/profiles.md):`];
  const rows: string[][] = [["profile", "pte ns", "flush ns", ...maps.map((m) => SHORT[m])]];
  for (const p of [choice.profile, ...references]) {
    const cells = maps.map((m) => fmtFrom(rowAcross(g, [p], row(m))[0], last).replace(/ \(up to .*\)$/, ""));
    rows.push([p === choice.profile ? mineName(choice) : p.name, fmtNs(p.costs.pte), fmtNs(p.costs.flush), ...cells]);
  }
  out.push(columns(rows, 1).trimEnd());
  out.push(`Across the ${references.length} reference profiles: ` +
    `${maps.map((m) => `${SHORT[m]} ${fmtSpan(rowAcross(g, references, row(m)), last)}`).join("; ")}.`);
  return out.join("\n") + "\n";
}

export function renderBreakEvens(g: GridResult, choice: ProfileChoice, references: readonly CostProfile[]): string {
  const s = g.spec;
  const all = breakEvens(g, choice.profile.costs);
  const head = headlineRow(g, s.mappings[0]);
  const out = [
    "Break-even unit costs (projected): wp-cow costs less than bounce where the machine's unit cost is below these",
    `(ns; "never": not even at 0 ns), each alone, the other unit costs held at the ${choice.profile.name} profile's;`,
    `${threadsText(head.threads)} and ${rateText(head.rate)}` +
      (s.threads.length > 1 ? `, then ${SHORT[head.mapping]} with ${head.cache} buffers by threads:` : ":"),
  ];
  for (const [unit, what] of Object.entries(BREAK_EVEN_UNITS) as Array<[BreakEvenUnit, string]>) {
    const values = [mineName(choice), ...references.map((r) => r.name)]
      .map((name, i) => `${name} ${fmtNs((i === 0 ? choice.profile : references[i - 1]).costs[unit])}`);
    out.push("", `${unit}, the ${what}: ${values.join(", ")}.`);
    const find = (size: number, k: RowKey): BreakEven | undefined =>
      all.find((b) => b.unit === unit && b.size === size && b.threads === k.threads && b.mapping === k.mapping && b.cache === k.cache && b.rate === k.rate);
    const byMap: RowKey[] = s.mappings.flatMap((mapping) => s.caches.map((cache) => ({ ...head, mapping, cache })));
    const byThreads: RowKey[] = s.threads.slice(1).map((threads) => ({ ...head, threads }));
    const rows: string[][] = [["size", ...byMap.map((k) => `${SHORT[k.mapping]} ${k.cache}`), ...byThreads.map((k) => threadsText(k.threads))]];
    for (const size of s.sizes) rows.push([fmtBytes(size), ...[...byMap, ...byThreads].map((k) => fmtBreakEven(find(size, k), fmtNs))]);
    out.push(columns(rows).trimEnd());
  }
  return out.join("\n") + "\n";
}
