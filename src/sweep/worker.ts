// A sweep worker thread: loads its own core once, then runs the points the
// main thread sends, one at a time, and posts each record back.
import { parentPort, workerData } from "node:worker_threads";
import { loadCore, type CoreId } from "../host/cores.js";
import { isTooBig } from "../host/driver.js";
import type { SweepPoint } from "./grid.js";
import type { WorkerReply } from "./pool.js";
import { runPoint, workloadsOf } from "./run-point.js";
import type { WorkloadSpec } from "../workloads/spec.js";

interface WorkerInit {
  readonly core: CoreId;
  readonly worker: number;
  /** The grid's workloads that are not built-ins, as specs by id. */
  readonly specs: Readonly<Record<string, WorkloadSpec>>;
}

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error("sweep worker: not in a worker thread");
const core = loadCore(init.core);
const files = workloadsOf(init.specs);

port.on("message", (p: SweepPoint) => {
  void core.then((c) => {
    const t0 = performance.now();
    let reply: WorkerReply;
    try {
      const run = runPoint(c, p, files);
      reply = { ok: true, key: p.key, worker: init.worker, wallMs: performance.now() - t0, run };
    } catch (e) {
      // A point too big for the core (frames, memory) is the grid's problem, said in one line; anything else is a bug.
      const usage = isTooBig(e) ? e.message : undefined;
      reply = { ok: false, key: p.key, worker: init.worker, error: e instanceof Error ? (e.stack ?? e.message) : String(e), usage };
    }
    port.postMessage(reply);
  });
});
