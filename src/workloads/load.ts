// Loading a workload file: strict JSON with positions, the shipped JSON
// Schema, then the engine's checks with the file's defaults. Any problem is
// a SourceError naming the file and the line.
import { readFileSync } from "node:fs";
import { workloadFromSpec } from "./engine.js";
import { parseJsonSource, SourceError } from "./json-source.js";
import { checkSchema } from "./schema-check.js";
import type { WorkloadSpec } from "./spec.js";
import type { Workload } from "./types.js";

/** `shown` is how errors name the file (default: the path as given). */
export function loadWorkloadFile(path: string, shown = path): Workload {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new SourceError(shown, 0, `cannot read the file (${code})`);
  }
  return parseWorkload(text, shown);
}

export function parseWorkload(text: string, file: string): Workload {
  const src = parseJsonSource(file, text);
  checkSchema(src);
  return workloadFromSpec(src.value as WorkloadSpec, src);
}
