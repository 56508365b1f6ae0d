// The crossover report as text: where wp-cow beats bounce (as run and at its
// best), the same across
// the reference profiles, the break-even unit costs, the projected cost per
// I/O by size, the effect of violations, and the throughput.
import { fmtBytes } from "../shared/units.js";
import { wpChanges } from "../shared/wp.js";
import type { ProfileChoice } from "../cost/choice.js";
import type { CostProfile } from "../cost/profile.js";
import { throughput, type ThroughputParams } from "../cost/throughput.js";
import { columns, fmtRate, fmtUs } from "../report/fmt.js";
import { profileLabel } from "../cost/profile.js";
import type { Cell, GridResult, GridPolicy } from "./grid.js";
import { renderAcross, renderBreakEvens } from "./render-range.js";
import { renderBest } from "./render-best.js";
import { fmtCrossover } from "./verdict.js";

export interface ThroughputBase {
  /** Where the base CPU came from, in words: "measured: base_cpu of the profile", "--base-us", "assumed". */
  readonly source: string;
}

export function renderCrossover(
  g: GridResult, choice: ProfileChoice, references: readonly CostProfile[], tp: ThroughputParams, base: ThroughputBase,
): string {
  const s = g.spec;
  const profile = choice.profile;
  const out: string[] = [];
  const last = s.sizes[s.sizes.length - 1];
  out.push(`stable-dio crossover: projected kernel CPU per I/O, costs from the ${profileLabel(profile)} profile`);
  const wp = s.wp ? wpChanges(s.wp) : "";
  out.push(`(${choice.why}), counts measured by runs of the Wasm core (device none, stable always, ${s.ios ?? 2} I/Os per point` +
    `${wp ? `; wp-cow and wp-wait with --wp ${wp}` : ""}).`);
  out.push("", "Smallest I/O size from which wp-cow costs less than bounce (and keeps doing so up to " + `${fmtBytes(last)}):`);
  const head = ["mapping", "buffers", "violations", ...s.threads.map((t) => `${t} thread${t > 1 ? "s" : ""}`)];
  const rows: string[][] = [head];
  for (const mapping of s.mappings) {
    for (const cache of s.caches) {
      for (const rate of s.rates) {
        const cells = s.threads.map((t) => {
          const c = g.crossovers.find((x) => x.mapping === mapping && x.cache === cache && x.rate === rate && x.threads === t);
          return fmtCrossover(c, last).replace("never up to", "never <=").replace("from ", "");
        });
        rows.push([mapping === "pte" ? "4K PTEs" : "2M PMDs", cache, pct(rate), ...cells]);
      }
    }
  }
  out.push(columns(rows, 3).trimEnd());
  if (g.bestCrossovers) out.push("", renderBest(g, choice, references).trimEnd());
  out.push("", renderAcross(g, choice, references).trimEnd());
  out.push("", renderBreakEvens(g, choice, references).trimEnd());

  const t0 = s.threads[0];
  const cell = (size: number, mapping: string, cache: string, rate: number): Cell | undefined =>
    g.cells.find((c) => c.size === size && c.threads === t0 && c.mapping === mapping && c.cache === cache && c.rate === rate);
  const us = (c: Cell | undefined, p: GridPolicy) => (c ? fmtUs(c.ns[p]) : "-");
  const has = (m: string) => s.mappings.includes(m as "pte" | "pmd");
  const caches = s.caches;
  out.push("", `Projected us per I/O, ${t0} thread${t0 > 1 ? "s" : ""}, no violations:`);
  const ch: string[] = ["size", "direct"];
  for (const c of caches) ch.push(`bounce ${c}`);
  for (const m of ["pte", "pmd"]) if (has(m)) for (const c of caches) ch.push(`wp-cow ${m} ${c}`);
  for (const c of caches) ch.push(`wp-wait ${c}`);
  const cr: string[][] = [ch];
  const m0 = s.mappings[0];
  for (const size of s.sizes) {
    const row = [fmtBytes(size), us(cell(size, m0, caches[0], 0), "direct")];
    for (const c of caches) row.push(us(cell(size, m0, c, 0), "bounce"));
    for (const m of ["pte", "pmd"]) if (has(m)) for (const c of caches) row.push(us(cell(size, m, c, 0), "wp-cow"));
    for (const c of caches) row.push(us(cell(size, m0, c, 0), "wp-wait"));
    cr.push(row);
  }
  out.push(columns(cr).trimEnd());

  const rates = s.rates.filter((r) => r > 0);
  if (rates.length) {
    out.push("", `Violations (${m0 === "pte" ? "4 KiB PTEs" : "2 MiB PMDs"}, ${caches[0]}, ${t0} thread${t0 > 1 ? "s" : ""}): us per I/O, and wp-wait's writer stall (latency, not CPU):`);
    const vr: string[][] = [["size", "violations", "bounce", "wp-cow", "wp-wait", "wp-wait stall"]];
    for (const size of s.sizes.filter((x) => x === 4096 || x === 65536 || x === 1 << 20 || x === last)) {
      for (const rate of rates) {
        const c = cell(size, m0, caches[0], rate);
        vr.push([fmtBytes(size), pct(rate), us(c, "bounce"), us(c, "wp-cow"), us(c, "wp-wait"), c ? fmtUs(c.waitNs) : "-"]);
      }
    }
    out.push(columns(vr).trimEnd());
  }

  out.push(
    "",
    `Throughput (projected; ${t0} thread${t0 > 1 ? "s" : ""}, ${caches[0]} buffers, no violations; device ${tp.bandwidthMiBs} MiB/s, ` +
      `${fmtRate(tp.iops)} IOPS, qd ${tp.qd}, latency ${tp.latencyUs} us; ${tp.cpus} CPUs; base CPU outside the policy ` +
      `${tp.baseUs} us per I/O + ${tp.basePageNs} ns per 4 KiB page, ${base.source}):`,
  );
  const pols: GridPolicy[] = ["direct", "bounce", "wp-cow", "wp-wait"];
  const th: string[][] = [["size", ...pols.flatMap((p) => [`${p} MiB/s`, "CPU%"])]];
  for (const size of s.sizes.filter((x) => x === 4096 || x === 65536 || x === 1 << 20 || x === last)) {
    const c = cell(size, m0, caches[0], 0);
    if (!c) continue;
    const row = [fmtBytes(size)];
    for (const p of pols) {
      const t = throughput(size, c.ns[p] / 1000, p === "wp-wait" ? c.waitNs / 1000 : 0, tp);
      row.push(`${t.mibs.toFixed(0)} (${t.bound})`, t.cpuPercent.toFixed(1));
    }
    th.push(row);
  }
  out.push(columns(th).trimEnd());
  return out.join("\n") + "\n";
}

/** 0 -> "0%", 0.01 -> "1%", 0.125 -> "12.5%" */
function pct(rate: number): string {
  return `${Number((rate * 100).toPrecision(3))}%`;
}
