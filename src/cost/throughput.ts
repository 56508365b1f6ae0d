// Throughput projection: what a policy's projected CPU per I/O does to MiB/s
// and CPU use on a machine with a given device. An I/O takes base CPU (the
// block layer, file system, driver: a part per I/O and a part per 4 KiB page,
// so one base fits small and large I/O alike) plus the policy's cost;
// throughput is the lowest of what the CPUs, the device (bandwidth and IOPS)
// and the queue (Little's law: qd / latency) allow.
import { PAGE } from "../shared/units.js";
import type { BaseCpu } from "./profile.js";
export interface ThroughputParams {
  /** Device bandwidth, MiB/s. */
  readonly bandwidthMiBs: number;
  /** Device IOPS limit. */
  readonly iops: number;
  /** I/Os in flight. */
  readonly qd: number;
  /** CPUs submitting and completing I/O. */
  readonly cpus: number;
  /** CPU per I/O outside the policy, us: the part every I/O pays... */
  readonly baseUs: number;
  /** ...and what each 4 KiB page of it adds, ns. */
  readonly basePageNs: number;
  /** Device latency per I/O, us. */
  readonly latencyUs: number;
}

export const DEFAULT_THROUGHPUT: ThroughputParams = {
  bandwidthMiBs: 3000,
  iops: 1_000_000,
  qd: 32,
  cpus: 4,
  baseUs: 2,
  basePageNs: 0,
  latencyUs: 20,
};

/** The base CPU outside the policy: a profile's measured `base_cpu` (stable-dio native --save-base), else the defaults. */
export function baseOf(base: BaseCpu | undefined): Pick<ThroughputParams, "baseUs" | "basePageNs"> {
  return base
    ? { baseUs: base.per_io_ns / 1000, basePageNs: base.per_page_ns }
    : { baseUs: DEFAULT_THROUGHPUT.baseUs, basePageNs: DEFAULT_THROUGHPUT.basePageNs };
}

/** CPU per I/O of `sizeBytes` outside the policy, us. */
export function baseCpuUs(sizeBytes: number, p: Pick<ThroughputParams, "baseUs" | "basePageNs">): number {
  // A fit (per_io_ns may come out negative) never makes the base negative.
  return Math.max(0, p.baseUs + (Math.ceil(sizeBytes / PAGE) * p.basePageNs) / 1000);
}

export type Bound = "cpu" | "bandwidth" | "iops" | "queue";

export interface Throughput {
  readonly iops: number;
  readonly mibs: number;
  /** Share of all the CPUs busy, percent. */
  readonly cpuPercent: number;
  /** Which limit binds. */
  readonly bound: Bound;
}

/** policyUs: the policy's CPU per I/O; waitUs: time its writers stall per I/O (adds to the queue's latency). */
export function throughput(sizeBytes: number, policyUs: number, waitUs: number, p: ThroughputParams): Throughput {
  const cpuUs = baseCpuUs(sizeBytes, p) + policyUs;
  const limits: Array<[Bound, number]> = [
    ["cpu", (p.cpus * 1e6) / cpuUs],
    ["bandwidth", (p.bandwidthMiBs * 2 ** 20) / sizeBytes],
    ["iops", p.iops],
    ["queue", (p.qd * 1e6) / (p.latencyUs + cpuUs + waitUs)],
  ];
  let [bound, iops] = limits[0];
  for (const [b, v] of limits) if (v < iops) [bound, iops] = [b, v];
  return { iops, mibs: (iops * sizeBytes) / 2 ** 20, cpuPercent: (100 * iops * cpuUs) / (p.cpus * 1e6), bound };
}
