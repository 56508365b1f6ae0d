// The fio options stable-dio reads (with fio's spelling of values: "4k" is
// 4096 with the default kb_base=1024, "4ki" is 4000), its own sd_* options
// for what fio cannot say (the in-flight modification behaviour, process
// flags, the device), and the fio options that do not matter here: those are
// accepted and reported once as ignored. The rest of fio's options are
// accepted too and reported once as "not modelled" (the job runs without
// them); a name fio does not have is an error, as in fio.
import { didYouMean } from "../shared/suggest.js";
import { SourceError } from "../workloads/json-source.js";
import { FIO_OPTION_NAMES } from "./fio-options.js";
import type { FioJob, FioOption } from "./parse.js";

/** fio's alternative names. */
const ALIASES: Readonly<Record<string, string>> = {
  readwrite: "rw", blocksize: "bs", blocksize_range: "bsrange", iomem: "mem", iomem_align: "mem_align", io_limit: "io_size",
};

/** The options that change what stable-dio runs (docs/fio.md). */
export const SUPPORTED: readonly string[] = [
  "name", "rw", "readwrite", "rwmixread", "rwmixwrite", "bs", "blocksize", "bsrange", "blocksize_range", "bssplit",
  "size", "io_size", "io_limit", "number_ios", "iodepth", "numjobs", "direct", "buffered", "offset", "loops", "nrfiles",
  "thread", "mem", "iomem", "mem_align", "iomem_align", "kb_base", "stonewall", "wait_for_previous", "wait_for",
  "sd_device", "sd_flags", "sd_promise", "sd_modify", "sd_modify_when", "sd_modify_bytes", "sd_modify_max", "sd_modify_by",
  "sd_wp_restore", "sd_wp_batch", "sd_wp_walk",
  "sd_written", "sd_buffers_of", "sd_ring",
];

/** fio options that do not change the model's answer: accepted, listed once as ignored. */
export const IGNORED: readonly string[] = [
  // engines, files, naming
  "ioengine", "filename", "directory", "filename_format", "unique_filename", "description", "opendir", "lockfile",
  "file_service_type", "openfiles", "create_serialize", "create_fsync", "create_on_open", "create_only",
  "allow_file_create", "allow_mounted_write", "pre_read", "unlink", "unlink_each_loop", "overwrite", "fallocate",
  "fadvise_hint", "write_hint", "invalidate", "ioscheduler", "filesize", "file_append", "fill_device", "fill_fs",
  // time, reporting, logging
  "runtime", "time_based", "ramp_time", "startdelay", "clocksource", "gtod_reduce", "gtod_cpu", "group_reporting",
  "new_group", "exitall", "exitall_on_error", "stats", "unified_rw_reporting",
  "write_bw_log", "write_lat_log", "write_iops_log", "write_hist_log", "log_avg_msec", "log_hist_msec",
  "log_max_value", "log_offset", "log_compression", "per_job_logs", "disable_lat", "disable_clat", "disable_slat",
  "disable_bw_measurement", "clat_percentiles", "lat_percentiles", "slat_percentiles", "percentile_list",
  "significant_figures", "unit_base",
  // randomness: the seed comes from --seed
  "randrepeat", "allrandrepeat", "randseed", "norandommap", "softrandommap", "random_generator",
  // how an offset modifier (rw=randwrite:8) makes offsets: the modifier itself is ignored (src/fio/rw.ts)
  "rw_sequencer",
  // syncing, verification, buffer contents
  "fsync", "fdatasync", "end_fsync", "fsync_on_close", "sync", "write_barrier", "sync_file_range",
  "verify", "do_verify", "verify_fatal", "verify_backlog", "verify_interval", "verify_pattern", "verify_offset",
  "verify_async", "verify_only", "zero_buffers", "refill_buffers", "scramble_buffers", "buffer_compress_percentage",
  "buffer_compress_chunk", "buffer_pattern", "dedupe_percentage", "continue_on_error", "ignore_error",
  // queueing details, rates, CPUs and priorities
  "iodepth_batch", "iodepth_batch_submit", "iodepth_batch_complete", "iodepth_batch_complete_min",
  "iodepth_batch_complete_max", "iodepth_low", "io_submit_mode", "rate", "rate_iops", "rate_min", "rate_iops_min",
  "rate_process", "thinktime", "thinktime_blocks", "thinktime_spin", "cpus_allowed", "cpus_allowed_policy", "cpumask",
  "numa_cpu_nodes", "numa_mem_policy", "nice", "prio", "prioclass", "hugepage-size", "lockmem",
  // io_uring and libaio engine options
  "hipri", "fixedbufs", "registerfiles", "sqthread_poll", "sqthread_poll_cpu", "nonvectored", "uncached", "nowait",
  "userspace_reap",
];

