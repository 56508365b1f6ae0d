// A fio job file as a stable-dio workload: every job section becomes numjobs
// clones (processes, or threads of one process with `thread`), each on its own
// CPU and with its own file (disk region), running at once as fio runs them
// (a job with stonewall or wait_for starts when the jobs it waits for end).
// The device is slow next to the jobs, as a real one is next to fio, so each
// clone keeps its iodepth in flight. The workload spec goes through the same
// engine as workload files; the spec's fields remember the fio lines they came
// from, so the engine's problems name the line of the option behind them.
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { KeyMax } from "../../assembly/abi.js";
import { DEVICES } from "../shared/names.js";
import { WP_KEYS, wpParse } from "../shared/wp.js";
import { alignUp, fmtBytes, MAX_IO, PAGE, SECTOR } from "../shared/units.js";
import { MAX_DISK, MAX_LATENCY, MAX_QD } from "../workloads/params.js";
import { workloadFromSpec } from "../workloads/engine.js";
import { SourceError } from "../workloads/json-source.js";
import type {
  BufferSpec, IoSpec, MappingSpec, ModifySpec, ProcessSpec, SizeSpec, ThreadSpec, WorkloadSpec,
} from "../workloads/spec.js";
import type { Workload } from "../workloads/types.js";
import { JobOptions } from "./options.js";
import { parseJobFile, type FioJob } from "./parse.js";
import { modifierNote, rwOf, type Rw } from "./rw.js";

export interface FioWorkload {
  readonly workload: Workload;
  /** fio options of the file that do not matter here, each once, in order of appearance. */
  readonly ignored: readonly string[];
  /** fio options of the file that stable-dio does not model (the job runs without them), each once. */
  readonly notModelled: readonly string[];
  /** Where the run differs from what fio would do (file:line: ...). */
  readonly notes: readonly string[];
}

