// One thread's I/O job resolved for a run: sizes per direction, the buffer
// slots (in a mapping of its own or carved from a named one), the disk region
// and its files, and what else happens around each I/O (touches of hot data,
// forks, in-flight modification by another thread). Every check names the
// field it is about, so a file that cannot run says where.
import { Device } from "../../assembly/abi.js";
import { alignUp, fmtBytes, HUGE, MAX_IO, PAGE, SECTOR } from "../shared/units.js";
import { MAX_BUFFERS } from "./layout.js";
import { MAX_DISK } from "./params.js";
import { mapFlags, type MapPlan, type PlanContext, type Space } from "./plan.js";
import type { Direction, IoSpec, ModifyBytes, ModifySpec, Pattern, SizeSpec, When } from "./spec.js";
import { PlanError } from "./values.js";

export interface Sizes {
  readonly min: number;
  readonly max: number;
  /** Weighted sizes (fio's bssplit): each I/O draws one by weight; min and max are the smallest and largest. */
  readonly split?: ReadonlyArray<{ readonly len: number; readonly weight: number }>;
}

export interface TouchPlan {
  readonly va: number;
  readonly len: number;
  readonly bytes: number;
}

export interface ForkPlan {
  readonly count: number;
  readonly cpu: number;
  readonly writeBuffers: boolean;
  readonly touch: boolean;
  readonly exit: boolean;
}

export interface ModifyPlan {
  /** The modifying thread's index. */
  readonly by: number;
  readonly when: When;
  readonly probability: number;
  readonly bytes: ModifyBytes;
  readonly max: number;
  readonly line: number;
  readonly byte?: number;
  /** modify.via: added to a buffer's address where the modifier stores (its alias of the buffers' mapping). */
  readonly shift?: number;
}

export interface JobPlan {
  /** I/Os of this thread (its share of the entry's); with `bytes`, the most it does. */
  readonly ios: number;
  /** Bytes of I/O of this thread (its share): it stops there, the last I/O cut to what is left. */
  readonly bytes?: number;
  readonly qd: number;
  /** Virtual address of each buffer slot. */
  readonly slots: readonly number[];
  /** Bytes of a slot's buffer: the largest I/O. */
  readonly slotLen: number;
  readonly direction: Direction;
  readonly reads: number;
  readonly write: Sizes;
  readonly read: Sizes;
  readonly pattern: Pattern;
  /** Disk byte offset of the first file; files follow each other, fileLen bytes each. */
  readonly base: number;
  readonly files: number;
  readonly fileLen: number;
  /** Random offsets are multiples of this (the smallest I/O size). */
  readonly align: number;
  readonly diskEnd: number;
  readonly promise: boolean;
  /** The region was written before the run (else its blocks are unwritten at setup: fs-csum has no checksum for them). */
  readonly written: boolean;
  readonly fill?: number;
  /** The buffers are read-only: writes submit them unfilled. */
  readonly readonly: boolean;
  readonly touch?: TouchPlan;
  readonly forks?: ForkPlan;
  readonly modify?: ModifyPlan;
}

const COUNT = (min: number, max: number) => ({ kind: "count", min, max }) as const;
/** The most bytes one job may do (2^50: far beyond what 1,048,576 I/Os of 4 MiB reach). */
const MAX_BYTES = 2 ** 50;
const BYTES = (min: number, max: number, multiple?: number) => ({ kind: "bytes", min, max, multiple }) as const;

