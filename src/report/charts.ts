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
export const MARKS = { points: "points", crossover: "crossover", cells: "cells", labels: "labels" } as const;

const POLICY_ORDER = POLICIES.map((p) => p.id);
export const BYTES_LABEL =
  "datum.value >= 1048576 ? (datum.value / 1048576) + 'M' : datum.value >= 1024 ? (datum.value / 1024) + 'K' : datum.value + 'B'";
const PANEL_WIDTH = 300;
const PANEL_HEIGHT = 210;
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
 * draws a policy alike. Curves that can coincide (wp-cow and wp-wait without
 * violations) differ in dash, and points are hollow, so neither hides the other. */
const LOOK: Readonly<Record<string, { color: string; shape: string; dash: number[] }>> = {
  direct: { color: "#4c78a8", shape: "circle", dash: [1, 0] },
  bounce: { color: "#f58518", shape: "square", dash: [1, 0] },
  "wp-cow": { color: "#e45756", shape: "triangle-up", dash: [1, 0] },
  "wp-cow-degrade": { color: "#b279a2", shape: "triangle-down", dash: [2, 2] },
  "wp-wait": { color: "#54a24b", shape: "diamond", dash: [6, 3] },
  "opt-out": { color: "#9d755d", shape: "cross", dash: [8, 2, 2, 2] },
  "opt-out-inverse": { color: "#72b7b2", shape: "triangle-right", dash: [3, 3] },
  verify: { color: "#eeca3b", shape: "triangle-left", dash: [1, 3] },
};
const look = (p: string) => LOOK[p] ?? { color: "#888", shape: "circle", dash: [1, 0] };

function policyEncoding(policies: readonly string[]) {
  const domain = [...POLICY_ORDER.filter((p) => policies.includes(p)), ...policies.filter((p) => !POLICY_ORDER.includes(p))];
  const scale = <K extends "color" | "shape" | "dash">(k: K) => ({ domain, range: domain.map((p) => look(p)[k]) });
  return {
    color: { field: "policy", type: "nominal", scale: scale("color"), title: "policy" },
    shape: { field: "policy", type: "nominal", scale: scale("shape"), title: "policy" },
    strokeDash: { field: "policy", type: "nominal", scale: scale("dash"), title: "policy" },
  } as const;
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
  const anyZero = c.points.some((p) => p.usPerIo <= 0);
  const marks = c.crossovers.filter((x) => x.size !== null).map((x) => ({
    kind: "crossover", panel: x.panel, size: x.size, label: `wp-cow < bounce from ${fmtBytes(x.size ?? 0)}`,
  }));
  const x = {
    field: "size", type: "quantitative", title: "I/O size (log scale)",
    scale: { type: "log", base: 2 }, axis: { labelExpr: BYTES_LABEL, ...ticks(sizes) },
  } as const;
  const y = {
    field: "usPerIo", type: "quantitative", title: `projected us per I/O (${anyZero ? "symlog" : "log"} scale)`,
    scale: { type: anyZero ? "symlog" : "log" }, axis: { values: decades(c.points.map((p) => p.usPerIo)), format: Y_FORMAT },
  } as const;
  const policy = policyEncoding(distinct(c.points.map((p) => p.policy)));
  const isPoint = { filter: "datum.kind === 'point'" };
  const isMark = { filter: "datum.kind === 'crossover'" };
  return {
    id: "chart-cost-size",
    title: "Projected cost per I/O against I/O size",
    caption: `${c.description} The dashed rule marks the crossover: the size from which wp-cow costs less than bounce.`,
    spec: {
      data: { values: [...onTop(c.points, "wp-cow").map((p) => ({ kind: "point", ...p })), ...marks] },
      facet: { field: "panel", type: "nominal", title: null, sort: panels },
      columns: Math.min(panels.length, 3),
      spec: {
        width: PANEL_WIDTH,
        height: PANEL_HEIGHT,
        layer: [
          { transform: [isPoint], mark: { type: "line", strokeWidth: 1.5 }, encoding: { x, y, color: policy.color, strokeDash: policy.strokeDash } },
          {
            name: MARKS.points, transform: [isPoint], mark: POINT,
            encoding: { x, y, color: policy.color, shape: policy.shape, tooltip: described(x, y) },
          },
          { name: MARKS.crossover, transform: [isMark], mark: { type: "rule", strokeDash: [5, 3], color: "#222" }, encoding: { x, tooltip: described(x) } },
          {
            transform: [isMark], mark: { type: "text", align: "right", baseline: "top", dx: -4, dy: 4, fontSize: 11 },
            encoding: { x, y: { value: 0 }, text: { field: "label" } },
          },
        ],
      },
    } as TopLevelSpec,
  };
}

export function ipiChart(doc: ResultsDoc): ChartDef {
  const c = doc.ipiCurve;
  const panels = distinct(c.points.map((p) => p.panel));
  const x = {
    field: "threads", type: "quantitative", title: "threads of the process (log scale)",
    scale: { type: "log", base: 2 }, axis: { format: "d", ...ticks(distinct(c.points.map((p) => p.threads))) },
  } as const;
  const y = { field: "ipisPerIo", type: "quantitative", title: "measured IPIs per I/O", axis: { format: Y_FORMAT } } as const;
  const policy = policyEncoding(distinct(c.points.map((p) => p.policy)));
  return {
    id: "chart-ipis-threads",
    title: "IPIs against threads",
    caption: c.description,
    // An empty curve would be drawn as an empty box with a legend title: say why instead.
    ...(c.points.length ? {} : { omitted: `Not drawn: ${c.description}` }),
    spec: {
      data: { values: onTop(c.points, "wp-cow").map((p) => ({ ...p })) },
      facet: { field: "panel", type: "nominal", title: null, sort: panels },
      columns: Math.max(1, Math.min(panels.length, 3)),
      spec: {
        width: PANEL_WIDTH,
        height: PANEL_HEIGHT,
        layer: [
          { mark: { type: "line", strokeWidth: 1.5 }, encoding: { x, y, color: policy.color, strokeDash: policy.strokeDash } },
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
    caption,
    spec: {
      data: { values: cells.map((c) => ({ ...c })) },
      width: { step: 78 },
      height: { step: 24 },
      layer: [
        {
          name: MARKS.cells, mark: { type: "rect", stroke: "#fff", strokeWidth: 1 },
          encoding: {
            x, y, color: {
              field: "value", type: "quantitative", scale: { type: "symlog", scheme, domain: [0, Math.max(1, max)] }, title: legend.title,
              legend: { values, ...(legend.labelExpr ? { labelExpr: legend.labelExpr } : { format: ",d" }) },
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