export function loadFioFile(path: string, shown = path): FioWorkload {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new SourceError(shown, 0, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return fioWorkload(shown, text);
}

export function fioWorkload(file: string, text: string): FioWorkload {
  const jobs = parseJobFile(file, text);
  const t = new Translation(file, jobs[0]);
  for (const job of jobs) t.add(job);
  const spec: WorkloadSpec = {
    format: 1,
    id: workloadId(file, t.jobNames),
    summary: `fio job file ${basename(file)}: ${t.jobNames.join(", ")}`,
    device: t.device ?? "fs-csum",
    params: deviceParams(t.deepest, t.threadCount),
    ...(Object.keys(t.wp).length ? { wp: t.wp } : {}),
    processes: t.processes,
  };
  const lineOf = (pointer: string): number => {
    for (let p = pointer; ; p = p.slice(0, p.lastIndexOf("/"))) {
      const line = t.lines.get(p);
      if (line !== undefined) return line;
      if (!p) return jobs[0].line;
    }
  };
  // The engine names a field by its place in the workload; here, by the option behind it.
  const fieldName = (pointer: string): string => {
    for (let p = pointer; p; p = p.slice(0, p.lastIndexOf("/"))) {
      const option = t.options.get(p);
      if (option !== undefined) return option;
    }
    return `job '${jobs[0].name}'`;
  };
  return {
    workload: workloadFromSpec(spec, { file, lineOf, fieldName }), ignored: [...t.ignored.keys()], notModelled: [...t.notModelled.keys()], notes: t.notes,
  };
}

/**
 * The workload is named as fio names the job: its section, or `name=`. A file
 * of several differently named jobs is named after the file.
 */
function workloadId(file: string, names: readonly string[]): string {
  const distinct = [...new Set(names)];
  const text = distinct.length === 1 ? distinct[0] : basename(file, extname(file));
  const id = text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
  return /^[a-z0-9]/.test(id) ? id : `fio${id ? `-${id}` : ""}`.slice(0, 40);
}

/**
 * The device of a fio job file: slow next to the jobs, as a real device is
 * next to fio, so that every clone keeps its iodepth in flight. A thread makes
 * one call per scheduler step it is given and needs about two (fill, submit)
 * per write; with `threads` threads taking turns, filling a queue of
 * `iodepth` takes about 2 x threads x iodepth steps. No I/O reaches its DMA
 * point sooner than twice that (min_latency), so none completes before the
 * queue is full; the usual jitter (DMA up to 2 x latency later, completion up
 * to latency after it) is scaled to the depth, never below the built-in
 * workloads' 4. A queue of one needs no floor.
 */
export function deviceParams(iodepth: number, threads: number): WorkloadSpec["params"] {
  const floor = iodepth > 1 ? Math.min(MAX_LATENCY, 4 * threads * iodepth) : 0;
  return {
    latency: { default: Math.max(4, iodepth), help: "device latency jitter in scheduler steps: DMA min_latency + 1..2L after submit, completion 1..L after DMA" },
    min_latency: { default: floor, help: "device latency floor in scheduler steps (default: the time every clone needs to fill its iodepth, twice over)" },
  };
}

class Translation {
  readonly processes: ProcessSpec[] = [];
  readonly lines = new Map<string, number>();
  /** The option behind each field of the spec (as lines, by JSON pointer). */
  readonly options = new Map<string, string>();
  readonly ignored = new Map<string, number>();
  readonly notModelled = new Map<string, number>();
  readonly notes: string[] = [];
  /** Each job's name, in file order. */
  readonly jobNames: string[] = [];
  /** Each job's threads (clones and their modifiers), by job name, and the threads started so far. */
  private readonly threadsOf = new Map<string, string[]>();
  /** Each job's clones (the threads doing its I/O) and the process each runs in, by job name (sd_buffers_of). */
  private readonly clonesOf = new Map<string, Array<{ readonly name: string; readonly proc: ProcessSpec }>>();
  private started: string[] = [];
  /** The threads of the jobs before the last stonewall: a stonewalled job waits for them. */
  private wall: string[] = [];
  /** The deepest iodepth of any job, and the threads of all jobs (deviceParams). */
  deepest = 1;
  threadCount = 0;
  device: string | undefined;
  /** The sd_wp_* options of the file (WpSpec): the same in every job that gives them. */
  readonly wp: { restore?: "eager" | "lazy"; batch?: number; walk?: "separate" | "fused" } = {};
  /** An offset modifier (rw=randwrite:8) was noted: one note per file. */
  private modifierNoted = false;
  private cpu = 0;
  private disk = 0;
  private readonly names = new Set<string>();

  constructor(private readonly file: string, first: FioJob) {
    this.lines.set("", first.line);
  }

  add(job: FioJob): void {
    const o = new JobOptions(this.file, job, this.ignored, this.notModelled);
    this.pickDevice(o);
    this.pickWp(o);
    const jobName = o.text("name") ?? job.name;
    this.jobNames.push(jobName);
    const name = this.unique(jobName.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z]+/, "") || "job");
    const after = this.waitsFor(o, jobName);
    const rw = rwOf(o);
    if (rw.modifier !== undefined && !this.modifierNoted) {
      this.notes.push(modifierNote(this.file, o.line("rw"), o.text("rw")!, rw));
      this.modifierNoted = true;
    }
    const io = ioOf(o, rw);
    const numjobs = o.int("numjobs", 1, KeyMax.MAX_PROCS, 1);
    const size = o.bytes("size", 0);
    const offset = o.bytes("offset", 0);
    if (offset % SECTOR) o.fail("offset", "not a multiple of 512");
    const disk = alignUp(this.disk, PAGE) + numjobs * alignUp(offset + size, PAGE);
    if (disk > MAX_DISK)
      o.fail(o.line("numjobs") > o.line("size") ? "numjobs" : "size",
        `the jobs need ${fmtBytes(disk)} of disk (each clone its own file of offset + size); stable-dio's disk is ${fmtBytes(MAX_DISK)}`);
    const flags = flagsOf(o);
    const modify = modifyOf(o);
    const by = o.choice("sd_modify_by", ["thread", "fork", "attach"] as const, "thread");
    if (!directOf(o)) {
      const why = o.has("direct") || o.has("buffered") ? "direct=0" : "direct=0 is fio's default";
      this.notes.push(`${this.file}:${o.line("direct")}: job '${name}' is buffered (${why}): stable-dio runs it as direct I/O, the only kind it models`);
    }

    const owners = this.buffersOf(o, numjobs);
    const ring = ringOf(o, io, by, owners !== undefined);
    if (by === "attach" && !(io.buffers?.shared && !io.buffers.huge))
      o.fail("sd_modify_by", "attach needs buffers another process can attach: mem=shm or mem=mmapshared");
    // The bytes of one clone's buffers, when they are a named mapping (sd_ring, attach).
    const slots = Number(io.qd) * alignUp(Math.max(maxOf(io.size), io.readSize === undefined ? 0 : maxOf(io.readSize)), io.buffers?.align ?? PAGE);
    const bufLen = alignUp(slots, PAGE);
    const asThreads = o.bool("thread", false);
    // The one process of a `thread` job: its named mappings (the ring, the clones' segments) are added below.
    const sharedMaps: MappingSpec[] = ring ? [{ name: "ring", size: numjobs * bufLen, shared: true, ring }] : [];
    const shared: ProcessSpec | undefined = asThreads && !owners
      ? this.process(o, { name, flags, threads: [], ...(ring || by === "attach" ? { mappings: sharedMaps } : {}) })
      : undefined;
    const mine: string[] = [];
    const clones: Array<{ readonly name: string; readonly proc: ProcessSpec }> = [];
    const wait = after.length ? { after } : {};
    for (let c = 0; c < numjobs; c++) {
      const clone = numjobs > 1 ? `${name}.${c}` : name;
      const base = alignUp(this.disk, PAGE);
      this.disk = base + offset + size;
      // sd_buffers_of: the clone is a thread of the owner clone's process, with its buffers.
      const owner = owners?.[owners.length === 1 ? 0 : c];
      // sd_ring: the buffers are laid over the process's completion ring; attach: they are a segment of their own.
      const named = ring ? "ring" : by === "attach" && modify ? `${clone}.buf` : undefined;
      const buffers = owner ? { of: owner.name } : named ? { mapping: named, ...(io.buffers?.align ? { align: io.buffers.align } : {}) } : io.buffers;
      const thread: ThreadSpec = {
        name: clone, cpu: this.nextCpu(), ...wait,
        io: {
          ...io, ...(buffers ? { buffers } : {}), offset: base + offset,
          modify: modify && { ...modify, by: `${clone}.mod`, ...(by === "attach" ? { via: "segment" } : {}) },
        },
      };
      const segment: MappingSpec | undefined = named && !ring ? { name: named, size: bufLen, shared: true, prefault: true } : undefined;
      let proc: ProcessSpec;
      if (owner) proc = owner.proc;
      else if (shared) {
        proc = shared;
        if (segment) sharedMaps.push(segment);
      } else {
        const mappings: MappingSpec[] = ring ? [{ name: "ring", size: bufLen, shared: true, ring }] : segment ? [segment] : [];
        proc = this.process(o, { name: clone, flags, threads: [], ...(mappings.length ? { mappings } : {}) });
      }
      this.thread(o, proc, thread);
      mine.push(clone);
      clones.push({ name: clone, proc });
      if (!modify) continue;
      const mod: ThreadSpec = { name: `${clone}.mod`, cpu: this.nextCpu(), ...wait };
      if (by === "fork") this.process(o, { name: `${clone}.mod`, fork: clone, threads: [mod] });
      else if (by === "attach") {
        // A process not related by fork that attaches the same segment (shmat, or mmap of the memfd).
        this.process(o, { name: `${clone}.mod`, mappings: [{ name: "segment", size: bufLen, alias: { process: proc.name, mapping: named! } }], threads: [mod] });
      } else this.thread(o, proc, mod);
      mine.push(mod.name);
    }
    this.threadsOf.set(jobName, [...(this.threadsOf.get(jobName) ?? []), ...mine]);
    this.clonesOf.set(jobName, [...(this.clonesOf.get(jobName) ?? []), ...clones]);
    this.started.push(...mine);
    this.threadCount += mine.length;
    this.deepest = Math.max(this.deepest, Number(io.qd));
  }

  /**
   * The threads a job waits for before it starts: with stonewall (or
   * wait_for_previous), every earlier job's; with wait_for=NAME, that job's.
   * Jobs after a stonewall without one of their own start with it, as in fio.
   */
  private waitsFor(o: JobOptions, jobName: string): string[] {
    if (o.bool("stonewall", false) || o.bool("wait_for_previous", false)) this.wall = [...this.started];
    const out = [...this.wall];
    const waitee = o.text("wait_for");
    if (waitee !== undefined) {
      const threads = this.threadsOf.get(waitee);
      if (waitee === jobName) o.fail("wait_for", "a job cannot wait for itself");
      if (!threads) o.fail("wait_for", `no earlier job named '${waitee}' (jobs so far: ${[...this.threadsOf.keys()].join(", ") || "none"})`);
      out.push(...threads);
    }
    return [...new Set(out)];
  }

  /**
   * sd_buffers_of=JOB: the clones of an earlier job whose buffers this job's
   * clones use (clone c takes clone c's, or all take the one clone's), or
   * undefined. The clones then run as threads of those clones' processes
   * (`thread` changes nothing), with their flags.
   */
  private buffersOf(o: JobOptions, numjobs: number): ReadonlyArray<{ readonly name: string; readonly proc: ProcessSpec }> | undefined {
    const of = o.text("sd_buffers_of");
    if (of === undefined) return undefined;
    const owners = this.clonesOf.get(of);
    if (!owners) o.fail("sd_buffers_of", `no earlier job named '${of}' (jobs so far: ${[...this.clonesOf.keys()].join(", ") || "none"})`);
    if (owners!.length !== 1 && owners!.length !== numjobs)
      o.fail("sd_buffers_of", `job '${of}' has ${owners!.length} clones and this job ${numjobs}: clone c uses clone c's buffers (give both the same numjobs, or '${of}' one)`);
    for (const name of ["mem", "mem_align"])
      if (o.has(name)) o.fail(name, `the clones use job '${of}''s buffers: ${name} comes from there`);
    if (JSON.stringify(flagsOf(o) ?? {}) !== JSON.stringify(owners![0].proc.flags ?? {}))
      o.fail("sd_flags", `the clones run in job '${of}''s processes, whose sd_flags differ`);
    return owners;
  }

  private pickDevice(o: JobOptions): void {
    const ids = DEVICES.map((d) => d.id);
    const d = o.has("sd_device") ? o.choice("sd_device", ids, "fs-csum") : undefined;
    if (d === undefined) return;
    if (this.device !== undefined && d !== this.device) o.fail("sd_device", `one device per run, and an earlier job has sd_device=${this.device}`);
    this.device = d;
  }

  /**
   * sd_wp_restore, sd_wp_batch, sd_wp_walk: the write-protect's implementation choices, one value per run
   * (they are the kernel's, not a job's), as sd_device is.
   */
  private pickWp(o: JobOptions): void {
    for (const key of WP_KEYS) {
      const option = `sd_wp_${key}`;
      const text = o.text(option);
      if (text === undefined) continue;
      const r = wpParse(key, text);
      if ("problem" in r) o.fail(option, r.problem);
      const v = r.value;
      const had = this.wp[key];
      if (had !== undefined && had !== v) o.fail(option, `one value per run, and an earlier job has ${option}=${had}`);
      (this.wp as Record<string, string | number>)[key] = v;
      this.lines.set(`/wp/${key}`, o.line(option));
      this.options.set(`/wp/${key}`, option);
    }
  }

  private unique(name: string): string {
    let n = name;
    for (let i = 2; this.names.has(n); i++) n = `${name}-${i}`;
    this.names.add(n);
    return n;
  }

  private nextCpu(): number {
    return this.cpu++ % 64;
  }

  /** Adds a process (the pointer of its fields maps to the job's lines). */
  private process(o: JobOptions, p: ProcessSpec): ProcessSpec {
    const at = `/processes/${this.processes.length}`;
    this.processes.push(p);
    this.lines.set(at, o.job.line);
    this.lines.set(`${at}/flags`, o.line("sd_flags"));
    this.lines.set(`${at}/fork`, o.line("sd_modify_by"));
    this.options.set(`${at}/flags`, "sd_flags");
    this.options.set(`${at}/fork`, "sd_modify_by");
    return p;
  }

  private thread(o: JobOptions, p: ProcessSpec, t: ThreadSpec): void {
    const at = `/processes/${this.processes.indexOf(p)}/threads/${p.threads.length}`;
    (p.threads as ThreadSpec[]).push(t);
    this.lines.set(at, o.job.line);
    this.lines.set(`${at}/cpu`, o.line("numjobs"));
    this.options.set(`${at}/cpu`, "numjobs");
    const later = (a: string, b: string) => (o.line(a) >= o.line(b) ? a : b);
    const from: Record<string, string> = {
      size: later("bs", "bsrange"), readSize: later("bs", "bsrange"), qd: "iodepth", region: "size", offset: "offset",
      ios: o.has("number_ios") ? "number_ios" : o.has("io_size") ? "io_size" : "size", files: "nrfiles",
      direction: "rw", reads: later("rwmixread", "rwmixwrite"), buffers: o.has("mem_align") ? "mem_align" : "mem",
      promise: "sd_promise", modify: "sd_modify", "modify/when": "sd_modify_when", "modify/bytes": "sd_modify_bytes",
      "modify/max": "sd_modify_max", "modify/by": "sd_modify_by", "modify/via": "sd_modify_by", written: "sd_written",
      "buffers/of": "sd_buffers_of", "buffers/mapping": o.has("sd_ring") ? "sd_ring" : "sd_modify_by",
    };
    for (const [field, option] of Object.entries(from)) {
      this.lines.set(`${at}/io/${field}`, o.line(option));
      this.options.set(`${at}/io/${field}`, option);
    }
  }
}

