// The report in a real browser (headless Chromium): the page loads nothing
// but itself and logs no error, every chart is drawn with one mark per data
// point of results.json, and every table cell holds the run's number. A
// full-page screenshot of each report is kept in test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { fmtBytes } from "../src/shared/units.js";
import { COLUMNS } from "../src/report/columns.js";
import type { ResultsDoc } from "../src/report/document.js";
import { fmtUs } from "../src/report/fmt.js";
import { coincident, SERIES_JOIN, ZERO_CELL } from "../src/report/charts.js";
import { type Browser, launchChromium } from "./support/browser.js";
import { cli } from "./support/cli.js";
import { readResults } from "./support/report.js";

const ARTIFACTS = new URL("../test-artifacts/", import.meta.url);
const tmp = mkdtempSync(join(tmpdir(), "stable-dio-browser-"));
// Launched by the first test that needs it, so a missing Chromium fails each test with its message.
let launching: Promise<Browser> | undefined;
const browser = () => (launching ??= launchChromium());

afterAll(async () => {
  await (await launching?.catch(() => undefined))?.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface Chart {
  id: string;
  svgWidth: number;
  /** The figure's inner width: what the page gives the chart. */
  room: number;
  legend: string[];
  /** The crossover's size written at the foot of its rule, and where; a panel's "no crossover" line. */
  sizeLabels: Array<{ text: string; x: number }>;
  noCrossover: string[];
  /** Error bars: the point each stands for (its aria-label) and its x on the page. */
  bars: Array<{ label: string; x: number }>;
  /** Heatmap cells: aria-label ("policy: direct; workload: racer; corruptions: 0") and fill. */
  cellFills: Array<{ label: string; fill: string }>;
  /** cx, cy: the centre on the page. */
  points: Array<{ label: string; transform: string; width: number; cx: number; cy: number }>;
  /** x: where the (vertical) rule stands on the page. */
  rules: Array<{ label: string; x: number }>;
  /** The break-even chart's profile rules: y, where the (horizontal) rule stands on the page. */
  references: Array<{ label: string; y: number }>;
  cells: number;
  labels: string[];
}

interface Row {
  key: string;
  cells: Array<{ col: string; value: string | null; text: string }>;
}

interface PageView {
  requests: string[];
  errors: string[];
  charts: Chart[];
  /** Charts left out for want of data: the line in their place. */
  omitted: Array<{ id: string; text: string; svgs: number }>;
  rows: Row[];
  text: string;
  verdict: string | null;
}

/** Opens index.html, keeps a screenshot, and reads back what the browser drew. */
async function view(dir: string, shot: string): Promise<PageView> {
  const page = await (await browser()).context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
  page.on("pageerror", (e) => errors.push(e.message));
  await page.route("**/*", (r) => (r.request().url().startsWith("file:") ? r.continue() : r.abort()));
  await page.goto(pathToFileURL(join(dir, "index.html")).href);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(shot, ARTIFACTS).pathname, fullPage: true });
  const charts = await page.$$eval("figure.chart", (figs) => figs.map((f) => ({
    id: f.id,
    svgWidth: f.querySelector("svg")?.getBoundingClientRect().width ?? 0,
    room: f.clientWidth - parseFloat(getComputedStyle(f).paddingLeft) - parseFloat(getComputedStyle(f).paddingRight),
    legend: [...f.querySelectorAll(".role-legend-label text")].map((t) => t.textContent ?? ""),
    sizeLabels: [...f.querySelectorAll("g.crossover_size_marks text")].map((t) => {
      const r = t.getBoundingClientRect();
      return { text: t.textContent ?? "", x: r.x + r.width / 2 };
    }),
    noCrossover: [...f.querySelectorAll("g.no_crossover_marks text")].map((t) => t.textContent ?? ""),
    bars: [...f.querySelectorAll("g.errorbars_marks line")].map((l) => {
      const r = l.getBoundingClientRect();
      return { label: l.getAttribute("aria-label") ?? "", x: r.x + r.width / 2 };
    }),
    cellFills: [...f.querySelectorAll("g.cells_marks path")].map((p) => ({ label: p.getAttribute("aria-label") ?? "", fill: p.getAttribute("fill") ?? "" })),
    points: [...f.querySelectorAll("g.points_marks path")].map((p) => {
      const r = p.getBoundingClientRect();
      return { label: p.getAttribute("aria-label") ?? "", transform: p.getAttribute("transform") ?? "", width: r.width, cx: r.x + r.width / 2, cy: r.y + r.height / 2 };
    }),
    rules: [...f.querySelectorAll("g.crossover_marks line")].map((l) => {
      const r = l.getBoundingClientRect();
      return { label: l.getAttribute("aria-label") ?? "", x: r.x + r.width / 2 };
    }),
    references: [...f.querySelectorAll("g.references_marks line")].map((l) => {
      const r = l.getBoundingClientRect();
      return { label: l.getAttribute("aria-label") ?? "", y: r.y + r.height / 2 };
    }),
    cells: f.querySelectorAll("g.cells_marks path").length,
    labels: [...f.querySelectorAll("g.labels_marks text")].map((t) => t.textContent ?? ""),
  })));
  const omitted = await page.$$eval("figure.chart-omitted", (figs) => figs.map((f) => ({
    id: f.id, text: f.querySelector("p")?.textContent ?? "", svgs: f.querySelectorAll("svg").length,
  })));
  const rows = await page.$$eval("#runs tbody tr", (trs) => trs.map((tr) => ({
    key: (tr as HTMLElement).dataset.key ?? "",
    cells: [...tr.querySelectorAll("td")].map((td) => ({ col: td.dataset.col ?? "", value: td.dataset.value ?? null, text: td.textContent ?? "" })),
  })));
  const text = await page.innerText("body");
  const verdict = await page.locator("p.verdict").count() ? await page.innerText("p.verdict") : null;
  await page.close();
  return { requests, errors, charts, omitted, rows, text, verdict };
}

