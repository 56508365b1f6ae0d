// The built-in workloads, in the order the main table lists them.
import { dbWriter } from "./db-writer.js";
import { directReader } from "./direct-reader.js";
import { forkDuringIo } from "./fork-during-io.js";
import { hugePages } from "./huge-pages.js";
import { multithread } from "./multithread.js";
import { qemuGuest } from "./qemu-guest.js";
import { racer } from "./racer.js";
import { sharedMapping } from "./shared-mapping.js";
import { subPage } from "./sub-page.js";
import type { Workload } from "./types.js";

export type { Workload } from "./types.js";

export const WORKLOADS: readonly Workload[] = [
  dbWriter, racer, qemuGuest, subPage, multithread, directReader, sharedMapping, forkDuringIo, hugePages,
];

export function findWorkload(id: string): Workload | undefined {
  return WORKLOADS.find((w) => w.id === id);
}