function directOf(o: JobOptions): boolean {
  const direct = o.bool("direct", false);
  return o.has("buffered") && o.line("buffered") > o.line("direct") ? !o.bool("buffered", true) : direct;
}

/** The job's I/O, without its disk offset and modification (per clone). */
function ioOf(o: JobOptions, { direction, pattern }: Rw): IoSpec {
  const mixRead = o.line("rwmixwrite") > o.line("rwmixread") && o.has("rwmixwrite")
    ? 100 - o.int("rwmixwrite", 0, 100, 50) : o.int("rwmixread", 0, 100, 50);
  const { read, write } = sizesOf(o);
  if (!o.has("size")) o.fail("size", `job '${o.job.name}' needs size= (stable-dio has no file or device to take it from)`);
  const size = o.bytes("size", 0);
  const bytes = o.bytes("io_size", size);
  const lens = direction === "read" ? [read] : direction === "write" ? [write] : [read, write];
  const biggest = Math.max(...lens.map(maxOf));
  if (size < biggest) o.fail("size", `smaller than one block (${biggest} bytes)`);
  // fio stops at io_size (or size) bytes, loops times over: the last I/O is cut to what is left.
  const loops = o.int("loops", 1, 1 << 20, 1);
  const budget = bytes * loops;
  const smallest = Math.min(...lens.map(minOf));
  if (budget < smallest) o.fail(o.has("io_size") ? "io_size" : "size", `smaller than one block (${smallest} bytes)`);
  // At most one I/O per smallest block of the budget, or number_ios.
  const most = Math.ceil(budget / smallest);
  if (most > MAX_IOS && !o.has("number_ios"))
    o.fail(o.has("io_size") ? "io_size" : "size", `${fmtBytes(budget)} in blocks of ${fmtBytes(smallest)} is more than ${MAX_IOS} I/Os per clone (stable-dio's limit)`);
  const ios = o.has("number_ios") ? Math.min(most, o.int("number_ios", 1, MAX_IOS, 1)) : most;
  const io: IoSpec = {
    direction,
    ...(direction === "mixed" ? { reads: mixRead / 100 } : {}),
    pattern,
    size: write,
    ...(JSON.stringify(read) !== JSON.stringify(write) ? { readSize: read } : {}),
    qd: o.int("iodepth", 1, MAX_QD, 1),
    ios,
    bytes: budget,
    region: size,
    files: o.int("nrfiles", 1, 4096, 1),
    ...(o.has("sd_promise") ? { promise: o.bool("sd_promise", false) } : {}),
    // fio lays out a job's file by writing it before the job reads it: written unless sd_written=0.
    ...(o.has("sd_written") ? { written: o.bool("sd_written", true) } : {}),
  };
  const buffers = buffersOf(o);
  return buffers ? { ...io, buffers } : io;
}

