// The report's charts as Vega-Lite specs, built from a results document
// alone. Each data mark has a name (the SVG group gets the class
// `<name>_marks`), so a browser test can count the drawn points per chart
// and compare them with results.json.
import type { TopLevelSpec } from "vega-lite";
import { POLICIES } from "../shared/names.js";
import { fmtBytes } from "../shared/units.js";
import { breakEvenChart } from "./breakeven-chart.js";
import type { ResultsDoc, RunEntry } from "./document.js";

export interface ChartDef {
  /** The figure's element id, and the prefix of the SVG's own ids. */
  readonly id: string;
  readonly title: string;
  /** What is drawn, measured or projected, and from what. */
  readonly caption: string;
  readonly spec: TopLevelSpec;
  /** Set when there is no data to draw: the chart is left out and this line stands in its place. */
  readonly omitted?: string;
}

/** Data marks' names: `${name}_marks` in the SVG. */
export const MARKS = {
  points: "points", crossover: "crossover", crossoverSize: "crossover_size", noCrossover: "no_crossover", errorbars: "errorbars",
  cells: "cells", labels: "labels",
} as const;

const POLICY_ORDER = POLICIES.map((p) => p.id);
export const BYTES_LABEL =
  "datum.value >= 1048576 ? (datum.value / 1048576) + 'M' : datum.value >= 1024 ? (datum.value / 1024) + 'K' : datum.value + 'B'";
/**
 * The page's content width at a 1400 px window (html.ts: body padding, the
 * figure's border and padding): charts are laid out to fill it, and CSS
 * scales an SVG down on a narrower window.
 */
export const CHART_WIDTH = 1280;
/** What a faceted chart spends beside its panels: the legend, and per panel the y axis and the gap. */
const LEGEND_WIDTH = 230;
const PANEL_FRAME = 80;
const PANEL_HEIGHT = 260;
/** Panels per row, and each panel's width, so a row fills CHART_WIDTH. */
function panelLayout(panels: number): { readonly columns: number; readonly width: number } {
  const columns = Math.max(1, Math.min(panels, 3));
  return { columns, width: Math.floor((CHART_WIDTH - LEGEND_WIDTH - columns * PANEL_FRAME) / columns) };
}
const POINT = { type: "point", filled: false, size: 40, strokeWidth: 1.5 } as const;
/** How a curve's y values print in their aria-label (and tooltip): 6 significant digits, trailing zeros trimmed. */
export const Y_FORMAT = "~g";

/**
 * What a data mark's aria-label (which Vega builds from the tooltip) shows: x
 * under its axis title, and for a curve's point y (to Y_FORMAT) and the
 * policy; then the panel. Each point on the page can so be matched with its
 * row in results.json.
 */
function described(x: { field: string; type: string; title: string }, y?: { field: string; type: string; title: string }) {
  const f = (d: { field: string; type: string; title: string }, format?: string) =>
    ({ field: d.field, type: d.type, title: d.title, ...(format ? { format } : {}) });
  return [f(x), ...(y ? [f(y, Y_FORMAT), { field: "policy", type: "nominal", title: "policy" }] : []), { field: "panel", type: "nominal", title: "panel" }];
}

/** Colour, point shape and dash per policy, fixed so every chart of every report
 * draws a policy alike. Every colour has at least 3:1 contrast on the white page
 * (WCAG's figure for graphics; test/report.test.ts checks). Curves that coincide
 * exactly are drawn once (coincident()); ones that only come close differ in dash,
 * and points are hollow, so neither hides the other. */