/** One job's options, last one wins, with their lines: typed getters that name file and line on a bad value. */
export class JobOptions {
  private readonly byName = new Map<string, FioOption>();
  /** Options that were set, in order of appearance (canonical names). */
  readonly order: FioOption[] = [];
  private readonly kbBase: number;

  /**
   * `ignored` and `notModelled` collect, over the file, the first line of each
   * option that does not matter here and of each fio option stable-dio does not model.
   */
  constructor(readonly file: string, readonly job: FioJob, ignored: Map<string, number>, notModelled: Map<string, number>) {
    for (const o of job.options) {
      const name = ALIASES[o.name] ?? o.name;
      if (IGNORED.includes(o.name)) {
        if (!ignored.has(o.name)) ignored.set(o.name, o.line);
        continue;
      }
      if (!SUPPORTED.includes(o.name) && FIO_OPTION_NAMES.has(o.name)) {
        if (!notModelled.has(o.name)) notModelled.set(o.name, o.line);
        continue;
      }
      if (!SUPPORTED.includes(o.name)) {
        throw new SourceError(file, o.line,
          `unknown option '${o.name}': fio has no such option${didYouMean(o.name, [...SUPPORTED, ...FIO_OPTION_NAMES])}; docs/fio.md lists what stable-dio reads`);
      }
      const canon = { ...o, name };
      this.byName.set(name, canon);
      this.order.push(canon);
    }
    this.kbBase = this.choice("kb_base", ["1024", "1000"], "1024") === "1000" ? 1000 : 1024;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The line an option was set on (the job's header if it was not). */
  line(name: string): number {
    return this.byName.get(name)?.line ?? this.job.line;
  }

  fail(name: string, problem: string): never {
    const o = this.byName.get(name);
    throw new SourceError(this.file, this.line(name), o ? `${o.name}=${o.value ?? ""}: ${problem}` : problem);
  }

  text(name: string): string | undefined {
    const o = this.byName.get(name);
    if (o && o.value === undefined) this.fail(name, "needs a value");
    return o?.value;
  }

  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.text(name);
    if (v === undefined) return fallback;
    if (!allowed.includes(v as T)) this.fail(name, `allowed: ${allowed.join(", ")}`);
    return v as T;
  }

  /** fio bool: 0/1 (also true/false); a bare `thread` means 1. */
  bool(name: string, fallback: boolean): boolean {
    const o = this.byName.get(name);
    if (!o) return fallback;
    if (o.value === undefined) return true;
    const v = o.value.toLowerCase();
    if (v === "1" || v === "true") return true;
    if (v === "0" || v === "false") return false;
    return this.fail(name, "expected 0 or 1");
  }

  int(name: string, min: number, max: number, fallback: number): number {
    const v = this.text(name);
    if (v === undefined) return fallback;
    const n = this.number(name, v);
    if (n < min || n > max) this.fail(name, `out of range (${min}..${max})`);
    return n;
  }

  /** A byte count with fio's suffixes. */
  bytes(name: string, fallback: number, v = this.text(name)): number {
    if (v === undefined || v === "") return fallback;
    if (v.endsWith("%")) this.fail(name, "percentages need a real file or device size; give bytes (e.g. 64m)");
    return this.number(name, v);
  }

  fraction(name: string, fallback: number): number {
    const v = this.text(name);
    if (v === undefined) return fallback;
    const n = /^[0-9]*\.?[0-9]+$/.test(v) ? Number(v) : NaN;
    if (!(n >= 0 && n <= 1)) this.fail(name, "expected a fraction from 0 to 1 (e.g. 0.05)");
    return n;
  }

  /** The per-direction values of bs/bsrange ("read,write,trim"); fio: a value not ending in a comma carries on. */
  perDirection(name: string): { readonly read?: string; readonly write?: string } | undefined {
    const v = this.text(name);
    if (v === undefined) return undefined;
    const parts = v.split(/[,/]/).map((s) => s.trim());
    return { read: parts[0] || undefined, write: parts.length > 1 ? parts[1] || undefined : parts[0] || undefined };
  }

  /** fio's integer: decimal or 0x hex, a unit prefix (k m g t p; with i the other base), an optional b. */
  private number(name: string, v: string): number {
    const m = /^(0x[0-9a-f]+|[0-9]+)\s*([kmgtp]?)(i?)(b?)$/i.exec(v);
    if (!m) return this.fail(name, "expected a whole number, with an optional k/m/g suffix");
    const power = " kmgtp".indexOf(m[2].toLowerCase() || " ");
    const si = (m[3] !== "") === (this.kbBase === 1024); // kb_base=1024: "k" is 1024 and "ki" 1000
    const n = Number(m[1]) * (si ? 1000 : 1024) ** power;
    if (!Number.isSafeInteger(n)) this.fail(name, "too large");
    return n;
  }
}
