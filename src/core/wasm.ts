// The Wasm core behind the Core interface. Loads build/release.wasm (or the
// debug build), supplies its one import (abort), and copies bytes through the
// staging area. Views of memory.buffer are re-derived on every use: calls
// that allocate may grow memory and detach them.
import { existsSync, readFileSync } from "node:fs";
import { Err } from "../../assembly/abi.js";
import type { Core } from "./core.js";
import { packageFile } from "./paths.js";

/** The raw exports, as docs/abi.md lists them. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  sd_abi_version(): number;
  sd_set(key: number, value: number): number;
  sd_get(key: number): number;
  sd_reset(): number;
  sd_proc_create(flags: number): number;
  sd_proc_flags(pid: number): number;
  sd_thread_create(pid: number, cpu: number): number;
  sd_thread_pid(tid: number): number;
  sd_thread_state(tid: number, state: number): number;
  sd_map(pid: number, va: number, len: number, flags: number): number;
  sd_map_alias(pid: number, va: number, len: number, srcPid: number, srcVa: number): number;
  sd_ring(pid: number, va: number, len: number, kind: number): number;
  sd_unmap(tid: number, va: number, len: number): number;
  sd_store(tid: number, va: number, len: number, byte: number): number;
  sd_write(tid: number, va: number, len: number, src: number): number;
  sd_load(tid: number, va: number, len: number, dst: number): number;
  sd_submit(tid: number, op: number, va: number, len: number, sector: number, flags: number): number;
  sd_dma(io: number): number;
  sd_complete(io: number): number;
  sd_complete_more(io: number): number;
  sd_io_state(io: number): number;
  sd_fork(tid: number, cpu: number): number;
  sd_exit(pid: number): number;
  sd_scrub(): number;
  sd_check(): number;
  sd_counter(i: number): number;
  sd_frame_stats(kind: number): number;
  sd_warn_count(): number;
  sd_warn_field(i: number, field: number): number;
  sd_err_detail(): number;
  sd_staging(): number;
  sd_staging_size(): number;
  sd_disk_read(sector: number, count: number, dst: number): number;
  sd_parity_read(stripe: number, dst: number): number;
  sd_disk_meta(kind: number, index: number): number;
  sd_disk_unwritten(block: number, count: number): number;
  // Benchmark loops (assembly/bench.ts): `iters` operations inside Wasm, an
  // accumulator back, or -Err.
  sd_bench_wp(tid: number, va: number, npages: number, iters: number): number;
  sd_bench_wp_io(io: number, iters: number): number;
  sd_bench_cow(tid: number, va: number, iters: number): number;
  sd_bench_copy(bytes: number, iters: number, cold: number): number;
  sd_bench_csum(device: number, bytes: number, iters: number): number;
  sd_bench_store(tid: number, va: number, iters: number): number;
  sd_bench_memcpy(tid: number, va: number, iters: number): number;
  sd_bench_dio(tid: number, va: number, len: number, iters: number): number;
}

/** Path of the compiled module. */
export function wasmPath(debug = false): string {
  return packageFile("build", debug ? "debug.wasm" : "release.wasm");
}

/** Path of the WASI command: replays a trace read on stdin or from a file (docs/trace.md). */
export function wasiPath(): string {
  return packageFile("build", "wasi.wasm");
}

const modules = new Map<string, WebAssembly.Module>();

function compiled(path: string): WebAssembly.Module {
  let m = modules.get(path);
  if (!m) {
    if (!existsSync(path)) throw new Error(`stable-dio: ${path} is missing; run \`npm run build\` first`);
    m = new WebAssembly.Module(readFileSync(path));
    modules.set(path, m);
  }
  return m;
}

/** Reads an AssemblyScript string (UTF-16, byte length in the header) from memory. */
function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return "";
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
}

/** Instantiates a fresh core (already reset with the default configuration). */
export function instantiate(module: WebAssembly.Module): CoreExports {
  let memory: WebAssembly.Memory | undefined;
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(msg: number, file: number, line: number, col: number): never {
        const where = memory ? `${readString(memory, file)}:${line}:${col}` : `${line}:${col}`;
        throw new Error(`stable-dio core: internal error: ${memory ? readString(memory, msg) : msg} (${where})`);
      },
    },
  });
  const ex = instance.exports as unknown as CoreExports;
  memory = ex.memory;
  return ex;
}