/** Plans thread `t`'s job: returns the job and, if the thread has one, its own buffer mapping. */
export function planJob(
  ctx: PlanContext, t: number, space: Space, io: IoSpec, at: string,
): { readonly job: JobPlan; readonly own?: MapPlan } {
  const { v } = ctx;
  const entry = [...ctx.byName.values()].find((e) => e.indices.includes(t))!;
  const clone = entry.indices.indexOf(t);
  const fsCsum = ctx.device === Device.FS_CSUM;

  const direction = io.direction ?? "write";
  const write = sizes(ctx, io.size, `${at}/size`);
  const read = io.readSize === undefined ? write : sizes(ctx, io.readSize, `${at}/readSize`);
  const used = direction === "write" ? [write] : direction === "read" ? [read] : [write, read];
  const sizeAt = direction === "read" && io.readSize !== undefined ? `${at}/readSize` : `${at}/size`;
  const maxLen = Math.max(...used.map((s) => s.max));
  const minLen = Math.min(...used.map((s) => s.min));
  if (fsCsum && used.some((s) => s.min % PAGE !== 0))
    throw new PlanError(sizeAt, `fs-csum does 4 KiB-aligned I/O only, and size is ${fmtBytes(minLen)} (pi and parity take 512 B I/O)`);

  const qd = v.get(io.qd, `${at}/qd`, COUNT(1, 256), 1);
  const total = v.get(io.ios, `${at}/ios`, COUNT(1, 1 << 20), 1);
  const ios = Math.floor(total / entry.indices.length) + (clone < total % entry.indices.length ? 1 : 0);
  if (ios === 0) throw new PlanError(`${at}/ios`, `ios ${total} leaves clone ${clone} of "${entry.spec.name}" without I/O`);
  const totalBytes = io.bytes === undefined ? undefined : v.get(io.bytes, `${at}/bytes`, BYTES(SECTOR, MAX_BYTES, SECTOR), 0);
  const bytes = totalBytes === undefined ? undefined : Math.floor(totalBytes / entry.indices.length / SECTOR) * SECTOR;
  if (bytes !== undefined && bytes < minLen)
    throw new PlanError(`${at}/bytes`, `bytes ${fmtBytes(totalBytes!)} leave${entry.indices.length > 1 ? ` each of ${entry.indices.length} clones` : "s"} less than one I/O (size ${fmtBytes(minLen)})`);
  const region = v.get(io.region, `${at}/region`, BYTES(SECTOR, MAX_DISK, SECTOR), Math.min(total * maxLen, MAX_DISK));
  const offset = v.get(io.offset, `${at}/offset`, BYTES(0, MAX_DISK, SECTOR), 0);
  if (fsCsum && offset % PAGE !== 0) throw new PlanError(`${at}/offset`, `fs-csum needs 4 KiB-aligned disk offsets, and offset is ${fmtBytes(offset)}`);
  if (region < maxLen) throw new PlanError(`${at}/region`, `region ${fmtBytes(region)} is smaller than one I/O (size ${fmtBytes(maxLen)})`);
  const files = v.get(io.files, `${at}/files`, COUNT(1, 4096), 1);
  const fileLen = Math.floor(region / files / minLen) * minLen;
  if (fileLen < maxLen) throw new PlanError(`${at}/files`, `${files} files of a ${fmtBytes(region)} region are smaller than one I/O (size ${fmtBytes(maxLen)})`);
  if (offset + region > MAX_DISK) throw new PlanError(`${at}/region`, `offset + region runs past the core's ${fmtBytes(MAX_DISK)} disk`);

  const buffers = io.buffers?.of !== undefined
    ? othersBuffers(ctx, t, entry.spec.name, clone, io, at, qd, maxLen)
    : planBuffers(ctx, space, io, at, qd, maxLen);
  const readonly = "readonly" in buffers ? buffers.readonly : (buffers.own ?? buffers.from).flags % 2 === 0; // no MapFlag.WRITE
  if (readonly && direction !== "write") throw new PlanError(`${at}/direction`, "a read needs a writable buffer, and the buffers are read-only");
  if (readonly && io.fill !== undefined) throw new PlanError(`${at}/fill`, "read-only buffers cannot be filled");
  if (readonly && io.forks && io.forks.child?.writeBuffers !== false)
    throw new PlanError(`${at}/forks/child/writeBuffers`, "read-only buffers: a forked child cannot write its copy of them");

  const job: JobPlan = {
    ios, ...(bytes === undefined ? {} : { bytes }), qd, slots: buffers.slots, slotLen: maxLen, direction,
    reads: direction === "mixed" ? v.get(io.reads, `${at}/reads`, { kind: "fraction", min: 0, max: 1 }, 0.5) : direction === "read" ? 1 : 0,
    write, read, pattern: io.pattern ?? "random",
    base: offset, files, fileLen, align: minLen, diskEnd: offset + region,
    promise: v.get(io.promise ?? "$promise", `${at}/promise`, { kind: "flag", min: 0, max: 1 }, 0) === 1,
    written: v.get(io.written, `${at}/written`, { kind: "flag", min: 0, max: 1 }, 1) === 1,
    fill: io.fill === undefined ? undefined : v.get(io.fill, `${at}/fill`, COUNT(0, 255), 0),
    readonly,
    touch: io.touch && planTouch(ctx, space, io, `${at}/touch`),
    forks: io.forks && planForks(ctx, io, `${at}/forks`),
  };
  const modify = io.modify && planModify(ctx, t, job, io.modify, `${at}/modify`);
  if (modify && readonly) throw new PlanError(`${at}/modify`, "read-only buffers cannot be modified");
  return { job: { ...job, modify }, own: "own" in buffers ? buffers.own : undefined };
}