export const LOOK: Readonly<Record<string, { color: string; shape: string; dash: number[] }>> = {
  direct: { color: "#4c78a8", shape: "circle", dash: [1, 0] },
  bounce: { color: "#d45500", shape: "square", dash: [1, 0] },
  "wp-cow": { color: "#d62728", shape: "triangle-up", dash: [1, 0] },
  "wp-cow-degrade": { color: "#9c4f88", shape: "triangle-down", dash: [2, 2] },
  "wp-wait": { color: "#3b7d32", shape: "diamond", dash: [6, 3] },
  "opt-out": { color: "#9d755d", shape: "cross", dash: [8, 2, 2, 2] },
  "opt-out-inverse": { color: "#237a74", shape: "triangle-right", dash: [3, 3] },
  verify: { color: "#8a6a00", shape: "triangle-left", dash: [1, 3] },
};
/** A drawn curve's look: its first policy's ("wp-cow = wp-wait" looks as wp-cow). */
const look = (series: string) => LOOK[series.split(" = ")[0]] ?? { color: "#888", shape: "circle", dash: [1, 0] };

/** How a curve that stands for several coinciding policies is named in the legend. */
export const SERIES_JOIN = " = ";

/**
 * Policies whose curves coincide at every point of every panel are drawn as
 * one curve, named "wp-cow = wp-wait = ..." (policy order): returns each
 * policy's curve name. Equal means equal to 12 significant digits: the same
 * counts through the same cost model.
 */
export function coincident<T extends { panel: string; policy: string }>(points: readonly T[], x: (p: T) => number, y: (p: T) => number): Map<string, string> {
  const sig = new Map<string, string[]>();
  for (const p of points) {
    const list = sig.get(p.policy) ?? [];
    list.push(`${p.panel}|${x(p)}|${y(p).toPrecision(12)}`);
    sig.set(p.policy, list);
  }
  const bySig = new Map<string, string[]>();
  for (const policy of [...POLICY_ORDER.filter((p) => sig.has(p)), ...[...sig.keys()].filter((p) => !POLICY_ORDER.includes(p))]) {
    const key = sig.get(policy)!.sort().join(";");
    bySig.set(key, [...(bySig.get(key) ?? []), policy]);
  }
  const out = new Map<string, string>();
  for (const group of bySig.values()) for (const p of group) out.set(p, group.join(SERIES_JOIN));
  return out;
}

/** "Drawn once: wp-cow = wp-wait (the same at every point)." for the groups of more than one policy, or "". */
function drawnOnce(series: ReadonlyMap<string, string>, what: string): string {
  const groups = [...new Set(series.values())].filter((s) => s.includes(SERIES_JOIN));
  return groups.length
    ? ` Curves that coincide are drawn once, named together: ${groups.join("; ")} (the same ${what} at every point).`
    : "";
}

/** One legend entry per drawn curve, in policy order (a merged curve at its first policy's place). */
function policyEncoding(series: readonly string[]) {
  const rank = (s: string) => { const i = POLICY_ORDER.indexOf(s.split(SERIES_JOIN)[0]); return i < 0 ? POLICY_ORDER.length : i; };
  const domain = [...new Set(series)].sort((a, b) => rank(a) - rank(b));
  const scale = <K extends "color" | "shape" | "dash">(k: K) => ({ domain, range: domain.map((p) => look(p)[k]) });
  return {
    color: { field: "policy", type: "nominal", scale: scale("color"), title: "policy", legend: { labelLimit: 800 } },
    shape: { field: "policy", type: "nominal", scale: scale("shape"), title: "policy", legend: { labelLimit: 800 } },
    strokeDash: { field: "policy", type: "nominal", scale: scale("dash"), title: "policy", legend: { labelLimit: 800 } },
  } as const;
}

/** A sweep's interval as an error bar: a rule from lo to hi at the point's x, on the points that have one. */
function errorBars(x: object, field: string, title: string, color: object) {
  return {
    name: MARKS.errorbars, transform: [{ filter: "datum.kind === 'point' && isValid(datum.lo)" }],
    mark: { type: "rule", strokeWidth: 1.5, opacity: 0.8 },
    encoding: {
      x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color,
      tooltip: [{ field: "lo", type: "quantitative", title: `${title}, 95% interval from`, format: Y_FORMAT },
        { field: "hi", type: "quantitative", title: "to", format: Y_FORMAT }, { field: "policy", type: "nominal", title: "policy" },
        { field: "panel", type: "nominal", title: "panel" }],
    },
  };
}