/** "I/O size (log scale): 4,096; projected ...: 0.05; policy: direct; panel: 4 KiB PTEs" -> { "I/O size (log scale)": "4096", ... } */
function ariaFields(label: string): Record<string, string> {
  return Object.fromEntries(label.split("; ").map((kv) => {
    const i = kv.lastIndexOf(": ");
    const value = kv.slice(i + 2);
    return [kv.slice(0, i), /^-?[\d,]+(\.\d+)?(e[+-]?\d+)?$/.test(value) ? value.replace(/,/g, "") : value]; // "4,096", not "racer, 4 threads"
  }));
}

const sorted = (xs: string[]) => [...xs].sort();

/** A curve's point as the page shows it: y to 6 significant digits (Y_FORMAT "~g"), the rest exact. */
const point = (panel: string, policy: string, x: number, y: number) => `${panel} | ${policy} | ${x} | ${Number(y.toPrecision(6))}`;

/** Sums of a counter per workload and policy, formatted as the heatmap labels them. */
function heatLabels(doc: ResultsDoc, counter: string, fmt: (v: number) => string): string[] {
  const sums = new Map<string, number>();
  for (const r of doc.runs) sums.set(`${r.workload}/${r.policy}`, (sums.get(`${r.workload}/${r.policy}`) ?? 0) + (r.counters[counter] ?? 0));
  return [...sums.values()].map(fmt);
}

