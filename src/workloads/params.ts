// Workload parameters: the ones stable-dio knows by name (kind, range, help),
// parsing of values as users type them ("64k", "4MiB", "0.05"), and
// resolution against defaults. A workload file declares which parameters it
// has and their defaults; `--param name=value` overrides them.
import { Device, KeyMax } from "../../assembly/abi.js";
import { fmtBytes, MAX_IO, MiB, PAGE, SECTOR } from "../shared/units.js";
import type { Machine, ParamSpec, Params, Workload } from "./types.js";

/** The core's disk limit in bytes (Key.DISK_BLOCKS blocks of 4 KiB). */
export const MAX_DISK = KeyMax.DISK_BLOCKS * PAGE;

/** The longest device latency, in scheduler steps (fio jobs with deep queues and many threads need thousands). */
export const MAX_LATENCY = 65536;
/** The deepest queue a submitting thread may keep: the `qd` parameter's and fio's `iodepth`'s ceiling. */
export const MAX_QD = 256;

/** Parameters of every workload (a workload may declare them to change the default). */
export const COMMON: readonly ParamSpec[] = [
  { name: "latency", kind: "count", min: 1, max: MAX_LATENCY, default: 4,
    help: "device latency scale in scheduler steps: DMA 1..2L steps after submit, completion 1..L after DMA" },
  { name: "promise", kind: "flag", min: 0, max: 1, default: (d) => (d === Device.PI ? 1 : 0),
    help: "submit with PROMISE (Hellwig level 1); default 1 on pi, which needs stable pages only at level 1" },
];

/** Parameters known by name: a workload file gives them a default (and maybe its own help) only. */
export const KNOWN: readonly Omit<ParamSpec, "default">[] = [
  { name: "size", kind: "bytes", min: SECTOR, max: MAX_IO, multiple: SECTOR, help: "bytes per I/O" },
  { name: "qd", kind: "count", min: 1, max: MAX_QD, help: "queue depth: I/Os in flight per submitting thread" },
  { name: "ios", kind: "count", min: 1, max: 1 << 20, help: "I/Os to submit in total" },
  { name: "threads", kind: "count", min: 1, max: 64, help: "submitting threads" },
  { name: "cpus", kind: "count", min: 1, max: KeyMax.CPUS, help: "CPUs the threads are spread over" },
  { name: "p", kind: "fraction", min: 0, max: 1, help: "fraction of in-flight buffers modified" },
  { name: "region", kind: "bytes", min: PAGE, max: MAX_DISK, multiple: PAGE,
    help: "disk region written (bytes); offsets wrap inside it" },
  { name: "reads", kind: "fraction", min: 0, max: 1, help: "fraction of I/Os that are direct reads" },
  { name: "forks", kind: "count", min: 0, max: 4000, help: "forks spread evenly over the run" },
  { name: "unsafe", kind: "flag", min: 0, max: 1, help: "flag the process UNSAFE (opt-out bounces it)" },
  { name: "min_latency", kind: "count", min: 0, max: MAX_LATENCY,
    help: "device latency floor in scheduler steps: every DMA point at least this many steps after submit (fio jobs)" },
  { name: "trusted", kind: "flag", min: 0, max: 1, help: "flag the process TRUSTED (opt-out-inverse lets it go direct)" },
  ...COMMON.map(({ default: _d, ...rest }) => rest),
];

/** Every spec of a workload, its own first, then the common ones it does not declare itself. */
export function specsOf(w: Workload): readonly ParamSpec[] {
  return [...w.params, ...COMMON.filter((c) => !w.params.some((s) => s.name === c.name))];
}

/** Parses "4096", "64k", "64KiB", "4m", "1g" (binary units) or "0.05". */
export function parseNumber(text: string, kind: ParamSpec["kind"]): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2].toLowerCase();
  if (unit && kind !== "bytes") return undefined;
  const mult = unit === "k" ? 1024 : unit === "m" ? MiB : unit === "g" ? 1024 * MiB : 1;
  const v = Number(m[1]) * mult;
  return Number.isFinite(v) ? v : undefined;
}

/** Why a value does not fit its spec, or undefined if it does. */
export function paramError(s: ParamSpec, v: number): string | undefined {
  const range = `${fmtParam(s, s.min)}..${fmtParam(s, s.max)}`;
  if (s.kind !== "fraction" && !Number.isInteger(v)) return `${s.name} must be a whole number (${range})`;
  if (v < s.min || v > s.max) return `${s.name} ${fmtParam(s, v)} out of range (${range})`;
  if (s.multiple && v % s.multiple !== 0) return `${s.name} ${fmtParam(s, v)} is not a multiple of ${s.multiple}`;
  return undefined;
}

/** The workload's params on a device: defaults, overridden where the user set a value this workload has. */
export function resolveParams(w: Workload, device: Device, overrides: Readonly<Record<string, number>> = {}): Params {
  const out: Record<string, number> = {};
  for (const s of specsOf(w)) {
    const v = overrides[s.name] ?? (typeof s.default === "function" ? s.default(device) : s.default);
    const err = paramError(s, v);
    if (err) throw new RangeError(`${w.id}: ${err}`);
    out[s.name] = v;
  }
  return out;
}

/** Constraints every workload shares (device alignment, the core's limits); then the workload's own. */
export function incompatibility(w: Workload, p: Params, device: Device): string | undefined {
  if (device === Device.FS_CSUM && p.size !== undefined && p.size % PAGE !== 0)
    return `fs-csum does 4 KiB-aligned I/O only, and size is ${fmtBytes(p.size)}`;
  if (p.region !== undefined && p.size !== undefined && p.region < p.size)
    return `region ${fmtBytes(p.region)} is smaller than one I/O (size ${fmtBytes(p.size)})`;
  const own = w.incompatible?.(p, device);
  if (own) return own;
  const m = w.machine(p, device);
  for (const [what, v, max] of LIMITS(m)) if (v > max) return `needs ${v} ${what}, the core has at most ${max}`;
  return undefined;
}

/** The core's key ranges (assembly/abi.ts KeyMax). */
const LIMITS = (m: Machine): Array<[string, number, number]> => [
  ["CPUs", m.cpus, KeyMax.CPUS],
  ["disk blocks", m.diskBlocks, KeyMax.DISK_BLOCKS],
  ["processes", m.procs, KeyMax.MAX_PROCS],
  ["threads", m.threads, KeyMax.MAX_THREADS],
  // Only what the run cannot do without: the pool's own estimate errs high.
  ["frames for the copies its forked children keep", m.keptPages ?? 0, MAX_FRAMES],
];

/** The most frames the core takes (Key.MAX_FRAMES, frames of 4 KiB). */
export const MAX_FRAMES: number = KeyMax.MAX_FRAMES;

export function fmtParam(s: ParamSpec, v: number): string {
  return s.kind === "bytes" ? fmtBytes(v) : String(v);
}
