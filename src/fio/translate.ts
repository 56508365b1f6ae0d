// A fio job file as a stable-dio workload: every job section becomes numjobs
// clones (processes, or threads of one process with `thread`), each on its own
// CPU and with its own file (disk region), all running at once as fio runs
// them. The workload spec goes through the same engine as workload files; the
// spec's fields remember the fio lines they came from, so the engine's
// problems name the line of the option behind them.
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { KeyMax } from "../../assembly/abi.js";
import { DEVICES } from "../shared/names.js";
import { alignUp, fmtBytes, MAX_IO, PAGE, SECTOR } from "../shared/units.js";
import { MAX_DISK } from "../workloads/params.js";
import { workloadFromSpec } from "../workloads/engine.js";
import { SourceError } from "../workloads/json-source.js";
import type { BufferSpec, IoSpec, ModifySpec, ProcessSpec, SizeSpec, ThreadSpec, WorkloadSpec } from "../workloads/spec.js";
import type { Workload } from "../workloads/types.js";
import { JobOptions } from "./options.js";
import { parseJobFile, type FioJob } from "./parse.js";
import { modifierNote, rwOf, type Rw } from "./rw.js";

export interface FioWorkload {
  readonly workload: Workload;
  /** fio options of the file that do not matter here, each once, in order of appearance. */
  readonly ignored: readonly string[];
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
    id: workloadId(file),
    summary: `fio job file ${basename(file)}: ${jobs.map((j) => j.name).join(", ")}`,
    device: t.device ?? "fs-csum",
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
  return { workload: workloadFromSpec(spec, { file, lineOf, fieldName }), ignored: [...t.ignored.keys()], notes: t.notes };
}

function workloadId(file: string): string {
  const id = basename(file, extname(file)).toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
  return /^[a-z0-9]/.test(id) ? id : `fio${id ? `-${id}` : ""}`.slice(0, 40);
}

class Translation {
  readonly processes: ProcessSpec[] = [];
  readonly lines = new Map<string, number>();
  /** The option behind each field of the spec (as lines, by JSON pointer). */
  readonly options = new Map<string, string>();
  readonly ignored = new Map<string, number>();
  readonly notes: string[] = [];
  device: string | undefined;
  /** An offset modifier (rw=randwrite:8) was noted: one note per file. */
  private modifierNoted = false;
  private cpu = 0;
  private disk = 0;
  private readonly names = new Set<string>();

  constructor(private readonly file: string, first: FioJob) {
    this.lines.set("", first.line);
  }

  add(job: FioJob): void {
    const o = new JobOptions(this.file, job, this.ignored);
    this.pickDevice(o);
    const name = this.unique((o.text("name") ?? job.name).replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z]+/, "") || "job");
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
    const byFork = o.choice("sd_modify_by", ["thread", "fork"], "thread") === "fork";
    if (!directOf(o)) {
      const why = o.has("direct") || o.has("buffered") ? "direct=0" : "direct=0 is fio's default";
      this.notes.push(`${this.file}:${o.line("direct")}: job '${name}' is buffered (${why}): stable-dio runs it as direct I/O, the only kind it models`);
    }

    const asThreads = o.bool("thread", false);
    const shared: ProcessSpec | undefined = asThreads ? this.process(o, { name, flags, threads: [] }) : undefined;
    for (let c = 0; c < numjobs; c++) {
      const clone = numjobs > 1 ? `${name}.${c}` : name;
      const base = alignUp(this.disk, PAGE);
      this.disk = base + offset + size;
      const thread: ThreadSpec = { name: clone, cpu: this.nextCpu(), io: { ...io, offset: base + offset, modify: modify && { ...modify, by: `${clone}.mod` } } };
      const proc = shared ?? this.process(o, { name: clone, flags, threads: [] });
      this.thread(o, proc, thread);
      if (!modify) continue;
      const mod: ThreadSpec = { name: `${clone}.mod`, cpu: this.nextCpu() };
      if (byFork) this.process(o, { name: `${clone}.mod`, fork: clone, threads: [mod] });
      else this.thread(o, proc, mod);
    }
  }

  private pickDevice(o: JobOptions): void {
    const ids = DEVICES.map((d) => d.id);
    const d = o.has("sd_device") ? o.choice("sd_device", ids, "fs-csum") : undefined;
    if (d === undefined) return;
    if (this.device !== undefined && d !== this.device) o.fail("sd_device", `one device per run, and an earlier job has sd_device=${this.device}`);
    this.device = d;
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
      "modify/max": "sd_modify_max", "modify/by": "sd_modify_by",
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
  const avg = direction === "mixed"
    ? (mixRead / 100) * avgOf(read) + (1 - mixRead / 100) * avgOf(write)
    : avgOf(lens[0]);
  const loops = o.int("loops", 1, 1 << 20, 1);
  let ios = Math.max(1, Math.floor(bytes / avg)) * loops;
  if (o.has("number_ios")) ios = Math.min(ios, o.int("number_ios", 1, 1 << 20, ios));
  const io: IoSpec = {
    direction,
    ...(direction === "mixed" ? { reads: mixRead / 100 } : {}),
    pattern,
    size: write,
    ...(JSON.stringify(read) !== JSON.stringify(write) ? { readSize: read } : {}),
    qd: o.int("iodepth", 1, 256, 1),
    ios,
    region: size,
    files: o.int("nrfiles", 1, 4096, 1),
    ...(o.has("sd_promise") ? { promise: o.bool("sd_promise", false) } : {}),
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
  const useRange = br !== undefined && (bs === undefined || o.line("bsrange") > o.line("bs"));
  return useRange
    ? { read: range("bsrange", br.read) ?? 4096, write: range("bsrange", br.write) ?? 4096 }
    : { read: fixed("bs", bs?.read), write: fixed("bs", bs?.write) };
}

function blockSize(o: JobOptions, name: string, n: number): number {
  if (n < SECTOR || n > MAX_IO || n % SECTOR) o.fail(name, `block sizes are 512 B..4 MiB, multiples of 512 (direct I/O); got ${n}`);
  return n;
}

const maxOf = (s: SizeSpec): number => (typeof s === "object" ? Number(s.max) : Number(s));
/** Mean of a range's sizes (multiples of min up to max). */
const avgOf = (s: SizeSpec): number => {
  if (typeof s !== "object") return Number(s);
  const min = Number(s.min);
  return (min * (1 + Math.floor(Number(s.max) / min))) / 2;
};

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