function sizesOf(o: JobOptions): { readonly read: SizeSpec; readonly write: SizeSpec } {
  const fixed = (name: string, v: string | undefined): SizeSpec => blockSize(o, name, o.bytes(name, 4096, v));
  const range = (name: string, v: string | undefined): SizeSpec | undefined => {
    if (v === undefined) return undefined;
    const m = /^([^-:]+)[-:]([^-:]+)$/.exec(v);
    if (!m) return o.fail(name, "expected a range such as 4k-64k");
    const [a, b] = [blockSize(o, name, o.bytes(name, 0, m[1].trim())), blockSize(o, name, o.bytes(name, 0, m[2].trim()))];
    return { min: Math.min(a, b), max: Math.max(a, b) }; // fio swaps a reversed range
  };
  const bs = o.perDirection("bs");
  const br = o.perDirection("bsrange");
  // The last of bs, bsrange and bssplit in the job wins.
  const last = ["bs", "bsrange", "bssplit"].filter((n) => o.has(n)).sort((a, b) => o.line(b) - o.line(a))[0];
  if (last === "bssplit") {
    // Per direction as fio splits it: "read,write[,trim]"; one part for both.
    const parts = o.text("bssplit")!.split(",").map((p) => p.trim());
    const read = parts[0];
    const write = parts.length > 1 ? parts[1] : parts[0];
    return { read: read ? bssplit(o, read) : 4096, write: write ? bssplit(o, write) : 4096 };
  }
  return last === "bsrange"
    ? { read: range("bsrange", br!.read) ?? 4096, write: range("bsrange", br!.write) ?? 4096 }
    : { read: fixed("bs", bs?.read), write: fixed("bs", bs?.write) };
}

