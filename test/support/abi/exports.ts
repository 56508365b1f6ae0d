// Every sd_* export of the Wasm module, described for the ABI fuzzer: the
// kind of each argument (so the fuzzer draws edge values that mean something
// for it), whether a call changes state, and, for the calls the reference
// model also has, how to make the same call there (undefined: not comparable).
import { Key } from "../../../assembly/abi.js";
import type { RefCore } from "../../../src/model/index.js";

/** What an argument is: the fuzzer draws edge values for each kind. */
export type ArgKind =
  | "id" | "key" | "value" | "flags" | "op" | "ioflags" | "cpu" | "va" | "pageva" | "len" | "pagelen" | "byte" | "sector" | "offset" | "index" | "iters" | "state";

export interface ExportSpec {
  readonly name: string;
  readonly args: readonly ArgKind[];
  /** Changes state when it succeeds; when it fails it must change nothing. */
  readonly mutates: boolean;
  /** May fail part way and keep what it did (a store, write or load: docs/model.md 6.5). */
  readonly partial?: boolean;
  /** Returns a value that is not a count or -Err (a pointer, the detail). */
  readonly free?: boolean;
  /** A benchmark loop: no model counterpart, bytes and counters move by design. */
  readonly bench?: boolean;
  /** The same call on the reference model, or undefined where it cannot be compared. */
  readonly model?: (c: RefCore, a: readonly number[], staging: () => Uint8Array) => number | undefined;
}

const bytesOrErr = (r: Uint8Array | number): number => (typeof r === "number" ? r : 0);
const STAGING = 4 << 20;
/** Does [offset, offset + n) fit the staging area, as the core reads the u32s? */
const fits = (offset: number, n: number): boolean => (offset >>> 0) + (n >>> 0) <= STAGING;

