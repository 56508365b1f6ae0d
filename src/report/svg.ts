// Vega-Lite spec -> Vega -> SVG text, headless in Node (the "none" renderer
// needs no canvas). Several SVGs share one HTML page, so the ids Vega makes
// (clip paths, gradients) get the chart's prefix to stay unique.
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** Page-wide look: the page's font, white background, no outer padding. */
const CONFIG = {
  background: "white",
  padding: 4,
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 800 },
  header: { labelFontSize: 12 },
} as const;

export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const vg = compile({ ...spec, config: CONFIG } as TopLevelSpec).spec;
  const view = new View(parse(vg), { renderer: "none" });
  try {
    return scopeIds(await view.toSVG(), idPrefix);
  } finally {
    view.finalize();
  }
}

/** id="x" -> id="p-x", and every reference to it (url(#x), href="#x"). */
export function scopeIds(svg: string, prefix: string): string {
  const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  let out = svg;
  for (const id of new Set(ids)) {
    const esc = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out = out
      .replace(new RegExp(`(\\sid=")${esc}"`, "g"), `$1${prefix}-${id}"`)
      .replace(new RegExp(`url\\(#${esc}\\)`, "g"), `url(#${prefix}-${id})`)
      .replace(new RegExp(`(href=")#${esc}"`, "g"), `$1#${prefix}-${id}"`);
  }
  return out;
}