/**
 * One direction of bssplit, "4k/50:64k/30:1m" as fio reads it: sizes with
 * percentages; those without one (or with 0) share what the others leave
 * equally, and what is still left goes to the size with the largest share
 * (fio picks that one when its draw passes the others).
 */
function bssplit(o: JobOptions, text: string): SizeSpec {
  const entries = text.split(":").filter((e) => e.trim() !== "").map((e) => {
    const [size, perc] = e.split("/").map((x) => x.trim());
    if (!size) o.fail("bssplit", "each entry is a size and its percentage, e.g. 4k/50");
    const p = perc === undefined || perc === "" ? 0 : /^[0-9]+$/.test(perc) ? Math.min(100, Number(perc)) : o.fail("bssplit", `'${perc}' is not a percentage (expected size/percent, e.g. 4k/50)`);
    return { size: blockSize(o, "bssplit", o.bytes("bssplit", 0, size)), perc: p };
  });
  if (!entries.length) return o.fail("bssplit", "expected sizes with percentages, e.g. 4k/50:64k/50");
  if (entries.length > 64) o.fail("bssplit", "at most 64 sizes");
  const given = entries.reduce((n, e) => n + e.perc, 0);
  if (given > 100) o.fail("bssplit", `the percentages add to ${given}, more than 100`);
  const missing = entries.filter((e) => e.perc === 0);
  for (const e of missing) e.perc = Math.floor((100 - given) / missing.length);
  const total = entries.reduce((n, e) => n + e.perc, 0);
  if (total < 100) entries.reduce((a, e) => (e.perc >= a.perc ? e : a)).perc += 100 - total;
  const split = entries.filter((e) => e.perc > 0).map((e) => ({ size: e.size, weight: e.perc }));
  return split.length === 1 ? split[0].size : { split };
}

