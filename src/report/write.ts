// Writes a report directory: results.json, results.csv and index.html, each
// atomically and staged together (all three flushed before the first rename),
// so an interrupted run never leaves half a file behind.
import { join } from "node:path";
import { writeFilesAtomic } from "../shared/atomic.js";
import { makeDir } from "../shared/make-dir.js";
import { charts } from "./charts.js";
import { renderCsv } from "./csv.js";
import type { ResultsDoc } from "./document.js";
import { renderHtml } from "./html.js";
import { renderSvg } from "./svg.js";

export const REPORT_FILES = ["index.html", "results.json", "results.csv"] as const;
export const DEFAULT_REPORT_DIR = "stable-dio-report";

export async function writeReport(dir: string, doc: ResultsDoc, sections: readonly string[] = []): Promise<void> {
  const rendered = [];
  for (const def of charts(doc)) rendered.push({ def, svg: def.omitted === undefined ? await renderSvg(def.spec, def.id) : "" });
  makeDir(dir);
  writeFilesAtomic([
    { file: join(dir, "results.json"), data: JSON.stringify(doc, null, 2) + "\n" },
    { file: join(dir, "results.csv"), data: renderCsv(doc) },
    { file: join(dir, "index.html"), data: renderHtml(doc, rendered, sections) },
  ]);
}
