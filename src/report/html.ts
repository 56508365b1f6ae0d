// index.html: one self-contained page (inline CSS and SVG, no scripts, no
// fonts, no URLs; a Content-Security-Policy forbids loading anything) with
// the verdict table and the charts, all rendered from the results document.
import { fmtBytes } from "../shared/units.js";
import type { ChartDef } from "./charts.js";
import { COLUMNS } from "./columns.js";
import type { ResultsDoc, RunEntry } from "./document.js";
import { fmtUs } from "./fmt.js";
import { machineLine } from "../shared/machine.js";

export interface RenderedChart {
  readonly def: ChartDef;
  readonly svg: string;
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;margin:0 auto;padding:1.5em 2em 3em;max-width:1500px}
h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.25em;margin:1.8em 0 .5em;border-bottom:1px solid #ddd;padding-bottom:.2em}
h3{font-size:1.05em;margin:0 0 .4em}
.meta{color:#444;margin:.2em 0}.meta dt{font-weight:600;float:left;clear:left;width:8em}.meta dd{margin:0 0 .15em 8.5em}
.note{color:#333;max-width:70em}.verdict{font-weight:600}
.scroll{overflow-x:auto;max-height:70vh;border:1px solid #ddd}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px}
th,td{padding:.25em .6em;border-bottom:1px solid #eee;white-space:nowrap}
thead th{position:sticky;background:#f6f6f6;z-index:1}thead tr:first-child th{top:0}thead tr:nth-child(2) th{top:1.9em}
th.group{text-align:center;border-bottom:2px solid #bbb}th.measured{background:#eef4fb}th.projected{background:#fbf3e6}
td.n{text-align:right}td.proj{background:#fffaf1}td.bad{color:#b00;font-weight:600}
tbody tr:nth-child(even){background:#fafafa}
figure{margin:1.5em 0;padding:1em;border:1px solid #e3e3e3;border-radius:6px;overflow-x:auto}
figure svg{max-width:100%;height:auto}
figcaption{color:#333;margin-top:.5em;max-width:70em}
code{font-size:.95em}
`;

function counterCell(r: RunEntry, counter: string, bytes: boolean): string {
  const v = r.counters[counter] ?? 0;
  const text = bytes && v !== 0 ? fmtBytes(v) : String(v);
  const bad = counter === "corruptions" || counter === "lost_reads" ? (v > 0 ? " bad" : "") : "";
  return `<td class="n${bad}" data-col="${counter}" data-value="${v}">${text}</td>`;
}

/** Columns only a sweep needs: what varies between its points. */
function sweepColumns(doc: ResultsDoc): Array<{ head: string; cell: (r: RunEntry) => string }> {
  if (!doc.sweep) return [];
  const param = (name: string, fmt: (v: number) => string) => (r: RunEntry) => {
    const v = r.params[name];
    return v === undefined ? `<td class="n" data-col="${name}">-</td>` : `<td class="n" data-col="${name}" data-value="${v}">${fmt(v)}</td>`;
  };
  return [
    { head: "size", cell: param("size", fmtBytes) },
    { head: "threads", cell: param("threads", String) },
    { head: "seed", cell: (r) => `<td class="n" data-col="seed" data-value="${r.seed}">${r.seed}</td>` },
  ];
}

export function verdictTable(doc: ResultsDoc): string {
  const extra = sweepColumns(doc);
  const left = 3 + extra.length;
  const head1 = `<tr><th colspan="${left}"></th><th class="group measured" colspan="${COLUMNS.length}">measured counts (${esc(doc.runs[0]?.core ?? "wasm")} core)</th>` +
    `<th class="group projected">projected</th></tr>`;
  const head2 = "<tr><th>workload</th><th>device</th><th>policy</th>" + extra.map((e) => `<th>${e.head}</th>`).join("") +
    COLUMNS.map((c) => `<th class="measured" title="${esc(c.help)}">${c.header}</th>`).join("") +
    `<th class="projected" title="projected kernel CPU per I/O, us">us/I/O</th></tr>`;
  const rows = doc.runs.map((r) =>
    `<tr data-key="${esc(r.key)}"><td data-col="workload">${esc(r.workload)}</td><td data-col="device">${esc(r.device)}</td>` +
    `<td data-col="policy">${esc(r.policy)}</td>` + extra.map((e) => e.cell(r)).join("") +
    COLUMNS.map((c) => counterCell(r, c.counter, c.bytes === true)).join("") +
    `<td class="n proj" data-col="projectedUsPerIo" data-value="${r.projectedUsPerIo}">${fmtUs(r.projectedUsPerIo * 1000)}</td></tr>`);
  return `<div class="scroll"><table id="runs"><thead>${head1}${head2}</thead><tbody>\n${rows.join("\n")}\n</tbody></table></div>`;
}

function meta(doc: ResultsDoc): string {
  const seeds = [...new Set(doc.runs.map((r) => r.seed))];
  const items: Array<[string, string]> = [
    ["command", `stable-dio ${doc.argv.join(" ")}`.trim()],
    ["generated", doc.generated],
    ["runs", `${doc.runs.length} (seed${seeds.length > 1 ? "s" : ""} ${seeds.join(", ")})`],
    ["machine", machineLine(doc.machine)],
    ["profile", `${doc.profile.label}; ${doc.profile.source}`],
  ];
  const s = doc.sweep;
  if (s) items.push(["sweep", `${s.points} points; the last invocation computed ${s.computed} on ${s.workers} worker thread(s) ` +
    `and found ${s.resumed} already done in points.jsonl`]);
  return `<dl class="meta">${items.map(([k, v]) => `<dt>${k}</dt><dd>${esc(v)}</dd>`).join("")}</dl>`;
}

function figure(c: RenderedChart): string {
  if (c.def.omitted !== undefined)
    return `<figure class="chart-omitted" id="${c.def.id}"><h3>${esc(c.def.title)}</h3>\n<p class="note omitted">${esc(c.def.omitted)}</p></figure>`;
  return `<figure class="chart" id="${c.def.id}"><h3>${esc(c.def.title)}</h3>\n${c.svg}\n<figcaption>${esc(c.def.caption)}</figcaption></figure>`;
}

/** A page's head, up to <body>: inline CSS only; a Content-Security-Policy forbids loading anything. */
export function pageHead(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>`;
}

/** `sections`: more sections before the files (the real-kernel runs of stable-dio native, src/native/html.ts). */
export function renderHtml(doc: ResultsDoc, rendered: readonly RenderedChart[], sections: readonly string[] = []): string {
  const title = doc.sweep ? "stable-dio sweep report" : "stable-dio report";
  const crossovers = doc.verdict ? `<p class="verdict">${esc(doc.verdict)}</p>` : "";
  return `${pageHead(title)}
<header><h1>${title}</h1>
<p class="note">What each direct-I/O stability policy broke and what it cost, on the same seeded workloads run by a simulated
page table with real bytes. Counts are <strong>measured</strong> by the core; costs are <strong>projected</strong> from
the <strong>${esc(doc.profile.name)}</strong> cost profile (${esc(doc.profile.cache)} buffers).</p>
${meta(doc)}</header>
<section id="verdict"><h2>Verdict</h2>
<p class="note">One row per run. The measured columns are the core's counters (README: Counters); us/I/O is the projected
kernel CPU per I/O from the ${esc(doc.profile.label)} profile.</p>
${verdictTable(doc)}
${crossovers}
</section>
<section id="charts"><h2>Charts</h2>
${rendered.map(figure).join("\n")}
</section>
${sections.join("\n")}
<footer><h2>Files</h2>
<p class="note">Beside this page: <code>results.json</code> (every number on it; schema version ${doc.schemaVersion},
<code>schema/results.schema.json</code> in the package) and <code>results.csv</code> (one row per run).
docs/report.md documents both.</p></footer>
</body>
</html>
`;
}
