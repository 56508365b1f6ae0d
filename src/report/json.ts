// The --json document: every run's full result, plus what produced it.
import { ABI_VERSION } from "../../assembly/abi.js";
import { RESULT_VERSION, type RunResult } from "../host/result.js";

export interface JsonReport {
  readonly tool: "stable-dio";
  /** RunResult shape version. */
  readonly version: number;
  readonly abi: number;
  readonly results: readonly RunResult[];
}

export function renderJson(results: readonly RunResult[]): string {
  const doc: JsonReport = { tool: "stable-dio", version: RESULT_VERSION, abi: ABI_VERSION, results };
  return JSON.stringify(doc, null, 2) + "\n";
}