export class WasmCore implements Core {
  readonly kind = "wasm";
  readonly ex: CoreExports;

  constructor(ex: CoreExports) {
    this.ex = ex;
  }

  private staging(len: number, offset = 0): Uint8Array {
    return new Uint8Array(this.ex.memory.buffer, this.ex.sd_staging() + offset, len);
  }

  set(key: number, value: number): number { return this.ex.sd_set(key, value >>> 0); }
  get(key: number): number { return this.ex.sd_get(key); }
  reset(): number { return this.ex.sd_reset(); }
  procCreate(flags: number): number { return this.ex.sd_proc_create(flags); }
  procFlags(pid: number): number { return this.ex.sd_proc_flags(pid); }
  threadCreate(pid: number, cpu: number): number { return this.ex.sd_thread_create(pid, cpu); }
  threadPid(tid: number): number { return this.ex.sd_thread_pid(tid); }
  threadState(tid: number, state: number): number { return this.ex.sd_thread_state(tid, state); }
  map(pid: number, va: number, len: number, flags: number): number { return this.ex.sd_map(pid, va, len, flags); }
  mapAlias(pid: number, va: number, len: number, srcPid: number, srcVa: number): number {
    return this.ex.sd_map_alias(pid, va, len, srcPid, srcVa);
  }
  ring(pid: number, va: number, len: number, kind: number): number { return this.ex.sd_ring(pid, va, len, kind); }
  unmap(tid: number, va: number, len: number): number { return this.ex.sd_unmap(tid, va, len); }
  store(tid: number, va: number, len: number, byte: number): number { return this.ex.sd_store(tid, va, len, byte); }

  write(tid: number, va: number, bytes: Uint8Array): number {
    if (bytes.length > this.ex.sd_staging_size()) return -Err.INVAL;
    this.staging(bytes.length).set(bytes);
    return this.ex.sd_write(tid, va, bytes.length, 0);
  }

  load(tid: number, va: number, len: number): Uint8Array | number {
    const n = len >>> 0; // the ABI's u32, as the core reads it
    const r = this.ex.sd_load(tid, va, n, 0);
    return r < 0 ? r : this.staging(n).slice();
  }

  submit(tid: number, op: number, va: number, len: number, sector: number, flags: number): number {
    return this.ex.sd_submit(tid, op, va, len, sector, flags);
  }
  dma(io: number): number { return this.ex.sd_dma(io); }
  complete(io: number, more = false): number { return more ? this.ex.sd_complete_more(io) : this.ex.sd_complete(io); }
  ioState(io: number): number { return this.ex.sd_io_state(io); }
  fork(tid: number, cpu: number): number { return this.ex.sd_fork(tid, cpu); }
  exit(pid: number): number { return this.ex.sd_exit(pid); }
  scrub(): number { return this.ex.sd_scrub(); }
  check(): number { return this.ex.sd_check(); }
  counter(index: number): number { return this.ex.sd_counter(index); }
  frameStats(kind: number): number { return this.ex.sd_frame_stats(kind); }
  warnCount(): number { return this.ex.sd_warn_count(); }
  warnField(index: number, field: number): number { return this.ex.sd_warn_field(index, field); }
  errDetail(): number { return this.ex.sd_err_detail(); }

  diskRead(sector: number, count: number): Uint8Array | number {
    const n = count >>> 0;
    const r = this.ex.sd_disk_read(sector, n, 0);
    return r < 0 ? r : this.staging(n * 512).slice();
  }

  parityRead(stripe: number): Uint8Array | number {
    const r = this.ex.sd_parity_read(stripe, 0);
    return r < 0 ? r : this.staging(4096).slice();
  }

  diskMeta(kind: number, index: number): number { return this.ex.sd_disk_meta(kind, index); }
  diskUnwritten(block: number, count: number): number { return this.ex.sd_disk_unwritten(block, count); }
}

/**
 * A fresh Wasm core, synchronously (each module is compiled once per
 * process): the package's release build, its debug build, or `file` (another
 * build of the core, e.g. an older one to time against).
 */
export function loadWasmCoreSync(opts: { debug?: boolean; file?: string } = {}): WasmCore {
  return new WasmCore(instantiate(compiled(opts.file ?? wasmPath(opts.debug ?? false))));
}

export async function loadWasmCore(opts: { debug?: boolean; file?: string } = {}): Promise<WasmCore> {
  return loadWasmCoreSync(opts);
}
