// `stable-dio native`'s job: each selected policy on the real kernel (native
// runs, median CPU over --repeat runs taken in turn), the same workload, seed
// and policy on the Wasm core, and the user-level projection of both runs'
// counts from the profile: measured against projected CPU per I/O above
// direct, and the counts side by side.
import { Device, Policy, Stable } from "../../assembly/abi.js";
import type { Core } from "../core/core.js";
import type { BaseCpu, CostProfile, UffdCosts } from "../cost/profile.js";
import { runWorkload } from "../host/driver.js";
import { deviceId, type Named } from "../shared/names.js";
import { PAGE } from "../shared/units.js";
import { incompatibility, resolveParams } from "../workloads/params.js";
import type { Workload } from "../workloads/types.js";
import { nativePlan, type NativePlan } from "./plan.js";
import { projectUser, uffdUnits, type UserProjection } from "./projection.js";
import { runTwin, type TwinResult } from "./run.js";
import type { Session } from "./session.js";
import type { Target } from "./target.js";

export const NATIVE_DOC_VERSION = 1;

export interface PolicyRun {
  readonly policy: string;
  /** The I/O size parameter of this point (undefined: the workload's own sizes). */
  readonly size?: number;
  /** Native counters of the first run (same names as `run --json`). */
  readonly counters: Readonly<Record<string, number>>;
  readonly runs: ReadonlyArray<{ readonly cpu_ns: TwinResult["cpuNs"]; readonly steps_ns: number; readonly other_ns: number; readonly wall_ns: number }>;
  /** Median over the runs: CPU ns per I/O of the policy's threads (submitters + fault handler), and wall ns per I/O. */
  readonly cpu_per_io_ns: number;
  /** Median CPU per I/O of the submitters less the fill and the oracle (timed): the I/O path's and the policy's. */
  readonly io_path_per_io_ns: number;
  readonly wall_per_io_ns: number;
  /** Median MiB/s: bytes written and read over the submitters' wall time. */
  readonly mib_s: number;
  /** The Wasm core's counters for the same workload, seed, policy and params. */
  readonly core: Readonly<Record<string, number>>;
  /** User-level projection, ns per I/O above direct, from the core's counts and from native's own. */
  readonly projected?: { readonly from_core: UserProjection; readonly from_native: UserProjection };
  /** Why there is no projection, if there is none. */
  readonly unprojected?: string;
  /**
   * The policy's own cost per I/O, measured two ways: measured_ns = its CPU per I/O less direct's at the
   * same size (end to end, noisy where the cost is small); steps_ns = the policy's steps timed where they
   * run, plus the handler's CPU (median). ratio and steps_ratio: projected (core counts) / each.
   */
  readonly above_direct?: {
    readonly measured_ns: number;
    readonly steps_ns: number;
    readonly projected_ns?: number;
    readonly ratio?: number;
    readonly steps_ratio?: number;
  };
}

export interface NativeDoc {
  readonly tool: "stable-dio";
  readonly kind: "native";
  readonly version: number;
  readonly generated: string;
  readonly workload: string;
  readonly seed: number;
  readonly params: Readonly<Record<string, number>>;
  readonly target: string;
  readonly engine: "libaio";
  /** The device the Wasm core ran (fs-csum: crc32c per 4 KiB, as the native oracle), stability always on. */
  readonly core_device: string;
  readonly stable: "always";
  readonly profile: { readonly name: string; readonly label: string };
  readonly repeat: number;
  readonly notes: readonly string[];
  readonly results: readonly PolicyRun[];
  /** direct's CPU per I/O by size, fitted per I/O + per page (when direct ran at two sizes or more). */
  readonly base_cpu?: BaseCpu;
}

export interface NativeJob {
  readonly workload: Workload;
  readonly params: Readonly<Record<string, number>>;
  readonly seed: number;
  readonly policies: readonly Named<Policy>[];
  readonly repeat: number;
  /** I/O sizes to run at (each sets the size parameter); empty: the workload's own. */
  readonly sizes: readonly number[];
  readonly profile: CostProfile;
  readonly profileLabel: string;
}

/** The core's device: fs-csum (the native oracle's crc32c per 4 KiB) when the workload can run on it, else pi. */
export function coreDevice(w: Workload, params: Readonly<Record<string, number>>): Device {
  const fits = (d: Device) => {
    try {
      return incompatibility(w, resolveParams(w, d, params), d) === undefined;
    } catch {
      return false;
    }
  };
  return fits(Device.FS_CSUM) ? Device.FS_CSUM : Device.PI;
}

