// The package's public entry (package.json "exports"): the Wasm core behind a
// TypeScript class, the ABI's numbers, and trace replay. The .wasm files are
// published beside it: "stable-dio/wasm", "stable-dio/wasm/debug", "stable-dio/wasi".
export { instantiate, loadWasmCore, loadWasmCoreSync, wasiPath, wasmPath, WasmCore, type CoreExports } from "./core/wasm.js";
export type { Core } from "./core/core.js";
export * from "../assembly/abi.js";
export type { OpRecord } from "./core/ops.js";
export { TRACE_VERSION, TraceError, type TraceOp } from "./trace/format.js";
export { parseTrace, readTrace, type Expected, type ParsedTrace, type TraceLine, type TraceVisitor } from "./trace/read.js";
export { replayTrace, type Mismatch, type Replay } from "./trace/replay.js";
