// The operation vocabulary shared by workloads, the host driver, traces and
// the differential tests: one record per Core call that changes state.
import type { Core } from "./core.js";

export type OpRecord =
  | { op: "proc"; flags: number }
  | { op: "thread"; pid: number; cpu: number }
  | { op: "thread_state"; tid: number; state: number }
  | { op: "map"; pid: number; va: number; len: number; flags: number }
  | { op: "unmap"; tid: number; va: number; len: number }
  | { op: "store"; tid: number; va: number; len: number; byte: number }
  | { op: "load"; tid: number; va: number; len: number }
  | { op: "submit"; tid: number; dir: number; va: number; len: number; sector: number; flags: number }
  | { op: "dma"; io: number }
  | { op: "complete"; io: number }
  /** sd_complete_more: another completion of the same reap follows (docs/model.md section 12). */
  | { op: "complete_more"; io: number }
  | { op: "fork"; tid: number; cpu: number }
  | { op: "exit"; pid: number }
  | { op: "unwritten"; block: number; count: number }
  | { op: "alias"; pid: number; va: number; len: number; srcpid: number; srcva: number }
  | { op: "ring"; pid: number; va: number; len: number; kind: number };

export type OpName = OpRecord["op"];

/** Applies one operation to a core and returns the call's result (>= 0, or -Err). */
export function applyOp(core: Core, r: OpRecord): number {
  switch (r.op) {
    case "proc": return core.procCreate(r.flags);
    case "thread": return core.threadCreate(r.pid, r.cpu);
    case "thread_state": return core.threadState(r.tid, r.state);
    case "map": return core.map(r.pid, r.va, r.len, r.flags);
    case "unmap": return core.unmap(r.tid, r.va, r.len);
    case "store": return core.store(r.tid, r.va, r.len, r.byte);
    case "load": {
      const got = core.load(r.tid, r.va, r.len);
      return typeof got === "number" ? got : 0;
    }
    case "submit": return core.submit(r.tid, r.dir, r.va, r.len, r.sector, r.flags);
    case "dma": return core.dma(r.io);
    case "complete": return core.complete(r.io);
    case "complete_more": return core.complete(r.io, true);
    case "fork": return core.fork(r.tid, r.cpu);
    case "exit": return core.exit(r.pid);
    case "unwritten": return core.diskUnwritten(r.block, r.count);
    case "alias": return core.mapAlias(r.pid, r.va, r.len, r.srcpid, r.srcva);
    case "ring": return core.ring(r.pid, r.va, r.len, r.kind);
  }
}