function sizes(ctx: PlanContext, s: SizeSpec, at: string): Sizes {
  const r = BYTES(SECTOR, MAX_IO, SECTOR);
  if (typeof s !== "object") {
    const n = ctx.v.get(s, at, r, 0);
    return { min: n, max: n };
  }
  if ("split" in s) {
    const split = s.split.map((x, i) => ({
      len: ctx.v.get(x.size, `${at}/split/${i}/size`, r, 0),
      weight: ctx.v.get(x.weight, `${at}/split/${i}/weight`, COUNT(1, 1000000), 1),
    }));
    const lens = split.map((x) => x.len);
    return { min: Math.min(...lens), max: Math.max(...lens), split };
  }
  const min = ctx.v.get(s.min, `${at}/min`, r, 0);
  const max = ctx.v.get(s.max, `${at}/max`, r, 0);
  if (min > max) throw new PlanError(`${at}/min`, `size range min ${fmtBytes(min)} is above max ${fmtBytes(max)}`);
  return { min, max };
}

function planBuffers(
  ctx: PlanContext, space: Space, io: IoSpec, at: string, qd: number, maxLen: number,
): { readonly slots: number[]; readonly own?: MapPlan; readonly from: MapPlan } {
  const b = io.buffers ?? {};
  const align = b.align ?? PAGE;
  const offset = ctx.v.get(b.offset, `${at}/buffers/offset`, BYTES(0, MAX_BUFFERS, SECTOR), 0);
  if (ctx.device === Device.FS_CSUM && (align < PAGE || offset % PAGE !== 0))
    throw new PlanError(`${at}/buffers`, "fs-csum needs 4 KiB-aligned buffers (align 4096, offset a multiple of 4096)");
  const stride = alignUp(maxLen, align);
  const need = offset + qd * stride;
  const slotsFrom = (base: number) => Array.from({ length: qd }, (_, k) => base + offset + k * stride);

  if (b.mapping !== undefined) {
    for (const k of ["shared", "huge", "readonly", "prefault"] as const)
      if (b[k] !== undefined) throw new PlanError(`${at}/buffers/${k}`, `${k} comes from mapping "${b.mapping}": set it there`);
    const m = space.named.get(b.mapping);
    if (!m) throw new PlanError(`${at}/buffers/mapping`, `no mapping "${b.mapping}" in this process (mappings: ${[...space.named.keys()].join(", ") || "none"})`);
    const start = space.used.get(m.name) ?? 0;
    if (start + need > m.len)
      throw new PlanError(`${at}/buffers/mapping`,
        `mapping "${m.name}" is ${fmtBytes(m.len)}; ${qd} buffers of ${fmtBytes(maxLen)} need ${fmtBytes(need)} from ${fmtBytes(start)}`);
    space.used.set(m.name, start + need);
    return { slots: slotsFrom(m.va + start), from: m };
  }
  if (b.readonly && b.prefault) throw new PlanError(`${at}/buffers/prefault`, "read-only buffers cannot be prefaulted by a store");
  const len = alignUp(need, b.huge ? HUGE : PAGE);
  const va = alignUp(space.bufCursor, HUGE);
  space.bufCursor = va + len;
  ctx.mappedBytes += len;
  const own: MapPlan = { name: "buffers", va, len, flags: mapFlags(b), prefault: b.prefault === true };
  return { slots: slotsFrom(va), own, from: own };
}

/**
 * buffers.of: the buffers of an earlier thread of the same process (clone c of
 * this entry takes clone c's, or the one thread's): slot k is its slot k mod
 * its qd. Nothing is mapped for this job.
 */
function othersBuffers(
  ctx: PlanContext, t: number, name: string, clone: number, io: IoSpec, at: string, qd: number, maxLen: number,
): { readonly slots: number[]; readonly readonly: boolean } {
  const b = io.buffers!;
  for (const k of ["mapping", "align", "offset", "shared", "huge", "readonly", "prefault"] as const)
    if (b[k] !== undefined) throw new PlanError(`${at}/buffers/${k}`, `the buffers are thread "${b.of}"'s: ${k} comes from there`);
  const owner = ctx.byName.get(b.of!);
  if (!owner) throw new PlanError(`${at}/buffers/of`, `no thread "${b.of}" (threads: ${[...ctx.byName.keys()].join(", ")})`);
  if (b.of === name) throw new PlanError(`${at}/buffers/of`, `a thread's buffers are its own already: "of" names another thread`);
  const entry = [...ctx.byName.values()].find((e) => e.indices.includes(t))!;
  if (owner.indices.length !== 1 && owner.indices.length !== entry.indices.length)
    throw new PlanError(`${at}/buffers/of`,
      `thread "${b.of}" has ${owner.indices.length} clones and this one ${entry.indices.length}: clone c takes clone c's buffers (give both the same count, or "${b.of}" one)`);
  const o = owner.indices[owner.indices.length === 1 ? 0 : clone];
  const ot = ctx.threads[o];
  if (ot.proc !== ctx.threads[t].proc)
    throw new PlanError(`${at}/buffers/of`, `thread "${b.of}" is in another process: buffers are shared by the threads of one process`);
  if (!ot.job) throw new PlanError(`${at}/buffers/of`, `thread "${b.of}" has no buffers: it does no I/O, or comes later in the process (name an earlier one)`);
  if (maxLen > ot.job.slotLen)
    throw new PlanError(`${at}/buffers/of`, `thread "${b.of}"'s buffers are ${fmtBytes(ot.job.slotLen)}, smaller than this job's I/O (${fmtBytes(maxLen)})`);
  return { slots: Array.from({ length: qd }, (_, k) => ot.job!.slots[k % ot.job!.qd]), readonly: ot.job.readonly };
}

