// Runs sweep points on worker threads, one point per worker at a time, the
// next point going to whichever worker finishes first. The main thread owns
// the journal: a point counts as done when its reply is written there.
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { CoreId } from "../host/cores.js";
import { UsageError } from "../shared/io.js";
import { packageFile } from "../core/paths.js";
import type { RunRecord } from "../report/document.js";
import type { SweepPoint } from "./grid.js";
import type { WorkloadSpec } from "../workloads/spec.js";

export type WorkerReply =
  | { readonly ok: true; readonly key: string; readonly worker: number; readonly wallMs: number; readonly run: RunRecord }
  | { readonly ok: false; readonly key: string; readonly worker: number; readonly error: string; readonly usage?: string };

export type PointDone = Extract<WorkerReply, { ok: true }>;

/** The compiled worker: beside this module in dist/, or dist's copy when running from src/ (tests). */
function workerUrl(): URL {
  if (import.meta.url.endsWith(".ts")) return pathToFileURL(packageFile("dist", "src", "sweep", "worker.js"));
  return new URL("./worker.js", import.meta.url);
}

export function runPool(
  points: readonly SweepPoint[], workers: number, core: CoreId, specs: Readonly<Record<string, WorkloadSpec>>, onDone: (d: PointDone) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const pool: Worker[] = [];
    const busy = new Set<Worker>();
    let next = 0;
    let finished = 0;
    let failed = false;
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      for (const w of pool) void w.terminate();
      reject(e);
    };
    const feed = (w: Worker) => {
      if (next < points.length) {
        busy.add(w);
        w.postMessage(points[next++]);
      } else void w.terminate();
    };
    const n = Math.min(workers, points.length);
    if (n === 0) return resolve();
    for (let i = 1; i <= n; i++) {
      const w = new Worker(workerUrl(), { workerData: { core, worker: i, specs } });
      pool.push(w);
      w.on("message", (r: WorkerReply) => {
        busy.delete(w);
        if (failed) return;
        if (!r.ok) {
          return fail(r.usage !== undefined ? new UsageError(`sweep point ${r.key}: ${r.usage}`)
            : new Error(`sweep point ${r.key} failed on worker ${r.worker}: ${r.error}`));
        }
        try {
          onDone(r);
        } catch (e) {
          return fail(e instanceof Error ? e : new Error(String(e)));
        }
        if (++finished === points.length) {
          for (const x of pool) void x.terminate();
          resolve();
        } else feed(w);
      });
      w.on("error", (e) => fail(e));
      w.on("exit", (code) => {
        if (busy.has(w)) fail(new Error(`sweep worker ${i} exited (code ${code}) in the middle of a point`));
      });
      feed(w);
    }
  });
}
