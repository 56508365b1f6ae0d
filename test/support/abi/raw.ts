// Raw instances of build/release.wasm and build/debug.wasm for the ABI
// tests, and what "the state did not change" means at the ABI: counters,
// frame states, process flags, thread owners, I/O states and the warning log.
import { readFileSync } from "node:fs";
import { Counter, Err, FrameKind, IoState } from "../../../assembly/abi.js";
import { instantiate, wasmPath, type CoreExports } from "../../../src/core/wasm.js";

export type Build = "release" | "debug";
export const BUILDS: readonly Build[] = ["release", "debug"];

const modules = new Map<Build, WebAssembly.Module>();

export function wasmModule(build: Build): WebAssembly.Module {
  let m = modules.get(build);
  if (!m) {
    m = new WebAssembly.Module(readFileSync(wasmPath(build === "debug")));
    modules.set(build, m);
  }
  return m;
}

/** A fresh instance (reset with the defaults, as instantiation does). */
export function rawCore(build: Build): CoreExports {
  return instantiate(wasmModule(build));
}

/** Calls export `name` with `args`; the export table is untyped on purpose here. */
export function callExport(ex: CoreExports, name: string, args: readonly number[]): number {
  const f = (ex as unknown as Record<string, (...a: number[]) => number>)[name];
  return f(...args);
}

export interface AbiState {
  counters: number[];
  frames: number[];
  procFlags: number[];
  threadPids: number[];
  ioStates: number[];
  warnings: number[];
}

/** Everything observable about the core's state through the ABI (not the disk bytes). */
export function abiState(ex: CoreExports): AbiState {
  const counters: number[] = [];
  for (let i = 0; i < Counter.COUNT; i++) counters.push(ex.sd_counter(i));
  const frames: number[] = [];
  for (let k = 0; k < FrameKind.COUNT; k++) frames.push(ex.sd_frame_stats(k));
  // Each list ends with the first id the core does not know (or at a bound, before a reset).
  const until = (get: (id: number) => number, end: number): number[] => {
    const out: number[] = [];
    for (let id = 1; id <= 1 << 16; id++) {
      out.push(get(id));
      if (out[id - 1] === end || out[id - 1] === -Err.NOT_READY) break;
    }
    return out;
  };
  const procFlags = until((pid) => ex.sd_proc_flags(pid), -Err.NO_PROC);
  const threadPids = until((tid) => ex.sd_thread_pid(tid), -Err.NO_THREAD);
  const ioStates = until((io) => ex.sd_io_state(io), IoState.UNKNOWN);
  const warnings: number[] = [];
  for (let i = 0; i < ex.sd_warn_count(); i++) for (let f = 0; f < 4; f++) warnings.push(ex.sd_warn_field(i, f));
  return { counters, frames, procFlags, threadPids, ioStates, warnings };
}

/** The first field that differs, or undefined. */
export function stateDiff(a: AbiState, b: AbiState): string | undefined {
  for (const k of Object.keys(a) as Array<keyof AbiState>) {
    const x = a[k], y = b[k];
    if (x.length !== y.length) return `${k}: ${x.length} entries, then ${y.length}`;
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== y[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) {
        return `${k}[${i}]${k === "counters" ? ` (${Counter[i]})` : k === "frames" ? ` (${FrameKind[i]})` : ""}: ${x[i]} -> ${y[i]}`;
      }
    }
  }
  return undefined;
}

/** A result that is a count, id or value (>= 0), or -Err with a known Err. */
export function isCleanResult(r: number): boolean {
  if (!Number.isFinite(r)) return false;
  if (r >= 0) return true;
  return Number.isInteger(r) && -r >= 1 && -r < Err.COUNT;
}