function planTouch(ctx: PlanContext, space: Space, io: IoSpec, at: string): TouchPlan {
  const t = io.touch!;
  const m = space.named.get(t.mapping);
  if (!m) throw new PlanError(`${at}/mapping`, `no mapping "${t.mapping}" in this process (mappings: ${[...space.named.keys()].join(", ") || "none"})`);
  if (m.flags % 2 === 0) throw new PlanError(`${at}/mapping`, `mapping "${t.mapping}" is read-only: a touch stores into it`);
  const bytes = ctx.v.get(t.bytes, `${at}/bytes`, BYTES(1, PAGE), 64);
  return { va: m.va, len: m.len, bytes };
}

function planForks(ctx: PlanContext, io: IoSpec, at: string): ForkPlan {
  const f = io.forks!;
  const touch = f.child?.touch ?? io.touch !== undefined;
  if (touch && !io.touch) throw new PlanError(`${at}/child/touch`, "the child touches what the job touches, and the job has no \"touch\"");
  return {
    count: ctx.v.get(f.count, `${at}/count`, COUNT(0, 4000), 0),
    cpu: ctx.v.get(f.cpu, `${at}/cpu`, COUNT(0, 63), 0),
    writeBuffers: f.child?.writeBuffers ?? true,
    touch,
    exit: f.child?.exit ?? true,
  };
}

function planModify(ctx: PlanContext, t: number, job: JobPlan, m: ModifySpec, at: string): ModifyPlan {
  const by = ctx.byName.get(m.by);
  if (!by) throw new PlanError(`${at}/by`, `no thread "${m.by}" (threads: ${[...ctx.byName.keys()].join(", ")})`);
  if (by.indices.length !== 1) throw new PlanError(`${at}/by`, `thread "${m.by}" has clones (count); by names one thread`);
  const who = by.indices[0];
  if (who === t || by.spec.io)
    throw new PlanError(`${at}/by`, `thread "${m.by}" does I/O itself; the modifier must be a thread without "io"`);
  const when = m.when ?? "in-flight";
  if (when === "continuous" && m.probability !== undefined)
    throw new PlanError(`${at}/probability`, "a continuous modifier stores all the time: no probability");
  if (when !== "continuous" && m.probability === undefined)
    throw new PlanError(at, "missing \"probability\" (the fraction of I/Os modified in flight), or use when: continuous");
  const others = ctx.threads[who].sources.map((s) => ctx.threads[s].job?.modify?.when === "continuous");
  if (others.length && others.some((c) => c !== (when === "continuous")))
    throw new PlanError(`${at}/when`, `thread "${m.by}" already modifies ${when === "continuous" ? "per I/O" : "continuously"} for another job; one modifier does one kind`);
  const bytes = m.bytes ?? "range";
  const line = ctx.v.get(m.line, `${at}/line`, BYTES(1, PAGE), 64);
  if (bytes === "neighbour") neighbourRoom(job, line, at);
  ctx.threads[who].sources.push(t);
  return {
    by: who, when, bytes, line,
    probability: when === "continuous" ? 1 : ctx.v.get(m.probability, `${at}/probability`, { kind: "fraction", min: 0, max: 1 }, 0),
    max: ctx.v.get(m.max, `${at}/max`, BYTES(SECTOR, MAX_IO, SECTOR), PAGE),
    byte: m.byte === undefined ? undefined : ctx.v.get(m.byte, `${at}/byte`, COUNT(0, 255), 0),
  };
}

/** The hot data beside a buffer: from the sector after it to the end of its last page. */
export function neighbourSpan(slotVa: number, len: number): { readonly first: number; readonly end: number } {
  return { first: alignUp(slotVa + len, SECTOR), end: alignUp(slotVa + len, PAGE) };
}

function neighbourRoom(job: JobPlan, line: number, at: string): void {
  for (let k = 0; k < job.slots.length; k++) {
    const { first, end } = neighbourSpan(job.slots[k], job.slotLen);
    if (end - first < line)
      throw new PlanError(`${at}/bytes`,
        `no room beside a ${fmtBytes(job.slotLen)} buffer for ${line}-byte stores of hot data in its last page (size must leave a sector free)`);
    if (k + 1 < job.slots.length && end > job.slots[k + 1])
      throw new PlanError(`${at}/bytes`, "the bytes beside a buffer belong to the next buffer: neighbour needs buffers align 4096");
  }
}
