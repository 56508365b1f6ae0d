// The built-in workloads: the JSON files of the package's workloads/ folder
// (users read and copy them), run by the one engine, in the order the main
// table lists them.
import { packageFile } from "../core/paths.js";
import { loadWorkloadFile } from "./load.js";
import type { Workload } from "./types.js";

export type { Workload } from "./types.js";

export const BUILTIN_IDS = [
  "db-writer", "racer", "qemu-guest", "sub-page", "multithread", "direct-reader", "shared-mapping", "fork-during-io", "huge-pages",
] as const;

export const WORKLOADS: readonly Workload[] = BUILTIN_IDS.map((id) =>
  loadWorkloadFile(packageFile("workloads", `${id}.json`), `workloads/${id}.json`));

/** The built-in workload `id` names, whatever its case. */
export function findWorkload(id: string): Workload | undefined {
  const want = id.trim().toLowerCase();
  return WORKLOADS.find((w) => w.id === want);
}
