// The break-even chart: I/O size against the per-PTE cost below which wp-cow
// costs less than bounce (a curve per mapping), and a rule at each profile's
// own per-PTE cost, labelled: where a machine's rule lies under the curve,
// wp-cow wins there. Built from the results document alone; the marks are
// named (`points_marks`, `references_marks`) so the browser test can count them.
import type { TopLevelSpec } from "vega-lite";
import { fmtBytes } from "../shared/units.js";
import { BYTES_LABEL, MARKS, Y_FORMAT, type ChartDef } from "./charts.js";
import type { ResultsDoc } from "./document.js";

/** The rules' data marks: `references_marks` in the SVG. */
export const REFERENCE_MARKS = "references";

export function breakEvenChart(doc: ResultsDoc): ChartDef {
  const c = doc.breakEven;
  const base = { id: "chart-breakeven", title: "Break-even per-PTE cost against I/O size" };
  if (!c || !c.points.length) {
    const why = c ? `${c.description} wp-cow costs more than bounce at every size, even with free PTE changes.`
      : "a sweep's report has no break-even curve (stable-dio crossover prints it).";
    return { ...base, caption: why, omitted: `Not drawn: ${why}`, spec: { data: { values: [] }, mark: "point" } as TopLevelSpec };
  }
  const panels = [...new Set(c.points.map((p) => p.panel))];
  // Every size of the grid on the axis, those without a point too.
  const sizes = [...new Set([...c.points, ...c.never].map((p) => p.size))].sort((a, b) => a - b);
  const x = {
    field: "size", type: "quantitative", title: "I/O size (log scale)",
    scale: { type: "log", base: 2, domain: [sizes[0], sizes[sizes.length - 1]] },
    axis: { labelExpr: BYTES_LABEL, ...(sizes.length <= 12 ? { values: sizes } : {}) },
  } as const;
  const y = {
    field: "pteNs", type: "quantitative", title: "break-even ns per PTE (log scale)",
    scale: { type: "log" }, axis: { format: Y_FORMAT },
  } as const;
  // Every rule in every panel: a profile's per-PTE cost does not depend on the mapping.
  const rules = panels.flatMap((panel) => c.marks.map((m) => ({ kind: "rule", panel, ...m })));
  const never = c.never.length ? ` No point where wp-cow costs more than bounce even with free PTE changes: ${
    panels.map((p) => `${p} ${c.never.filter((n) => n.panel === p).map((n) => fmtBytes(n.size)).join(", ") || "none"}`).join("; ")}.` : "";
  const only = (kind: string) => ({ filter: `datum.kind === '${kind}'` });
  return {
    ...base,
    caption: `${c.description}${never}`,
    spec: {
      data: { values: [...c.points.map((p) => ({ kind: "point", ...p })), ...rules] },
      facet: { field: "panel", type: "nominal", title: null, sort: panels },
      columns: Math.min(panels.length, 2),
      // Each panel its own y scale (a PTE and a PMD entry break even 100x apart), and its own x axis under it.
      resolve: { scale: { y: "independent" }, axis: { x: "independent" } },
      spec: {
        width: 340,
        height: 220,
        layer: [
          { transform: [only("point")], mark: { type: "line", strokeWidth: 1.5, color: "#e45756" }, encoding: { x, y } },
          {
            name: MARKS.points, transform: [only("point")],
            mark: { type: "point", filled: false, size: 40, strokeWidth: 1.5, color: "#e45756", shape: "triangle-up" },
            encoding: {
              x, y, tooltip: [
                { field: "size", type: "quantitative", title: x.title },
                { field: "pteNs", type: "quantitative", title: y.title, format: Y_FORMAT },
                { field: "panel", type: "nominal", title: "panel" },
              ],
            },
          },
          {
            name: REFERENCE_MARKS, transform: [only("rule")],
            mark: { type: "rule", strokeDash: [4, 3], color: "#555" },
            encoding: {
              y, tooltip: [
                { field: "profile", type: "nominal", title: "profile" },
                { field: "pteNs", type: "quantitative", title: "its ns per PTE", format: Y_FORMAT },
                { field: "panel", type: "nominal", title: "panel" },
              ],
            },
          },
          {
            transform: [only("rule")],
            mark: { type: "text", align: "left", baseline: "bottom", dx: 3, dy: -1, fontSize: 10, color: "#333" },
            encoding: { x: { value: 0 }, y, text: { field: "profile" } },
          },
        ],
      },
    } as TopLevelSpec,
  };
}
