// Workload parameters: the specs every workload shares, parsing of values as
// users type them ("64k", "4MiB", "0.05"), and resolution against defaults.
import { Device, ProcFlag } from "../../assembly/abi.js";
import { fmtBytes, MAX_IO, MiB, PAGE, SECTOR } from "../host/units.js";
import type { Machine, ParamSpec, Params, Workload } from "./types.js";

/** Parameters of every workload. */
export const COMMON: readonly ParamSpec[] = [
  { name: "latency", kind: "count", min: 1, max: 1000, default: 4,
    help: "device latency scale in scheduler steps: DMA 1..2L steps after submit, completion 1..L after DMA" },
  { name: "promise", kind: "flag", min: 0, max: 1, default: (d) => (d === Device.PI ? 1 : 0),
    help: "submit with PROMISE (Hellwig level 1); default 1 on pi, which needs stable pages only at level 1" },
];

export const size = (def: number, help = "bytes per I/O"): ParamSpec =>
  ({ name: "size", kind: "bytes", min: SECTOR, max: MAX_IO, multiple: SECTOR, default: def, help });
export const qd = (def: number, help = "queue depth: I/Os in flight per submitting thread"): ParamSpec =>
  ({ name: "qd", kind: "count", min: 1, max: 256, default: def, help });
export const ios = (def: number, help = "I/Os to submit in total"): ParamSpec =>
  ({ name: "ios", kind: "count", min: 1, max: 1 << 20, default: def, help });
export const threads = (def: number, help = "submitting threads"): ParamSpec =>
  ({ name: "threads", kind: "count", min: 1, max: 64, default: def, help });
export const cpus = (def: number, help = "CPUs the threads are spread over"): ParamSpec =>
  ({ name: "cpus", kind: "count", min: 1, max: 64, default: def, help });
export const fraction = (def: number, help: string): ParamSpec =>
  ({ name: "p", kind: "fraction", min: 0, max: 1, default: def, help });
export const region = (def: number, help = "disk region written (bytes); offsets wrap inside it"): ParamSpec =>
  ({ name: "region", kind: "bytes", min: PAGE, max: 4096 * MiB, multiple: PAGE, default: def, help });
export const unsafe = (def: 0 | 1): ParamSpec =>
  ({ name: "unsafe", kind: "flag", min: 0, max: 1, default: def, help: "flag the process UNSAFE (opt-out bounces it)" });
export const trusted = (def: 0 | 1): ParamSpec =>
  ({ name: "trusted", kind: "flag", min: 0, max: 1, default: def, help: "flag the process TRUSTED (opt-out-inverse lets it go direct)" });

/** ProcFlag bits from the unsafe/trusted params. */
export function procFlags(p: Params): number {
  return (p.unsafe ? ProcFlag.UNSAFE : 0) | (p.trusted ? ProcFlag.TRUSTED : 0);
}

/** Every spec of a workload, its own first, then the common ones. */
export function specsOf(w: Workload): readonly ParamSpec[] {
  return [...w.params, ...COMMON];
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

/** The core's key ranges (docs/abi.md, assembly/abi.ts Key). */
const LIMITS = (m: Machine): Array<[string, number, number]> => [
  ["CPUs", m.cpus, 64],
  ["disk blocks", m.diskBlocks, 1048576],
  ["processes", m.procs, 4095],
  ["threads", m.threads, 65535],
];

export function fmtParam(s: ParamSpec, v: number): string {
  return s.kind === "bytes" ? fmtBytes(v) : String(v);
}