function blockSize(o: JobOptions, name: string, n: number): number {
  if (n < SECTOR || n > MAX_IO || n % SECTOR) o.fail(name, `block sizes are 512 B..4 MiB, multiples of 512 (direct I/O); got ${n}`);
  return n;
}

/** The most I/Os one clone may do (the workload format's limit on ios). */
const MAX_IOS = 1 << 20;

const lensOf = (s: SizeSpec): number[] =>
  typeof s !== "object" ? [Number(s)] : "split" in s ? s.split.map((x) => Number(x.size)) : [Number(s.min), Number(s.max)];
const maxOf = (s: SizeSpec): number => Math.max(...lensOf(s));
const minOf = (s: SizeSpec): number => Math.min(...lensOf(s));

function buffersOf(o: JobOptions): BufferSpec | undefined {
  const kinds: Record<string, BufferSpec> = {
    // Shared buffers are faulted in at setup, so a process forked later maps the same frames.
    malloc: {}, mmap: {}, mmaphuge: { huge: true },
    shm: { shared: true, prefault: true }, mmapshared: { shared: true, prefault: true }, shmhuge: { huge: true, shared: true, prefault: true },
  };
  const mem = o.text("mem")?.split(":")[0];
  if (mem !== undefined && !(mem in kinds)) o.fail("mem", `allowed: ${Object.keys(kinds).join(", ")}`);
  const align = o.bytes("mem_align", 0);
  if (align !== 0 && ![512, 1024, 2048, 4096].includes(align)) o.fail("mem_align", "stable-dio aligns buffers to 512, 1024, 2048 or 4096 bytes");
  const b: BufferSpec = { ...(mem ? kinds[mem] : {}), ...(align ? { align } : {}) };
  return Object.keys(b).length ? b : undefined;
}