/** The policy's points last, so its curve is drawn over any it coincides with. */
function onTop<T extends { policy: string }>(points: readonly T[], policy: string): T[] {
  return [...points.filter((p) => p.policy !== policy), ...points.filter((p) => p.policy === policy)];
}

/** Powers of ten spanning the values (a log axis labelled 1-2-5 is too busy). */
function decades(values: readonly number[]): number[] {
  const pos = values.filter((v) => v > 0);
  if (!pos.length) return [];
  const lo = Math.floor(Math.log10(Math.min(...pos)));
  const hi = Math.ceil(Math.log10(Math.max(...pos)));
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
}

const distinct = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/** Axis ticks at the values themselves when there are few of them. */
const ticks = (values: readonly number[]) => (values.length <= 12 ? { values: [...values].sort((a, b) => a - b) } : {});

export function costChart(doc: ResultsDoc): ChartDef {
  const c = doc.costCurve;
  const panels = distinct(c.points.map((p) => p.panel));
  const sizes = distinct(c.points.map((p) => p.size));
  const series = coincident(c.points, (p) => p.size, (p) => p.usPerIo);
  const anyZero = c.points.some((p) => p.usPerIo <= 0 || (p.lo !== undefined && p.lo <= 0));
  const drawn = [...c.crossovers].filter((x) => x.size !== null);
  const largest = Math.max(...sizes);
  const marks = drawn.map((x) => ({
    kind: "crossover", panel: x.panel, size: x.size, label: `wp-cow < bounce from ${fmtBytes(x.size ?? 0)}`, sizeLabel: fmtBytes(x.size ?? 0),
  }));
  // A panel with both curves and no crossover says so, where the rule would be.
  const none = c.crossovers.filter((x) => x.size === null).map((x) => ({
    kind: "none", panel: x.panel, label: `no crossover up to ${fmtBytes(Math.max(...c.points.filter((p) => p.panel === x.panel).map((p) => p.size)) || largest)}`,
  }));
  const { columns, width } = panelLayout(panels.length);
  const x = {
    field: "size", type: "quantitative", title: "I/O size (log scale)",
    scale: { type: "log", base: 2 }, axis: { labelExpr: BYTES_LABEL, labelOverlap: false, ...ticks(sizes) },
  } as const;
  const y = {
    field: "usPerIo", type: "quantitative", title: `projected us per I/O (${anyZero ? "symlog" : "log"} scale)`,
    scale: { type: anyZero ? "symlog" : "log" }, axis: { values: decades(c.points.map((p) => p.usPerIo)), format: Y_FORMAT },
  } as const;
  const policy = policyEncoding([...series.values()]);
  const isPoint = { filter: "datum.kind === 'point'" };
  const isMark = { filter: "datum.kind === 'crossover'" };
  // One curve per drawn series: the points of the coinciding policies but the first are not drawn again.
  const points = onTop(c.points.filter((p) => series.get(p.policy)!.split(SERIES_JOIN)[0] === p.policy), "wp-cow")
    .map((p) => ({ kind: "point", ...p, policy: series.get(p.policy)! }));
  const caption = c.description +
    (marks.length ? " The dashed rule marks the crossover, the size from which wp-cow costs less than bounce, written in bold at its foot on the size axis." : "") +
    (none.length ? ` A panel that says "no crossover" has none in its range: wp-cow costs more than bounce at its largest size.` : "") +
    drawnOnce(series, "projected cost");
  return {
    id: "chart-cost-size",
    title: "Projected cost per I/O against I/O size",
    caption,
    spec: {
      data: { values: [...points, ...marks, ...none] },
      facet: { field: "panel", type: "nominal", title: null, sort: panels },
      columns,
      spec: {
        width,
        height: PANEL_HEIGHT,
        layer: [
          { transform: [isPoint], mark: { type: "line", strokeWidth: 1.5 }, encoding: { x, y, color: policy.color, strokeDash: policy.strokeDash } },
          errorBars(x, "usPerIo", "projected us per I/O", policy.color),
          {
            name: MARKS.points, transform: [isPoint], mark: POINT,
            encoding: { x, y, color: policy.color, shape: policy.shape, tooltip: described(x, y) },
          },
          { name: MARKS.crossover, transform: [isMark], mark: { type: "rule", strokeDash: [5, 3], color: "#222" }, encoding: { x, tooltip: described(x) } },
          {
            transform: [isMark], mark: { type: "text", align: "right", baseline: "top", dx: -4, dy: 4, fontSize: 11 },
            encoding: { x, y: { value: 0 }, text: { field: "label" } },
          },
          {
            // The crossover's size on the size axis, just above it, bold: it may fall between the axis's labels.
            name: MARKS.crossoverSize, transform: [isMark], mark: { type: "text", align: "center", baseline: "bottom", dy: -3, fontSize: 11, fontWeight: "bold" },
            encoding: { x, y: { value: PANEL_HEIGHT }, text: { field: "sizeLabel" } },
          },
          {
            name: MARKS.noCrossover, transform: [{ filter: "datum.kind === 'none'" }],
            mark: { type: "text", align: "left", baseline: "top", dx: 6, dy: 6, fontSize: 11, fontStyle: "italic" },
            encoding: { x: { value: 0 }, y: { value: 0 }, text: { field: "label" } },
          },
        ],
      },
    } as TopLevelSpec,
  };
}

