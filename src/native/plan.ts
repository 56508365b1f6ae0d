// From a workload's plan (src/workloads/plan.ts) to the lines native/twin
// reads: the part of a workload that maps to one real process (threads,
// private anonymous buffers, writes and reads, sizes, queue depth, the
// in-flight modifications). What it cannot run is refused, naming it.
import { MapFlag, type Device } from "../../assembly/abi.js";
import { alignUp, MiB, PAGE } from "../shared/units.js";
import type { Plan } from "../workloads/plan.js";
import type { Params, Workload } from "../workloads/types.js";

/** The lines of native/twin/main.c's plan, less the "run" and "go" lines, and the bytes the run owns. */
export interface NativePlan {
  readonly body: string;
  /** Bytes of the device the jobs use, from offset 0 of the range the run owns. */
  readonly length: number;
  readonly ios: number;
  /** Notes on parts of the workload that run differently natively. */
  readonly notes: readonly string[];
}

/** What native cannot run in this workload, or undefined. */
export function unsupported(plan: Plan): string | undefined {
  const shared = [...plan.procs.flatMap((p) => p.mappings), ...plan.threads.flatMap((t) => (t.own ? [t.own] : []))]
    .find((m) => m.flags & MapFlag.SHARED);
  if (shared) return `mapping "${shared.name}" is MAP_SHARED (user level cannot copy it on write, only wait or bounce; native maps private memory)`;
  const forked = plan.procs.find((p) => p.forkOf !== undefined);
  if (forked) return `process "${forked.name}" is forked (native runs no fork)`;
  for (const t of plan.threads) {
    const j = t.job;
    if (!j) continue;
    if (j.forks && j.forks.count > 0) return `thread "${t.name}" forks (native runs no fork)`;
    if (j.touch) return `thread "${t.name}" touches hot data in a named mapping (native maps buffers only)`;
    if (!t.own) return `thread "${t.name}" has its buffers in a named mapping (native maps each thread's buffers privately)`;
    if (t.own.flags & MapFlag.SHARED) return `thread "${t.name}" has MAP_SHARED buffers (user level cannot copy them on write: only wait or bounce)`;
    if (t.own.flags & MapFlag.HUGE) return `thread "${t.name}" has huge-page buffers (native maps 4 KiB pages)`;
    if (!(t.own.flags & MapFlag.WRITE)) return `thread "${t.name}" has read-only buffers`;
    if (j.slots.length > 256) return `thread "${t.name}" has qd ${j.slots.length} (at most 256)`;
  }
  if (plan.threads.length > 64) return `${plan.threads.length} threads (at most 64)`;
  return undefined;
}

export function nativePlan(w: Workload, params: Params, device: Device): NativePlan {
  if (!w.plan) throw new Error(`${w.id}: no plan`);
  const plan = w.plan(params, device);
  const why = unsupported(plan);
  if (why) throw new RangeError(why);
  const lines: string[] = [];
  const notes: string[] = [];
  let length = 0;
  let ios = 0;
  if (plan.procs.length > 1)
    notes.push(`its ${plan.procs.length} processes run as threads of one process: their protects and restores reach each other's CPUs, ` +
      "which separate processes' would not, and warnings and degrading are once for all of them");
  plan.threads.forEach((t) => lines.push(`thread cpu ${t.cpu}`));
  plan.threads.forEach((t, i) => {
    const j = t.job;
    if (!j || !t.own) return;
    ios += j.ios;
    const end = j.base + j.files * j.fileLen;
    length = Math.max(length, j.diskEnd, end);
    const stride = j.slots.length > 1 ? j.slots[1] - j.slots[0] : alignUp(j.slotLen, PAGE);
    lines.push([
      "job", "thread", i, "ios", j.ios, "qd", j.qd, "dir", j.direction, "reads", j.reads,
      "wmin", j.write.min, "wmax", j.write.max, "rmin", j.read.min, "rmax", j.read.max,
      "seq", j.pattern === "sequential" ? 1 : 0, "base", j.base, "files", j.files, "file_len", j.fileLen,
      "align", j.align, "slot_len", j.slotLen, "fill", j.fill ?? -1, "buf_off", j.slots[0] - t.own.va,
      "stride", stride, "arena_len", t.own.len,
    ].join(" "));
    if (j.direction !== "write") lines.push(`prefill off ${j.base} len ${end - j.base}`);
    const m = j.modify;
    if (m) {
      if (m.when === "before-dma" || m.when === "after-dma")
        notes.push(`${t.name}: modify when "${m.when}" runs as "in-flight" (the DMA point is the device's)`);
      lines.push([
        "modify", "thread", i, "by", m.by, "when", m.when === "continuous" ? "continuous" : "in-flight",
        "p", m.probability, "bytes", m.bytes, "max", m.max, "line", m.line, "byte", m.byte ?? -1,
      ].join(" "));
    }
  });
  return { body: lines.join("\n") + "\n", length: alignUp(length, MiB), ios, notes };
}
