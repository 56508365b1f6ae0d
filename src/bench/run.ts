// Runs the benchmarks: each case on the Wasm core, then the same on the
// reference model, through the sampler.
import { describeMachine, type MachineInfo } from "../shared/machine.js";
import { wasmPath } from "../core/wasm.js";
import type { BenchCase } from "./cases.js";
import { sampleEach, type SampleOptions, type Timing } from "./sampler.js";
import type { Runner } from "./setup.js";
import { checkTargets, type TargetResult } from "./targets.js";

export interface BenchResult {
  readonly id: string;
  readonly group: string;
  readonly label: string;
  readonly bytes?: number;
  readonly wasm: Timing;
  /** --against: the same operation on the other build, timed alternately with `wasm`. */
  readonly against?: Timing;
  readonly model?: Timing;
  /** model median / Wasm median: how many times faster the Wasm core is. */
  readonly ratio?: number;
}

export interface BenchReport {
  readonly tool: "stable-dio";
  readonly kind: "bench";
  readonly date: string;
  readonly machine: MachineInfo;
  readonly wasm: string;
  /** --against: the other build of the core every operation was also timed on. */
  readonly against?: string;
  readonly options: SampleOptions;
  readonly note: string;
  readonly results: readonly BenchResult[];
  readonly targets: readonly TargetResult[];
  /** Sum of every accumulator returned: proof the work happened. */
  readonly acc: number;
}

export const BENCH_NOTE =
  "Measured: nanoseconds per operation, the median and 99th percentile over samples, each a loop of the operation " +
  "inside Wasm (the reference model: a JavaScript loop). Direct writes need stable pages on every I/O (--stable always) " +
  "and run without the tests' corruption oracle; the device's DMA-time check runs unless the operation says otherwise.";

function timeRunner(make: () => Runner, o: SampleOptions): Timing {
  return timeRunners([make], o)[0];
}

/** Several runners of one operation, timed alternately (sampleEach). */
function timeRunners(makes: ReadonlyArray<() => Runner>, o: SampleOptions): Timing[] {
  const rs: Runner[] = [];
  try {
    for (const make of makes) rs.push(make());
    return sampleEach(rs.map((r) => ({ run: (k: number) => r.run(k), prepare: r.prepare ? () => r.prepare!() : undefined })), o);
  } finally {
    for (const r of rs) r.finish?.();
  }
}

/**
 * `wasmFile`: time that build of the core instead of the package's
 * release.wasm; `against`: time another build too, alternately with it.
 */
export function runBench(
  cases: readonly BenchCase[], o: SampleOptions, withModel: boolean, progress?: (line: string) => void,
  wasmFile?: string, against?: string,
): BenchReport {
  const results: BenchResult[] = [];
  let acc = 0;
  cases.forEach((c, i) => {
    progress?.(`[${i + 1}/${cases.length}] ${c.id}`);
    const [wasm, other] = against
      ? timeRunners([() => c.wasm(wasmFile), () => c.wasm(against)], o)
      : [timeRunner(() => c.wasm(wasmFile), o), undefined];
    const model = withModel ? timeRunner(c.model, o) : undefined;
    acc += wasm.acc + (other?.acc ?? 0) + (model?.acc ?? 0);
    results.push({
      id: c.id, group: c.group, label: c.label, ...(c.bytes ? { bytes: c.bytes } : {}),
      wasm, ...(other ? { against: other } : {}), ...(model ? { model, ratio: model.medianNs / wasm.medianNs } : {}),
    });
  });
  return {
    tool: "stable-dio",
    kind: "bench",
    date: new Date().toISOString(),
    machine: describeMachine(),
    wasm: wasmFile ?? wasmPath(),
    ...(against ? { against } : {}),
    options: o,
    note: BENCH_NOTE,
    results,
    targets: checkTargets(results),
    acc,
  };
}
