// The Wasm side of each benchmark: a fresh core configured through the
// ordinary ABI, the state the loop needs built with ordinary calls, then a
// runner that calls one sd_bench_* loop (assembly/bench.ts) for k operations.
import { Key, MapFlag, Op, Policy, Stable } from "../../assembly/abi.js";
import { loadWasmCoreSync, type WasmCore } from "../core/wasm.js";
import { errName } from "../host/result.js";
import { HUGE, PAGE } from "../shared/units.js";
import { BUF_VA, HUGE_VA, type BenchConfig, fillerBytes, type Runner } from "./setup.js";

function must(rc: number, what: string, core: WasmCore): number {
  if (rc < 0) throw new Error(`bench: ${what} returned -${errName(rc)} (detail ${core.errDetail()})`);
  return rc;
}

/** A core to time: the package's release build, or `file` (another build of it). */
function fresh(cfg: BenchConfig, file?: string): WasmCore {
  const core = loadWasmCoreSync({ file });
  for (const [k, v] of cfg) must(core.set(k, v), `sd_set(${k}, ${v})`, core);
  must(core.reset(), "sd_reset", core);
  const staging = new Uint8Array(core.ex.memory.buffer, core.ex.sd_staging(), core.ex.sd_staging_size());
  staging.set(fillerBytes(staging.length));
  return core;
}

/** A process with one thread on CPU 0, `len` bytes mapped at `va` and written (present, writable). */
function process(core: WasmCore, va: number, len: number, flags = MapFlag.WRITE): number {
  const pid = must(core.procCreate(0), "sd_proc_create", core);
  const tid = must(core.threadCreate(pid, 0), "sd_thread_create", core);
  must(core.map(pid, va, len, flags), "sd_map", core);
  must(core.store(tid, va, flags & MapFlag.HUGE ? 1 : len, 7), "sd_store", core);
  return tid;
}

function loop(core: WasmCore, what: string, f: (k: number) => number): (k: number) => number {
  return (k) => must(f(k), what, core);
}

export function wasmWp(cfg: BenchConfig, pages: number, pmd: boolean, file?: string): Runner {
  const core = fresh(cfg, file);
  const va = pmd ? HUGE_VA : BUF_VA;
  const tid = process(core, va, pmd ? HUGE : 512 * PAGE, MapFlag.WRITE | (pmd ? MapFlag.HUGE : 0));
  return { run: loop(core, "sd_bench_wp", (k) => core.ex.sd_bench_wp(tid, va, pmd ? 512 : pages, k)) };
}

/** A wp-cow write in flight over the pages; each operation restores and write-protects them as completion and submit do. */
export function wasmWpIo(cfg: BenchConfig, pages: number, pmd: boolean, file?: string): Runner {
  const core = fresh([...cfg, [Key.POLICY, Policy.WP_COW], [Key.STABLE, Stable.ALWAYS]], file);
  const va = pmd ? HUGE_VA : BUF_VA;
  const tid = process(core, va, pmd ? HUGE : 512 * PAGE, MapFlag.WRITE | (pmd ? MapFlag.HUGE : 0));
  const io = must(core.submit(tid, Op.WRITE, va, (pmd ? 512 : pages) * PAGE, 0, 0), "sd_submit", core);
  return {
    run: loop(core, "sd_bench_wp_io", (k) => core.ex.sd_bench_wp_io(io, k)),
    finish: () => void must(core.complete(io), "sd_complete", core),
  };
}

/** A wp-cow write in flight over the page; each operation faults on it and copies. */
export function wasmCow(cfg: BenchConfig, file?: string): Runner {
  const core = fresh([...cfg, [Key.POLICY, Policy.WP_COW], [Key.STABLE, Stable.ALWAYS]], file);
  const tid = process(core, BUF_VA, 2 * PAGE);
  const io = must(core.submit(tid, Op.WRITE, BUF_VA, PAGE, 0, 0), "sd_submit", core);
  return {
    run: loop(core, "sd_bench_cow", (k) => core.ex.sd_bench_cow(tid, BUF_VA, k)),
    finish: () => void must(core.complete(io), "sd_complete", core),
  };
}

/**
 * A cold copy walks the disk from its start on every call, so a sample of k
 * copies is cold only if what came before pushed that start out of the
 * caches: before each sample, an untimed walk over the whole disk does.
 */
export function wasmCopy(cfg: BenchConfig, bytes: number, cold: boolean, file?: string): Runner {
  const core = fresh(cfg, file);
  const span = (cfg.find(([k]) => k === Key.DISK_BLOCKS)?.[1] ?? 1024) * PAGE;
  const big = Math.min(span, 4 << 20);
  return {
    run: loop(core, "sd_bench_copy", (k) => core.ex.sd_bench_copy(bytes, k, cold ? 1 : 0)),
    ...(cold ? { prepare: () => void must(core.ex.sd_bench_copy(big, span / big, 1), "sd_bench_copy (evict)", core) } : {}),
  };
}

/** device: a Device id, or Device.COUNT for the oracle hash. */
export function wasmCsum(cfg: BenchConfig, device: number, bytes: number, file?: string): Runner {
  const core = fresh(cfg, file);
  return { run: loop(core, "sd_bench_csum", (k) => core.ex.sd_bench_csum(device, bytes, k)) };
}

export function wasmStore(cfg: BenchConfig, raw: boolean, file?: string): Runner {
  const core = fresh(cfg, file);
  const tid = process(core, BUF_VA, PAGE);
  return raw
    ? { run: loop(core, "sd_bench_memcpy", (k) => core.ex.sd_bench_memcpy(tid, BUF_VA, k)) }
    : { run: loop(core, "sd_bench_store", (k) => core.ex.sd_bench_store(tid, BUF_VA, k)) };
}

/** Whole 4 KiB direct writes (submit, DMA, complete) under the configured policy and device. */
export function wasmDio(cfg: BenchConfig, len: number, file?: string): Runner {
  const core = fresh(cfg, file);
  const tid = process(core, BUF_VA, len);
  return { run: loop(core, "sd_bench_dio", (k) => core.ex.sd_bench_dio(tid, BUF_VA, len, k)) };
}