function checkPage(v: PageView, doc: ResultsDoc, dir: string): void {
  expect(v.requests).toEqual([pathToFileURL(join(dir, "index.html")).href]);
  expect(v.errors).toEqual([]);
  expect(v.text).toContain(doc.profile.label);
  expect(v.text).toMatch(/measured counts \(wasm core\)/);
  expect(v.text).toMatch(/projected/);

  // Every chart with data is drawn; one without (a sweep with no threads; a sweep's break-even) is left out, a line saying why in its place.
  const ipisDrawn = doc.ipiCurve.points.length > 0;
  const breakEvenDrawn = (doc.breakEven?.points.length ?? 0) > 0;
  expect(v.charts.map((c) => c.id)).toEqual(["chart-cost-size", ...(breakEvenDrawn ? ["chart-breakeven"] : []),
    ...(ipisDrawn ? ["chart-ipis-threads"] : []), "chart-corruptions", "chart-bytes-copied"]);
  expect(v.omitted.map((o) => o.id)).toEqual([...(breakEvenDrawn ? [] : ["chart-breakeven"]), ...(ipisDrawn ? [] : ["chart-ipis-threads"])]);
  for (const o of v.omitted) expect([o.text.startsWith("Not drawn: "), o.svgs]).toEqual([true, 0]);
  if (!ipisDrawn) expect(v.omitted.find((o) => o.id === "chart-ipis-threads")?.text).toBe(`Not drawn: ${doc.ipiCurve.description}`);
  for (const c of v.charts) expect(c.svgWidth).toBeGreaterThan(200);
  const chart = (id: string) => v.charts.find((c) => c.id === id) as Chart;
  const [cost, corrupt, copied] = [chart("chart-cost-size"), chart("chart-corruptions"), chart("chart-bytes-copied")];
  // The charts use the page's width: the cost chart and the heatmaps most of it, none more than there is.
  for (const c of v.charts) expect(c.svgWidth, c.id).toBeLessThanOrEqual(c.room + 1);
  for (const c of [cost, corrupt, copied]) expect(c.svgWidth, c.id).toBeGreaterThan(0.75 * c.room);

  // Curves that coincide are drawn once, named together: one legend entry per drawn curve, and one drawn point
  // per point of each drawn curve, at a real position, with its panel, curve, x, and y as printed (Y_FORMAT: 6
  // significant digits), each matched with its own point of results.json.
  const costX = "I/O size (log scale)";
  const costSeries = coincident(doc.costCurve.points, (p) => p.size, (p) => p.usPerIo);
  const ipiSeries = coincident(doc.ipiCurve.points, (p) => p.threads, (p) => p.ipisPerIo);
  const once = <T extends { policy: string }>(points: readonly T[], series: Map<string, string>) =>
    points.filter((p) => series.get(p.policy)!.split(SERIES_JOIN)[0] === p.policy).map((p) => ({ ...p, policy: series.get(p.policy)! }));
  expect(sorted(cost.legend)).toEqual(sorted([...new Set(costSeries.values())]));
  if (ipisDrawn) expect(sorted(chart("chart-ipis-threads").legend)).toEqual(sorted([...new Set(ipiSeries.values())]));
  for (const [drawn, points, x, y] of [
    [cost, once(doc.costCurve.points, costSeries).map((p) => point(p.panel, p.policy, p.size, p.usPerIo)), costX, "projected us per I/O"],
    ...(ipisDrawn ? [[chart("chart-ipis-threads"), once(doc.ipiCurve.points, ipiSeries).map((p) => point(p.panel, p.policy, p.threads, p.ipisPerIo)),
      "threads of the process (log scale)", "measured IPIs per I/O"]] : []),
  ] as Array<[Chart, string[], string, string]>) {
    expect(drawn.points).toHaveLength(points.length);
    expect(sorted(drawn.points.map((p) => {
      const f = ariaFields(p.label);
      const yKey = Object.keys(f).find((k) => k.startsWith(y)) ?? `no '${y}' in ${p.label}`;
      return point(f.panel, f.policy, Number(f[x]), Number(f[yKey]));
    }))).toEqual(sorted(points));
    for (const p of drawn.points) {
      expect(p.transform).toMatch(/^translate\(-?[\d.]+,-?[\d.]+\)$/);
      expect(p.width).toBeGreaterThan(0);
    }
  }
  // One rule per crossover, for its panel and size, standing where that panel's points of that size stand.
  const crossings = doc.costCurve.crossovers.filter((c) => c.size !== null);
  expect(sorted(cost.rules.map((r) => { const f = ariaFields(r.label); return `${f.panel} ${f[costX]}`; })))
    .toEqual(sorted(crossings.map((c) => `${c.panel} ${c.size}`)));
  for (const r of cost.rules) {
    const f = ariaFields(r.label);
    const at = cost.points.filter((p) => { const g = ariaFields(p.label); return g.panel === f.panel && g[costX] === f[costX]; });
    expect(at.length).toBeGreaterThan(0);
    for (const p of at) expect(Math.abs(p.cx - r.x), `${r.label} at ${r.x}, its points at ${p.cx}`).toBeLessThan(1);
  }
  // Each crossover's size is written on the size axis at its rule; a panel without one says so.
  expect(sorted(cost.sizeLabels.map((l) => l.text))).toEqual(sorted(crossings.map((c) => fmtBytes(c.size!))));
  for (const l of cost.sizeLabels) expect(cost.rules.some((r) => Math.abs(r.x - l.x) < 1), `${l.text} at ${l.x}`).toBe(true);
  const lacking = doc.costCurve.crossovers.filter((c) => c.size === null);
  expect(sorted(cost.noCrossover)).toEqual(sorted(lacking.map((c) =>
    `no crossover up to ${fmtBytes(Math.max(...doc.costCurve.points.filter((p) => p.panel === c.panel).map((p) => p.size)))}`)));
  // A sweep's intervals: one error bar per drawn point that has one, standing at that point.
  const withBars = once(doc.costCurve.points, costSeries).filter((p) => p.lo !== undefined);
  expect(cost.bars).toHaveLength(withBars.length);
  for (const b of cost.bars) {
    const f = ariaFields(b.label);
    const at = cost.points.find((p) => { const g = ariaFields(p.label); return g.panel === f.panel && g.policy === f.policy && g[costX] === f[costX]; });
    expect(at, b.label).toBeDefined();
    expect(Math.abs(at!.cx - b.x)).toBeLessThan(1);
  }
  // The caption speaks of a rule only when one is drawn.
  expect(/The dashed rule marks the crossover/.test(v.text)).toBe(crossings.length > 0);

  // Zero cells are neutral grey; the others take the colour scale.
  for (const c of [...corrupt.cellFills, ...copied.cellFills]) {
    const zero = / 0$/.test(c.label);
    expect(c.fill === ZERO_CELL, c.label).toBe(zero);
  }
  if (breakEvenDrawn) checkBreakEven(chart("chart-breakeven"), doc);

  const corruptLabels = heatLabels(doc, "corruptions", String);
  expect(corrupt.cells).toBe(corruptLabels.length);
  expect(sorted(corrupt.labels)).toEqual(sorted(corruptLabels));
  const copiedLabels = heatLabels(doc, "bytes_copied", (b) => (b === 0 ? "0" : fmtBytes(b)));
  expect(copied.cells).toBe(copiedLabels.length);
  expect(sorted(copied.labels)).toEqual(sorted(copiedLabels));

  // The table: one row per run, each cell the run's number, formatted as the text table formats it.
  expect(v.rows).toHaveLength(doc.runs.length);
  v.rows.forEach((row, i) => {
    const run = doc.runs[i];
    expect(row.key).toBe(run.key);
    const cell = (col: string) => row.cells.find((c) => c.col === col);
    expect([cell("workload")?.text, cell("device")?.text, cell("policy")?.text]).toEqual([run.workload, run.device, run.policy]);
    for (const c of COLUMNS) {
      const v = run.counters[c.counter];
      expect(Number(cell(c.counter)?.value)).toBe(v);
      expect(cell(c.counter)?.text).toBe(c.bytes && v !== 0 ? fmtBytes(v) : String(v));
    }
    expect(Number(cell("projectedUsPerIo")?.value)).toBe(run.projectedUsPerIo);
    expect(cell("projectedUsPerIo")?.text).toBe(fmtUs(run.projectedUsPerIo * 1000));
  });
}

