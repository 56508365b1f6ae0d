// The --json document: every run's full result, plus what produced it.
import { ABI_VERSION } from "../../assembly/abi.js";
import { RESULT_VERSION, type RunResult } from "../host/result.js";
import type { TableProjection } from "./projection.js";

export interface JsonReport {
  readonly tool: "stable-dio";
  /** RunResult shape version. */
  readonly version: number;
  readonly abi: number;
  /** The file the workload came from, when one file was given, and what of it was not used. */
  readonly source?: JsonSource;
  /** Every file the workloads came from, when more than one was given. */
  readonly sources?: readonly JsonSource[];
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

export function renderJson(results: readonly RunResult[], projection?: TableProjection, sources: readonly JsonSource[] = []): string {
  const files = sources.length === 1 ? { source: sources[0] } : sources.length > 1 ? { sources } : {};
  const doc: JsonReport = {
    tool: "stable-dio", version: RESULT_VERSION, abi: ABI_VERSION, ...files, results,
    ...(projection ? { projection } : {}),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
