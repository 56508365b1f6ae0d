// results.json: what a report shows, as data. The HTML page and the CSV are
// rendered from this document alone, so a test (or a reader) can check every
// number on the page against it. Its JSON Schema is schema/results.schema.json
// and docs/report.md documents every field; RESULTS_SCHEMA_VERSION changes
// when a field changes meaning or goes away (fields are only ever added).
import { ABI_VERSION } from "../../assembly/abi.js";
import { type Cache, project } from "../cost/model.js";
import { type CostProfile, profileLabel } from "../cost/profile.js";
import { RESULT_VERSION, type RunResult } from "../host/result.js";
import { describeMachine, type MachineInfo } from "../shared/machine.js";
import { wpChanges, wpOfConfig } from "../shared/wp.js";
import { summarise, type SummaryRow } from "./summary.js";

export const RESULTS_SCHEMA_VERSION = 1;

/**
 * One run's measured outcome, the part a sweep journals (no projection: that
 * depends on the profile): what ran, with its resolved params and every
 * counter, snake_case, measured.
 */
export type RunRecord = Pick<RunResult, "workload" | "device" | "policy" | "stable" | "core" | "seed" | "params" | "counters"> & {
  /** Stable identity of the run's inputs (docs/report.md). */
  readonly key: string;
  /** The write-protect's implementation choices that differ from the default ("restore=lazy,batch=8"); absent if none. */
  readonly wp?: string;
  /** The driver's frame audit passed. */
  readonly balanceOk: boolean;
};

/** A run with its projected cost. */
export type RunEntry = RunRecord & {
  /** Projected kernel CPU per I/O, us, from the document's profile. */
  readonly projectedUsPerIo: number;
};

export interface CostPoint {
  /** The chart panel the point belongs to ("4 KiB PTEs", "racer, 4 threads"). */
  readonly panel: string;
  readonly policy: string;
  /** Bytes per I/O. */
  readonly size: number;
  /** Projected kernel CPU per I/O, us (a sweep: the mean over seeds). */
  readonly usPerIo: number;
  /** A sweep with several seeds: how many runs the mean is of, and its 95% interval (report/stats.ts). */
  readonly n?: number;
  readonly lo?: number;
  readonly hi?: number;
}

export interface CrossoverMark {
  readonly panel: string;
  /** Smallest size from which wp-cow costs less than bounce at every larger size; null: never. */
  readonly size: number | null;
}

export interface CostCurve {
  /** Where the points come from, in words. */
  readonly description: string;
  readonly points: readonly CostPoint[];
  readonly crossovers: readonly CrossoverMark[];
}

export interface IpiPoint {
  readonly panel: string;
  readonly policy: string;
  readonly threads: number;
  /** Measured IPIs per I/O (a sweep: the mean over its runs). */
  readonly ipisPerIo: number;
  /** A sweep with several runs per point: how many, and the mean's 95% interval. */
  readonly n?: number;
  readonly lo?: number;
  readonly hi?: number;
}

export interface IpiCurve {
  readonly description: string;
  readonly points: readonly IpiPoint[];
}

/** Where wp-cow and bounce project equal, in one unit cost (src/crossover/breakeven.ts): the per-PTE cost. */
export interface BreakEvenPoint {
  readonly panel: string;
  readonly size: number;
  /** wp-cow costs less than bounce where changing a PTE costs less than this, ns (projected). */
  readonly pteNs: number;
}

export interface BreakEvenMark {
  /** A profile's name: this run's ("here" if measured on this machine) or a reference profile's. */
  readonly profile: string;
  /** Its own per-PTE cost, ns. */
  readonly pteNs: number;
}

export interface BreakEvenCurve {
  readonly description: string;
  readonly points: readonly BreakEvenPoint[];
  /** Sizes with no point: wp-cow costs more than bounce there even if changing a PTE were free. */
  readonly never: ReadonlyArray<{ readonly panel: string; readonly size: number }>;
  readonly marks: readonly BreakEvenMark[];
}

/** A sweep's grid as run (null sizes or threads: each workload's own). */
export interface SweepGridRecord {
  readonly workloads: readonly string[];
  readonly policies: readonly string[];
  readonly sizes: readonly number[] | null;
  readonly threads: readonly number[] | null;
  readonly seeds: readonly number[];
  readonly device: string | null;
  readonly stable: string;
  readonly core: string;
  readonly params: Readonly<Record<string, number>>;
  /** --wp of the sweep, as given: a fixed setting of every point; null or absent: none. */
  readonly wp?: string | null;
}