/**
 * The break-even chart: one point per point of results.json (panel, size, and the break-even to 6 digits), and
 * in every panel one rule per profile mark, standing above a point exactly where that point's value is above
 * the mark's (the y scale is the points' and the rules' own, per panel).
 */
function checkBreakEven(drawn: Chart, doc: ResultsDoc): void {
  const be = doc.breakEven!;
  const x = "I/O size (log scale)";
  const y = "break-even ns per PTE (log scale)";
  expect(sorted(drawn.points.map((p) => {
    const f = ariaFields(p.label);
    return `${f.panel} | ${f[x]} | ${Number(f[y])}`;
  }))).toEqual(sorted(be.points.map((p) => `${p.panel} | ${p.size} | ${Number(p.pteNs.toPrecision(6))}`)));
  const panels = [...new Set(be.points.map((p) => p.panel))];
  expect(sorted(drawn.references.map((r) => { const f = ariaFields(r.label); return `${f.panel} | ${f.profile} | ${Number(f["its ns per PTE"])}`; })))
    .toEqual(sorted(panels.flatMap((panel) => be.marks.map((m) => `${panel} | ${m.profile} | ${Number(m.pteNs.toPrecision(6))}`))));
  for (const r of drawn.references) {
    const rf = ariaFields(r.label);
    for (const p of drawn.points) {
      const pf = ariaFields(p.label);
      if (pf.panel !== rf.panel) continue;
      // Screen y grows downwards: a point above the rule has the smaller y.
      expect(Number(pf[y]) > Number(rf["its ns per PTE"]), `${p.label} against ${r.label}`).toBe(p.cy < r.y);
    }
  }
}