/** The plans, one per size, checked before anything runs. */
export function plansOf(job: Pick<NativeJob, "workload" | "params" | "sizes">): Array<{ size?: number; params: Record<string, number>; plan: NativePlan; device: Device }> {
  const points = job.sizes.length ? job.sizes.map((size) => ({ size, params: { ...job.params, size } })) : [{ size: undefined, params: { ...job.params } }];
  return points.map((p) => {
    const device = coreDevice(job.workload, p.params);
    const resolved = resolveParams(job.workload, device, p.params);
    const why = incompatibility(job.workload, resolved, device);
    if (why) throw new RangeError(why);
    return { ...p, params: resolved, plan: nativePlan(job.workload, resolved, device), device };
  });
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const WP = new Set(["wp-wait", "wp-cow", "wp-cow-degrade"]);

export async function runNativeJob(
  job: NativeJob, core: Core, bin: string, target: Target, session: Session, progress: (text: string) => void,
): Promise<NativeDoc> {
  const points = plansOf(job);
  const units: UffdCosts | string = uffdUnits(job.profile);
  const results: PolicyRun[] = [];
  const notes = new Set<string>();
  let step = 0;
  const total = points.length * job.repeat * job.policies.length;
  for (const pt of points) {
    for (const n of pt.plan.notes) notes.add(n);
    const runs = new Map<string, TwinResult[]>();
    for (let r = 0; r < job.repeat; r++) {
      for (const p of job.policies) {
        progress(`[${++step}/${total}] ${job.workload.id} ${p.id}${pt.size ? ` ${pt.size / 1024}K` : ""}`);
        const res = await runTwin(bin, target, pt.plan, p.id, job.seed, session);
        runs.set(p.id, [...(runs.get(p.id) ?? []), res]);
      }
    }
    const ios = pt.plan.ios;
    const cpuPerIo = (id: string) => median(runs.get(id)!.map((x) => (x.cpuNs.submit + x.cpuNs.handler) / ios));
    const direct = runs.has("direct") ? cpuPerIo("direct") : undefined;
    for (const p of job.policies) {
      const rs = runs.get(p.id)!;
      const coreRun = runWorkload(core, { workload: job.workload, policy: p.value, device: pt.device, seed: job.seed, params: pt.params, stable: Stable.ALWAYS });
      const cpu = cpuPerIo(p.id);
      let projected: PolicyRun["projected"];
      let unprojected: string | undefined;
      if (p.id === "verify") unprojected = "verify reads every block back through the device: not in the profile";
      else if (typeof units === "string" && WP.has(p.id)) unprojected = units;
      else {
        const u = typeof units === "string" ? { pte: 0, flush_page: 0, fixed: 0, msg: 0, cow: 0 } : units;
        projected = { from_core: projectUser(coreRun.counters, job.profile, u), from_native: projectUser(rs[0].counters, job.profile, u) };
      }
      const steps = median(rs.map((x) => (x.stepsNs + x.cpuNs.handler) / ios));
      const above = direct === undefined || p.id === "direct" ? undefined : {
        measured_ns: cpu - direct,
        steps_ns: steps,
        ...(projected ? {
          projected_ns: projected.from_core.perIoNs,
          ratio: projected.from_core.perIoNs / (cpu - direct),
          steps_ratio: projected.from_core.perIoNs / steps,
        } : {}),
      };
      results.push({
        policy: p.id,
        ...(pt.size ? { size: pt.size } : {}),
        counters: rs[0].counters,
        runs: rs.map((x) => ({ cpu_ns: x.cpuNs, steps_ns: x.stepsNs, other_ns: x.otherNs, wall_ns: x.wallNs })),
        cpu_per_io_ns: cpu,
        io_path_per_io_ns: median(rs.map((x) => (x.cpuNs.submit - x.otherNs) / ios)),
        wall_per_io_ns: median(rs.map((x) => x.wallNs / ios)),
        mib_s: median(rs.map((x) => ((x.counters.bytes_written + x.counters.bytes_read) / 2 ** 20) / (x.wallNs / 1e9))),
        core: coreRun.counters,
        ...(projected ? { projected } : {}),
        ...(unprojected ? { unprojected } : {}),
        ...(above ? { above_direct: above } : {}),
      });
    }
  }
  const base = baseFit(results.filter((r) => r.policy === "direct" && r.size !== undefined), job, target);
  return {
    tool: "stable-dio",
    kind: "native",
    version: NATIVE_DOC_VERSION,
    generated: new Date().toISOString(),
    workload: job.workload.id,
    seed: job.seed,
    params: job.params,
    target: target.what,
    engine: "libaio",
    core_device: deviceId(points[0].device),
    stable: "always",
    profile: { name: job.profile.name, label: job.profileLabel },
    repeat: job.repeat,
    notes: [...notes],
    results,
    ...(base ? { base_cpu: base } : {}),
  };
}

/**
 * direct's I/O-path CPU per I/O (its submitters' CPU less the fill and the oracle) as per_io_ns + pages x
 * per_page_ns, by least squares of the relative error (weights 1/y^2): sizes from 4 KiB to 1 MiB span 256x,
 * and a plain fit would be the largest size's alone.
 */
function baseFit(direct: readonly PolicyRun[], job: NativeJob, target: Target): BaseCpu | undefined {
  const pts = direct.map((r) => [r.size!, r.io_path_per_io_ns] as const).sort((a, b) => a[0] - b[0]);
  if (new Set(pts.map((p) => p[0])).size < 2) return undefined;
  const xs = pts.map((p) => p[0] / PAGE);
  const ws = pts.map((p) => 1 / p[1] ** 2);
  const sum = (f: (i: number) => number) => pts.reduce((a, _, i) => a + f(i), 0);
  const sw = sum((i) => ws[i]);
  const mx = sum((i) => ws[i] * xs[i]) / sw;
  const my = sum((i) => ws[i] * pts[i][1]) / sw;
  const perPage = sum((i) => ws[i] * (xs[i] - mx) * (pts[i][1] - my)) / sum((i) => ws[i] * (xs[i] - mx) ** 2);
  return {
    per_io_ns: my - perPage * mx,
    per_page_ns: perPage,
    points: pts.map(([b, ns]) => [b, ns] as const),
    source: `stable-dio native -w ${job.workload.id} -p direct, ${target.what}, libaio, CPU of the submitting threads less the fill ` +
      `and the oracle's checksums, median of ${job.repeat}, fitted on relative error`,
    date: new Date().toISOString(),
  };
}
