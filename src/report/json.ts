// The --json document: every run's full result, plus what produced it.
import { ABI_VERSION } from "../../assembly/abi.js";
import { RESULT_VERSION, type RunResult } from "../host/result.js";
import type { TableProjection } from "./projection.js";

export interface JsonReport {
  readonly tool: "stable-dio";
  /** RunResult shape version. */
  readonly version: number;
  readonly abi: number;
  readonly results: readonly RunResult[];
  /** Projected kernel CPU per I/O of each result (same order), and the crossover verdict. */
  readonly projection?: TableProjection;
}

export function renderJson(results: readonly RunResult[], projection?: TableProjection): string {
  const doc: JsonReport = { tool: "stable-dio", version: RESULT_VERSION, abi: ABI_VERSION, results, ...(projection ? { projection } : {}) };
  return JSON.stringify(doc, null, 2) + "\n";
}