describe("in Chromium", () => {
  it("the main job's report: every chart drawn with its points, the table holding every run's numbers", async () => {
    const dir = join(tmp, "main");
    await browser(); // fail fast without Chromium
    const r = await cli("report", "--out", dir);
    expect(r.code).toBe(0);
    const doc = readResults(dir);
    const v = await view(dir, "report.png");
    checkPage(v, doc, dir);
    expect(v.verdict).toBe(doc.verdict);
    expect(doc.runs.length).toBeGreaterThan(60);
    // Eight policies, fewer curves: those that coincide share one legend entry, the caption names them.
    const cost = v.charts.find((c) => c.id === "chart-cost-size")!;
    expect(cost.legend).toContain("wp-cow = wp-cow-degrade = wp-wait");
    expect(cost.legend.length).toBeLessThan(8);
    expect(v.text).toContain("Curves that coincide are drawn once, named together: ");
    // The PMD panel's crossover (the verdict's) is written on its axis; the PTE panel has none up to 4M.
    expect(cost.sizeLabels.map((l) => l.text)).toEqual([/PMDs from (\d+[KM])/.exec(doc.verdict ?? "")?.[1]]);
    expect(cost.noCrossover).toEqual(["no crossover up to 4M"]);
    // The break-even chart is drawn, with the four reference profiles' rules (the built-in's shared with ref:epyc-vm).
    expect(v.charts.find((c) => c.id === "chart-breakeven")?.points.length).toBeGreaterThan(5);
    expect(doc.breakEven?.marks.map((m) => m.profile)).toEqual(["built-in = ref:epyc-vm", "ref:xeon-vm", "ref:milan-6.16", "ref:milan-6.17"]);
  });

  it("a sweep's report: panels per workload and thread count, the swept columns in the table", async () => {
    const dir = join(tmp, "sweep");
    const r = await cli("sweep", "-w", "multithread,racer", "-p", "bounce,wp-cow,wp-wait", "--sizes", "4k,256k,1m", "--threads", "1,4",
      "--seeds", "1,2", "-P", "ios=32", "--workers", "2", "--out", dir);
    expect(r.code).toBe(0);
    const doc = readResults(dir);
    const v = await view(dir, "report-sweep.png");
    checkPage(v, doc, dir);
    expect(new Set(doc.costCurve.points.map((p) => p.panel))).toEqual(new Set(["multithread, 1 thread", "multithread, 4 threads", "racer"]));
    // Two seeds: every point is a mean with an interval, drawn as an error bar (checkPage matched each to its point).
    const cost = v.charts.find((c) => c.id === "chart-cost-size")!;
    expect(cost.bars.length).toBeGreaterThan(0);
    expect(doc.costCurve.points.every((p) => p.n === 2 && p.lo! <= p.usPerIo && p.usPerIo <= p.hi!)).toBe(true);
    v.rows.forEach((row, i) => {
      const run = doc.runs[i];
      expect(row.cells.find((c) => c.col === "size")?.text).toBe(fmtBytes(run.params.size));
      expect(row.cells.find((c) => c.col === "threads")?.text).toBe(run.params.threads === undefined ? "-" : String(run.params.threads));
      expect(row.cells.find((c) => c.col === "seed")?.text).toBe(String(run.seed));
    });
  });

  it("a sweep without threads: the IPI chart is left out, one line in its place saying why, the rest drawn", async () => {
    const dir = join(tmp, "sweep-no-threads");
    const r = await cli("sweep", "-w", "racer", "-p", "bounce,wp-cow", "--sizes", "4k,64k", "-P", "ios=16", "--workers", "1", "--out", dir);
    expect(r.code).toBe(0);
    const doc = readResults(dir);
    expect(doc.ipiCurve.points).toEqual([]);
    const v = await view(dir, "report-sweep-no-threads.png");
    checkPage(v, doc, dir);
    expect(v.omitted.find((o) => o.id === "chart-ipis-threads")?.text).toMatch(/^Not drawn: no run in this sweep has a threads parameter.*add -w multithread/);
  });
});
