// One ABI fuzz case: build the fuzz world, then make random calls to the raw
// exports with edge arguments. After every call: it did not throw (no
// RuntimeError, no internal-error abort), its result is a value or a known
// -Err, sd_check is 0, and a call that failed changed nothing observable
// (except a store, write or load that failed part way). Where the reference
// model has the same call, it must return the same result and detail and
// leave the same counters and frame states, until a call it cannot follow.
import fc from "fast-check";
import { Counter, FrameKind, IoFlag } from "../../../assembly/abi.js";
import { WasmCore, type CoreExports } from "../../../src/core/wasm.js";
import { RefCore } from "../../../src/model/index.js";
import { argArb } from "./args.js";
import { EXPORTS, type ExportSpec } from "./exports.js";
import { abiState, callExport, isCleanResult, rawCore, stateDiff, type AbiState, type Build } from "./raw.js";
import { buildWorld, type FuzzConfig } from "./world.js";

export interface Call {
  spec: ExportSpec;
  args: number[];
}

const show = (c: Call) => `${c.spec.name}(${c.args.map((a) => (Number.isInteger(a) && Math.abs(a) > 4096 ? `0x${(a >>> 0).toString(16)}` : String(a))).join(", ")})`;

/** A call to one of `specs` with arguments drawn for each argument's kind. */
export function callArb(specs: readonly ExportSpec[]): fc.Arbitrary<Call> {
  return fc.oneof(
    ...specs.map((spec) =>
      fc.tuple(...spec.args.map(argArb)).map((args): Call => Object.assign({ spec, args }, { [fc.toStringMethod]: () => show({ spec, args }) })),
    ),
  );
}

/** What the random calls draw from: sd_reset is left to the reset tests (it may lay out a 1 GiB disk). */
export const RANDOM_CALLS = EXPORTS.filter((s) => s.name !== "sd_reset");
export const CORE_CALLS = RANDOM_CALLS.filter((s) => !s.bench);

const instances = new Map<Build, CoreExports>();

function instance(build: Build): CoreExports {
  let ex = instances.get(build);
  if (!ex) instances.set(build, (ex = rawCore(build)));
  return ex;
}

function fail(log: string[], what: string): never {
  throw new Error(`${what}\n  calls after the world was built:\n    ${log.join("\n    ")}`);
}

/** Optional tally of results by export ("sd_map ok", "sd_map -7"), for looking at what a fuzz run reached. */
export type Tally = Map<string, number>;

export function fuzzCase(build: Build, cfg: FuzzConfig, calls: readonly Call[], withModel: boolean, tally?: Tally): void {
  const ex = instance(build);
  const ref = new RefCore();
  buildWorld([new WasmCore(ex), ref], cfg);
  const staging = () => new Uint8Array(ex.memory.buffer, ex.sd_staging(), ex.sd_staging_size());
  const log: string[] = [];
  let follow = withModel;
  let before = abiState(ex);
  // A submission call or reap left open (IoFlag.MORE, sd_complete_more) ends at the next call that changes
  // state, before it does anything, its held-back shootdown with it: that call may fail having changed it.
  let open = false;
  for (const call of calls) {
    const { spec, args } = call;
    let r: number;
    try {
      r = callExport(ex, spec.name, args);
    } catch (e) {
      instances.delete(build); // an instance that trapped is not reused
      fail(log, `${show(call)} threw: ${String(e)}`);
    }
    const detail = ex.sd_err_detail(); // before abiState, whose failing lookups set it
    if (tally) {
      const key = `${spec.name} ${r < 0 ? r : "ok"}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    log.push(`${show(call)} -> ${r}${r < 0 ? ` (detail ${detail})` : ""}`);
    if (!spec.free && !isCleanResult(r)) fail(log, `${show(call)} returned ${r}: neither a value nor -Err`);
    const after = abiState(ex);
    if (r < 0 && spec.mutates && !spec.partial && !spec.bench && !open) {
      const d = stateDiff(before, after);
      if (d) fail(log, `${show(call)} failed with ${r} but changed the state: ${d}`);
    }
    if (spec.mutates) open &&= r < 0;
    if (spec.name === "sd_complete_more" || (spec.name === "sd_submit" && args[5] & IoFlag.MORE)) open = true;
    const inv = ex.sd_check();
    if (inv !== 0) fail(log, `sd_check returned ${inv} after ${show(call)}`);
    if (follow) follow = compareWithModel(ref, call, r, detail, after, staging, log);
    before = after;
  }
}

/** False once the model can no longer follow (a call it has no counterpart for changed the state). */
function compareWithModel(ref: RefCore, call: Call, r: number, detail: number, after: AbiState, staging: () => Uint8Array, log: string[]): boolean {
  const m = call.spec.model?.(ref, call.args, staging);
  if (m === undefined) return r < 0 || !call.spec.mutates;
  const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (!same(r, m)) fail(log, `${show(call)}: wasm ${r}, model ${m}`);
  if (r < 0 && !same(detail, ref.errDetail())) fail(log, `${show(call)}: detail wasm ${detail}, model ${ref.errDetail()}`);
  for (let i = 0; i < Counter.COUNT; i++) {
    if (after.counters[i] !== ref.counter(i)) fail(log, `${show(call)}: counter ${Counter[i]} wasm ${after.counters[i]}, model ${ref.counter(i)}`);
  }
  for (let k = 0; k < FrameKind.COUNT; k++) {
    if (k !== FrameKind.TOTAL && after.frames[k] !== ref.frameStats(k)) fail(log, `${show(call)}: frames ${FrameKind[k]} wasm ${after.frames[k]}, model ${ref.frameStats(k)}`);
  }
  return true;
}