export function ipiChart(doc: ResultsDoc): ChartDef {
  const c = doc.ipiCurve;
  const panels = distinct(c.points.map((p) => p.panel));
  const series = coincident(c.points, (p) => p.threads, (p) => p.ipisPerIo);
  const x = {
    field: "threads", type: "quantitative", title: "threads of the process (log scale)",
    scale: { type: "log", base: 2 }, axis: { format: "d", ...ticks(distinct(c.points.map((p) => p.threads))) },
  } as const;
  const y = { field: "ipisPerIo", type: "quantitative", title: "measured IPIs per I/O", axis: { format: Y_FORMAT } } as const;
  const policy = policyEncoding([...series.values()]);
  const { columns, width } = panelLayout(panels.length);
  const points = onTop(c.points.filter((p) => series.get(p.policy)!.split(SERIES_JOIN)[0] === p.policy), "wp-cow")
    .map((p) => ({ kind: "point", ...p, policy: series.get(p.policy)! }));
  return {
    id: "chart-ipis-threads",
    title: "IPIs against threads",
    caption: c.description + drawnOnce(series, "IPIs per I/O"),
    // An empty curve would be drawn as an empty box with a legend title: say why instead.
    ...(c.points.length ? {} : { omitted: `Not drawn: ${c.description}` }),
    spec: {
      data: { values: points },
      facet: { field: "panel", type: "nominal", title: null, sort: panels },
      columns,
      spec: {
        width: Math.min(width, 720),
        height: PANEL_HEIGHT,
        layer: [
          { mark: { type: "line", strokeWidth: 1.5 }, encoding: { x, y, color: policy.color, strokeDash: policy.strokeDash } },
          errorBars(x, "ipisPerIo", "measured IPIs per I/O", policy.color),
          {
            name: MARKS.points, mark: POINT,
            encoding: { x, y, color: policy.color, shape: policy.shape, tooltip: described(x, y) },
          },
        ],
      },
    } as TopLevelSpec,
  };
}

export interface HeatCell {
  readonly workload: string;
  readonly policy: string;
  readonly value: number;
  readonly label: string;
}

/** Sums a counter over the runs of each workload and policy, in the runs' order. */
export function heatCells(runs: readonly RunEntry[], counter: string, fmt: (v: number) => string): HeatCell[] {
  const sums = new Map<string, { workload: string; policy: string; value: number }>();
  for (const r of runs) {
    const k = `${r.workload}\0${r.policy}`;
    const cell = sums.get(k) ?? { workload: r.workload, policy: r.policy, value: 0 };
    cell.value += r.counters[counter] ?? 0;
    sums.set(k, cell);
  }
  return [...sums.values()].map((c) => ({ ...c, label: fmt(c.value) }));
}