/**
 * sd_ring=aio|io_uring: the clones' buffers are laid over their process's
 * completion ring (io_setup's aio ring, io_uring's CQ ring): a MAP_SHARED
 * mapping the kernel writes each completion's event into. Their own buffer
 * options cannot apply.
 */
function ringOf(o: JobOptions, io: IoSpec, by: string, of: boolean): "aio" | "io_uring" | undefined {
  if (!o.has("sd_ring")) return undefined;
  const ring = o.choice("sd_ring", ["aio", "io_uring"] as const, "aio");
  for (const name of ["mem", "sd_buffers_of"])
    if (o.has(name)) o.fail(name, "sd_ring lays the buffers over the completion ring: no other buffers");
  if (by === "attach") o.fail("sd_modify_by", "sd_ring's buffers are the ring's pages: attach needs buffers of their own (mem=shm)");
  if (of || io.buffers?.huge) o.fail("sd_ring", "the buffers are the ring's pages");
  return ring;
}

function flagsOf(o: JobOptions): ProcessSpec["flags"] {
  const text = o.text("sd_flags");
  if (text === undefined) return undefined;
  const list = text.split(",").map((s) => s.trim().toLowerCase()).filter((s) => s && s !== "none");
  const bad = list.find((f) => !["unsafe", "trusted", "kernel"].includes(f));
  if (bad) o.fail("sd_flags", `unknown flag '${bad}' (allowed: unsafe, trusted, kernel, none)`);
  return Object.fromEntries(list.map((f) => [f, true]));
}

/** sd_modify*: the in-flight modification of every clone, by its own modifier (named per clone later). */
function modifyOf(o: JobOptions): ModifySpec | undefined {
  const when = o.choice("sd_modify_when", ["in-flight", "before-dma", "after-dma", "continuous"] as const, "in-flight");
  const p = o.fraction("sd_modify", 0);
  if (when !== "continuous" && p === 0) {
    for (const extra of ["sd_modify_when", "sd_modify_bytes", "sd_modify_max", "sd_modify_by"])
      if (o.has(extra)) o.fail(extra, "has no effect without sd_modify=<fraction> (or sd_modify_when=continuous)");
    return undefined;
  }
  if (when === "continuous" && o.has("sd_modify")) o.fail("sd_modify", "a continuous modifier stores all the time: drop sd_modify");
  return {
    by: "",
    when,
    ...(when === "continuous" ? {} : { probability: p }),
    bytes: o.choice("sd_modify_bytes", ["buffer", "range", "neighbour"] as const, "range"),
    ...(o.has("sd_modify_max") ? { max: o.bytes("sd_modify_max", PAGE) } : {}),
  };
}
