// Throughput projection: what a policy's projected CPU per I/O does to MiB/s
// and CPU use on a machine with a given device. An I/O takes base CPU (the
// block layer, file system, driver) plus the policy's cost; throughput is the
// lowest of what the CPUs, the device (bandwidth and IOPS) and the queue
// (Little's law: qd / latency) allow.
export interface ThroughputParams {
  /** Device bandwidth, MiB/s. */
  readonly bandwidthMiBs: number;
  /** Device IOPS limit. */
  readonly iops: number;
  /** I/Os in flight. */
  readonly qd: number;
  /** CPUs submitting and completing I/O. */
  readonly cpus: number;
  /** CPU per I/O outside the policy, us. */
  readonly baseUs: number;
  /** Device latency per I/O, us. */
  readonly latencyUs: number;
}

export const DEFAULT_THROUGHPUT: ThroughputParams = {
  bandwidthMiBs: 3000,
  iops: 1_000_000,
  qd: 32,
  cpus: 4,
  baseUs: 2,
  latencyUs: 20,
};

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
  const cpuUs = p.baseUs + policyUs;
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
