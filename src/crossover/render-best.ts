// wp-cow at its best in `stable-dio crossover`'s text and the verdict line:
// for each row of the crossover table, where the cheapest combination of the
// write-protect's implementation choices (--wp; docs/model.md section 12) that
// loses nothing wp-cow as run does not starts beating bounce, and which
// combination that is (at the crossover size; at the largest size where it
// never wins). The grid (spec.best) ran every combination on the core.
import type { ProfileChoice } from "../cost/choice.js";
import type { CostProfile } from "../cost/profile.js";
import { columns } from "../report/fmt.js";
import { fmtBytes } from "../shared/units.js";
import { type GridResult, WP_COW_BEST } from "./grid.js";
import { fmtFrom, fmtSpan, headlineRow, type RowKey, rowAcross } from "./range.js";

/** "restore=lazy,batch=2,walk=fused" -> "lazy,b2,fused" (the table's key says which is which); "" -> "today". */
export function shortWp(label: string): string {
  if (!label) return "today";
  return label.split(",").map((kv) => {
    const [k, v] = kv.split("=");
    return k === "batch" ? `b${v}` : v;
  }).join(",");
}

/** The combination behind the best of one row at `size` (its crossover), or at the grid's largest size. */
export function bestWpAt(g: GridResult, row: RowKey, size: number | null): string {
  const at = size ?? g.spec.sizes[g.spec.sizes.length - 1];
  const c = g.cells.find((x) => x.size === at && x.threads === row.threads && x.mapping === row.mapping && x.cache === row.cache && x.rate === row.rate);
  return c?.bestWp ?? "";
}

/** The crossover table again for wp-cow at its best, each cell with its combination, and the range across profiles. */
export function renderBest(g: GridResult, choice: ProfileChoice, references: readonly CostProfile[]): string {
  const s = g.spec;
  const best = g.bestCrossovers;
  if (!best) return "";
  const last = s.sizes[s.sizes.length - 1];
  const out = [
    "wp-cow at its best: the cheapest combination of --wp choices that loses nothing wp-cow loses not, each run on the",
    `core at every point; each cell names the combination at its crossover (at ${fmtBytes(last)} if never): lazy = restore=lazy,`,
    `bN = batch=N (b${s.ios ?? 2}: all of a point's I/Os in one submission call and one reap), fused = walk=fused, today = none of them.`,
    "In this scenario (writes from buffers the process refills only after completion) no combination loses data:",
    "the choices move cost only; the filter matters where a scenario has reads (docs/cost-model.md section 10):",
  ];
  const rows: string[][] = [["mapping", "buffers", "violations", ...s.threads.map((t) => `${t} thread${t > 1 ? "s" : ""}`)]];
  for (const mapping of s.mappings) {
    for (const cache of s.caches) {
      for (const rate of s.rates) {
        const cells = s.threads.map((threads) => {
          const size = best.find((x) => x.mapping === mapping && x.cache === cache && x.rate === rate && x.threads === threads)?.size ?? null;
          const combo = shortWp(bestWpAt(g, { threads, mapping, cache, rate }, size));
          return `${size === null ? "never" : fmtBytes(size)} ${combo}`;
        });
        rows.push([mapping === "pte" ? "4K PTEs" : "2M PMDs", cache, `${Number((rate * 100).toPrecision(3))}%`, ...cells]);
      }
    }
  }
  out.push(columns(rows, 3).trimEnd());
  const head = (m: (typeof s.mappings)[number]) => headlineRow(g, m);
  out.push(`At its best across the ${references.length} reference profiles (${s.threads[0]} thread${s.threads[0] > 1 ? "s" : ""}, ` +
    `${head(s.mappings[0]).cache} buffers, no violations): ` +
    s.mappings.map((m) => `${m === "pte" ? "4K PTEs" : "2M PMDs"} ${fmtSpan(rowAcross(g, references, head(m), WP_COW_BEST), last)}`).join("; ") +
    `; with ${choice.here ? "this machine's" : `the ${choice.profile.name}`} profile ` +
    s.mappings.map((m) => fmtFrom(rowAcross(g, [choice.profile], head(m), WP_COW_BEST)[0], last)).join(" and ") + ".");
  return out.join("\n") + "\n";
}