export const EXPORTS: readonly ExportSpec[] = [
  { name: "sd_abi_version", args: [], mutates: false, free: true },
  // POLICY and STABLE apply at once; other keys at the next reset, which the fuzzer never calls.
  { name: "sd_set", args: ["key", "value"], mutates: true, model: (c, [k, v]) => c.set(k, v) },
  { name: "sd_reset", args: [], mutates: true, model: (c) => c.reset() },
  { name: "sd_get", args: ["key"], mutates: false, model: (c, [k]) => c.get(k) },
  { name: "sd_proc_create", args: ["flags"], mutates: true, model: (c, [f]) => c.procCreate(f) },
  { name: "sd_proc_flags", args: ["id"], mutates: false, model: (c, [p]) => c.procFlags(p) },
  { name: "sd_thread_create", args: ["id", "cpu"], mutates: true, model: (c, [p, cpu]) => c.threadCreate(p, cpu) },
  { name: "sd_thread_pid", args: ["id"], mutates: false, model: (c, [t]) => c.threadPid(t) },
  { name: "sd_thread_state", args: ["id", "state"], mutates: true, model: (c, [t, s]) => c.threadState(t, s) },
  { name: "sd_map", args: ["id", "pageva", "pagelen", "flags"], mutates: true, model: (c, [p, va, len, f]) => c.map(p, va, len, f) },
  {
    name: "sd_map_alias", args: ["id", "pageva", "pagelen", "id", "pageva"], mutates: true,
    model: (c, [p, va, len, sp, sva]) => c.mapAlias(p, va, len, sp, sva),
  },
  { name: "sd_ring", args: ["id", "pageva", "pagelen", "index"], mutates: true, model: (c, [p, va, len, k]) => c.ring(p, va, len, k) },
  { name: "sd_unmap", args: ["id", "pageva", "pagelen"], mutates: true, model: (c, [t, va, len]) => c.unmap(t, va, len) },
  { name: "sd_store", args: ["id", "va", "len", "byte"], mutates: true, partial: true, model: (c, [t, va, len, b]) => c.store(t, va, len, b) },
  {
    name: "sd_write", args: ["id", "va", "len", "offset"], mutates: true, partial: true,
    // The model takes the bytes themselves; beyond the staging area only the core can say INVAL.
    model: (c, [t, va, len, src], staging) => (fits(src, len) ? c.write(t, va, staging().slice(src >>> 0, (src >>> 0) + (len >>> 0))) : undefined),
  },
  {
    name: "sd_load", args: ["id", "va", "len", "offset"], mutates: true, partial: true,
    model: (c, [t, va, len, dst]) => (fits(dst, len) ? bytesOrErr(c.load(t, va, len)) : undefined),
  },
  {
    name: "sd_submit", args: ["id", "op", "va", "len", "sector", "ioflags"], mutates: true,
    model: (c, [t, op, va, len, s, f]) => c.submit(t, op, va, len, s, f),
  },
  { name: "sd_dma", args: ["id"], mutates: true, model: (c, [io]) => c.dma(io) },
  { name: "sd_complete", args: ["id"], mutates: true, model: (c, [io]) => c.complete(io) },
  { name: "sd_complete_more", args: ["id"], mutates: true, model: (c, [io]) => c.complete(io, true) },
  { name: "sd_io_state", args: ["id"], mutates: false, model: (c, [io]) => c.ioState(io) },
  { name: "sd_fork", args: ["id", "cpu"], mutates: true, model: (c, [t, cpu]) => c.fork(t, cpu) },
  { name: "sd_exit", args: ["id"], mutates: true, model: (c, [p]) => c.exit(p) },
  { name: "sd_scrub", args: [], mutates: true, model: (c) => c.scrub() },
  { name: "sd_check", args: [], mutates: false, model: (c) => c.check() },
  { name: "sd_counter", args: ["index"], mutates: false, model: (c, [i]) => c.counter(i) },
  { name: "sd_frame_stats", args: ["index"], mutates: false, model: (c, [k]) => c.frameStats(k) },
  { name: "sd_warn_count", args: [], mutates: false, model: (c) => c.warnCount() },
  { name: "sd_warn_field", args: ["index", "index"], mutates: false, model: (c, [i, f]) => c.warnField(i, f) },
  { name: "sd_err_detail", args: [], mutates: false, free: true },
  { name: "sd_staging", args: [], mutates: false, free: true },
  { name: "sd_staging_size", args: [], mutates: false, free: true },
  { name: "sd_disk_read", args: ["sector", "len", "offset"], mutates: false, model: (c, [s, n, dst]) => (fits(dst, (n >>> 0) * 512) ? bytesOrErr(c.diskRead(s, n)) : undefined) },
  { name: "sd_parity_read", args: ["index", "offset"], mutates: false, model: (c, [s, dst]) => (fits(dst, 4096) ? bytesOrErr(c.parityRead(s)) : undefined) },
  { name: "sd_disk_meta", args: ["index", "sector"], mutates: false, model: (c, [k, i]) => c.diskMeta(k, i) },
  { name: "sd_disk_unwritten", args: ["index", "index"], mutates: true, model: (c, [b, n]) => c.diskUnwritten(b, n) },
  { name: "sd_bench_wp", args: ["id", "pageva", "index", "iters"], mutates: true, bench: true },
  { name: "sd_bench_wp_io", args: ["id", "iters"], mutates: true, bench: true },
  { name: "sd_bench_cow", args: ["id", "pageva", "iters"], mutates: true, bench: true },
  { name: "sd_bench_copy", args: ["pagelen", "iters", "op"], mutates: true, bench: true },
  { name: "sd_bench_csum", args: ["flags", "pagelen", "iters"], mutates: true, bench: true },
  { name: "sd_bench_store", args: ["id", "va", "iters"], mutates: true, bench: true },
  { name: "sd_bench_memcpy", args: ["id", "pageva", "iters"], mutates: true, bench: true },
  { name: "sd_bench_dio", args: ["id", "va", "len", "iters"], mutates: true, bench: true },
];

/** Keys whose sd_set takes effect at once (docs/model.md 6.0). */
export const RUNTIME_KEYS: readonly number[] = [Key.POLICY, Key.STABLE];