/** A heatmap cell holding 0. */
export const ZERO_CELL = "#f2f2f2";

interface Legend {
  readonly title: string;
  /** Gradient labels: 0 and powers of `base` up to the largest value. */
  readonly base: number;
  readonly labelExpr?: string;
}

function heatmap(id: string, title: string, caption: string, cells: readonly HeatCell[], scheme: string, legend: Legend): ChartDef {
  const max = Math.max(0, ...cells.map((c) => c.value));
  // White text on the darker cells: the colour scale is symlog, so is the threshold.
  const dark = Math.expm1(0.55 * Math.log1p(max));
  const values = [0];
  for (let v = 1; v <= max; v *= legend.base) values.push(v);
  const policies = POLICY_ORDER.filter((p) => cells.some((c) => c.policy === p));
  const workloads = distinct(cells.map((c) => c.workload));
  const x = { field: "policy", type: "nominal", sort: policies, title: "policy", axis: { labelAngle: -30 } } as const;
  const y = { field: "workload", type: "nominal", sort: workloads, title: "workload" } as const;
  return {
    id,
    title,
    caption: `${caption}${cells.some((c) => c.value === 0) ? " A grey cell holds 0." : ""}`,
    spec: {
      data: { values: cells.map((c) => ({ ...c })) },
      // The page's width, shared by the policies (the workload names and the legend beside them).
      width: { step: Math.max(60, Math.floor((CHART_WIDTH - 330) / Math.max(1, policies.length))) },
      height: { step: 24 },
      layer: [
        {
          name: MARKS.cells, mark: { type: "rect", stroke: "#fff", strokeWidth: 1 },
          encoding: {
            x, y, color: {
              // Nothing is not a little: a zero cell is neutral grey, not the scale's palest colour.
              condition: { test: "datum.value === 0", value: ZERO_CELL },
              field: "value", type: "quantitative", scale: { type: "symlog", scheme, domain: [0, Math.max(1, max)] }, title: legend.title,
              legend: { values: values.filter((v) => v > 0), ...(legend.labelExpr ? { labelExpr: legend.labelExpr } : { format: ",d" }) },
            },
          },
        },
        {
          name: MARKS.labels, mark: { type: "text", fontSize: 11 },
          encoding: {
            x, y, text: { field: "label" },
            color: { condition: { test: `datum.value > ${dark}`, value: "#fff" }, value: "#111" },
          },
        },
      ],
    } as TopLevelSpec,
  };
}

/** The core(s) the runs were measured on, as a caption names them. */
export function measuredBy(runs: ReadonlyArray<{ readonly core: string }>): string {
  const names = distinct(runs.map((r) => (r.core === "model" ? "the TypeScript reference model (--core model)" : "the Wasm core")));
  return names.length ? names.join(" and ") : "the core";
}

function sweepNote(doc: ResultsDoc): string {
  return doc.sweep ? " Each cell sums every point of the sweep for that workload and policy." : "";
}

export function corruptionChart(doc: ResultsDoc): ChartDef {
  return heatmap("chart-corruptions", "Corruptions per policy and workload",
    `Measured by ${measuredBy(doc.runs)}: the disk scrub after each run, blocks or stripes whose stored check disagrees with the data.` +
      sweepNote(doc),
    heatCells(doc.runs, "corruptions", String), "reds", { title: "corruptions", base: 10 });
}

export function copiedChart(doc: ResultsDoc): ChartDef {
  return heatmap("chart-bytes-copied", "Bytes copied per policy and workload",
    `Measured by ${measuredBy(doc.runs)}: bounce, copy-on-write, fork, unshare and buffered-rewrite copies.` + sweepNote(doc),
    heatCells(doc.runs, "bytes_copied", (v) => (v === 0 ? "0" : fmtBytes(v))), "blues",
    { title: "bytes copied", base: 16, labelExpr: BYTES_LABEL });
}

export function charts(doc: ResultsDoc): ChartDef[] {
  return [costChart(doc), breakEvenChart(doc), ipiChart(doc), corruptionChart(doc), copiedChart(doc)];
}
