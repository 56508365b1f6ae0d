// The report's "Real kernel" section: `stable-dio native`'s results (read
// from native.json in the report directory), as a table of native counts
// beside the core's and measured against projected cost; and native.html,
// the same section on a page of its own.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fmtBytes } from "../shared/units.js";
import { esc, pageHead } from "../report/html.js";
import { fmtNs } from "../report/fmt.js";
import type { NativeDoc } from "./compare.js";
import { NATIVE_TOLERANCE } from "./render.js";

export const NATIVE_JSON = "native.json";
export const NATIVE_HTML = "native.html";

const COUNTS: ReadonlyArray<[string, string]> = [
  ["corruptions", "corrupt"], ["lost_reads", "lost"], ["read_verify_failures", "rdfail"], ["faults", "fault"],
  ["false_positives", "falsepos"], ["cow_copies", "cow"], ["stalls", "stall"], ["warnings", "warn"],
];

const num = (v: number | undefined, f: (x: number) => string = String): string =>
  v === undefined ? `<td class="n">-</td>` : `<td class="n" data-value="${v}">${esc(f(v))}</td>`;

function ratioCell(x: number | undefined): string {
  if (x === undefined) return `<td class="n">-</td>`;
  return `<td class="n${Math.abs(x - 1) > NATIVE_TOLERANCE ? " bad" : ""}" data-value="${x}">${x.toFixed(2)}</td>`;
}

export function nativeSection(doc: NativeDoc): string {
  const sized = doc.results.some((r) => r.size !== undefined);
  const head = ["policy", ...(sized ? ["size"] : []), ...COUNTS.map(([, h]) => `${h} native / core`),
    "CPU us/I/O (measured)", "above direct: CPU less direct's, us", "steps timed, us", "projected us", "ratio (CPU)", "ratio (steps)"];
  const rows = doc.results.map((r) => {
    const a = r.above_direct;
    const cells = COUNTS.map(([k]) => {
      const n = r.counters[k] ?? 0;
      const bad = (k === "corruptions" || k === "lost_reads") && n > 0 ? " bad" : "";
      return `<td class="n${bad}" data-col="${k}" data-value="${n}">${n} / ${r.core[k] ?? 0}</td>`;
    });
    return `<tr><td>${esc(r.policy)}</td>${sized ? num(r.size, fmtBytes) : ""}${cells.join("")}` +
      `${num(r.cpu_per_io_ns / 1000, fmtNs)}${num(a ? a.measured_ns / 1000 : undefined, fmtNs)}${num(a ? a.steps_ns / 1000 : undefined, fmtNs)}` +
      `${num(a?.projected_ns === undefined ? undefined : a.projected_ns / 1000, fmtNs)}` +
      ratioCell(a?.ratio) + ratioCell(a?.steps_ratio) + "</tr>";
  });
  const base = doc.base_cpu
    ? `<p class="note">direct's base CPU here: ${esc(fmtNs(doc.base_cpu.per_io_ns))} ns per I/O + ${esc(fmtNs(doc.base_cpu.per_page_ns))} ns per 4 KiB page.</p>`
    : "";
  const notes = [...doc.notes, ...doc.results.filter((r) => r.unprojected).map((r) => `${r.policy}: not projected: ${r.unprojected}`)];
  return `<section id="native"><h2>Real kernel (stable-dio native)</h2>
<p class="note">${esc(doc.workload)}, seed ${doc.seed}, run on the real kernel with O_DIRECT I/O (${esc(doc.engine)}) on ${esc(doc.target)},
the policies built at user level on userfaultfd; counts are <strong>measured</strong> there and on the Wasm core (${esc(doc.core_device)},
stability always). CPU per I/O is <strong>measured</strong> (the policy's threads, median of ${doc.repeat}); the cost above direct is
also <strong>projected</strong> at user level from the core's counts and the ${esc(doc.profile.label)} profile. ${esc(doc.generated)}.</p>
<div class="scroll"><table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead>
<tbody>${rows.join("\n")}</tbody></table></div>
${base}${notes.map((n) => `<p class="note">${esc(n)}</p>`).join("\n")}
</section>`;
}

/** The section of DIR/native.json, if a native run left one there. */
export function nativeSectionOf(dir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, NATIVE_JSON), "utf8");
  } catch {
    return undefined;
  }
  try {
    const doc = JSON.parse(text) as NativeDoc;
    return doc.kind === "native" ? nativeSection(doc) : undefined;
  } catch {
    return undefined;
  }
}

export function nativePage(doc: NativeDoc): string {
  return `${pageHead("stable-dio native")}
<header><h1>stable-dio native</h1></header>
${nativeSection(doc)}
</body>
</html>
`;
}