export interface SweepInfo {
  readonly grid: SweepGridRecord;
  /** This directory's share of the grid (--shard K/N), or null: every point. */
  readonly shard?: { readonly k: number; readonly n: number } | null;
  /** A merged report (stable-dio report --from): the sweep directories it merged. */
  readonly merged?: readonly string[];
  readonly workers: number;
  /** Points in the grid, computed by this invocation, and found already done in the journal. */
  readonly points: number;
  readonly computed: number;
  readonly resumed: number;
}

export interface ResultsDoc {
  readonly tool: "stable-dio";
  readonly kind: "results";
  readonly schemaVersion: number;
  /** ISO time the document was written. */
  readonly generated: string;
  /** "compare" (the main job), "report" or "sweep". */
  readonly command: string;
  /** The command line's arguments after `stable-dio`. */
  readonly argv: readonly string[];
  readonly abi: number;
  /** RunResult version of the driver that produced the runs. */
  readonly resultVersion: number;
  readonly machine: MachineInfo;
  readonly profile: { readonly name: string; readonly label: string; readonly source: string; readonly cache: Cache };
  readonly runs: readonly RunEntry[];
  readonly costCurve: CostCurve;
  readonly ipiCurve: IpiCurve;
  /** The break-even per-PTE cost by size (the main job and report; null for a sweep). */
  readonly breakEven: BreakEvenCurve | null;
  /** The one-line crossover verdict of the main table, if there is one. */
  readonly verdict: string | null;
  readonly sweep: SweepInfo | null;
  /** A sweep: its runs that differ only in the seed, summarised (report/summary.ts); null otherwise. */
  readonly summary: readonly SummaryRow[] | null;
}

/** The cache state projections assume: buffers just written by the process are hot. */
export const REPORT_CACHE: Cache = "hot";

/** "db-writer direct device=parity stable=auto core=wasm seed=1 ios=1024 qd=8 ..." (params sorted by name). */
export function runKey(r: Omit<RunRecord, "key" | "counters" | "balanceOk">): string {
  const params = Object.keys(r.params).sort().map((k) => `${k}=${r.params[k]}`);
  const wp = r.wp ? [`wp=${r.wp}`] : []; // only when a choice is not the default: older journals keep their keys
  return [r.workload, r.policy, `device=${r.device}`, `stable=${r.stable}`, `core=${r.core}`, `seed=${r.seed}`, ...params, ...wp].join(" ");
}

export function runRecord(r: RunResult): RunRecord {
  const wp = wpChanges(wpOfConfig(r.config));
  const base = {
    workload: r.workload, device: r.device, policy: r.policy, stable: r.stable, core: r.core, seed: r.seed, params: r.params,
    ...(wp ? { wp } : {}),
  };
  return { key: runKey(base), ...base, counters: r.counters, balanceOk: r.balance.ok };
}

export function projectedUs(counters: Readonly<Record<string, number>>, profile: CostProfile): number {
  return project(counters, profile.costs, { cache: REPORT_CACHE }).perIoNs / 1000;
}

export interface DocParts {
  readonly command: string;
  readonly argv: readonly string[];
  readonly profile: CostProfile;
  readonly runs: readonly RunRecord[];
  readonly costCurve: CostCurve;
  readonly ipiCurve: IpiCurve;
  readonly breakEven?: BreakEvenCurve;
  readonly verdict?: string;
  readonly sweep?: SweepInfo;
}

export function resultsDoc(p: DocParts): ResultsDoc {
  const runs = p.runs.map((r) => ({ ...r, projectedUsPerIo: projectedUs(r.counters, p.profile) }));
  return {
    tool: "stable-dio",
    kind: "results",
    schemaVersion: RESULTS_SCHEMA_VERSION,
    generated: new Date().toISOString(),
    command: p.command,
    argv: p.argv,
    abi: ABI_VERSION,
    resultVersion: RESULT_VERSION,
    machine: describeMachine(),
    profile: { name: p.profile.name, label: profileLabel(p.profile), source: p.profile.source, cache: REPORT_CACHE },
    runs,
    costCurve: p.costCurve,
    ipiCurve: p.ipiCurve,
    breakEven: p.breakEven ?? null,
    verdict: p.verdict ?? null,
    sweep: p.sweep ?? null,
    summary: p.sweep ? summarise(runs) : null,
  };
}
