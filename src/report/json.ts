// The --json document: every run's full result, plus what produced it.
import { ABI_VERSION } from "../../assembly/abi.js";
import { RESULT_VERSION, type RunResult } from "../host/result.js";
import type { TableProjection } from "./projection.js";

export interface JsonReport {
  readonly tool: "stable-dio";
  /** RunResult shape version. */
  readonly version: number;
  readonly abi: number;
  /** The file the workload came from (stable-dio run), and what of it was not used. */
  readonly source?: JsonSource;
  readonly results: readonly RunResult[];
  /** Projected kernel CPU per I/O of each result (same order), and the crossover verdict. */
  readonly projection?: TableProjection;
}

export interface JsonSource {
  readonly file: string;
  readonly kind: "workload" | "fio";
  /** fio options that do not matter here, each once. */
  readonly ignored: readonly string[];
  /** fio options stable-dio does not model (the job ran without them), each once. */
  readonly notModelled: readonly string[];
  /** Where the run differs from what the file asks (file:line: ...). */
  readonly notes: readonly string[];
}

export function renderJson(results: readonly RunResult[], projection?: TableProjection, source?: JsonSource): string {
  const doc: JsonReport = {
    tool: "stable-dio", version: RESULT_VERSION, abi: ABI_VERSION, ...(source ? { source } : {}), results,
    ...(projection ? { projection } : {}),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
