// The crossover's unit of measurement: a few direct writes of one size by one
// process whose threads run on `threads` CPUs, on buffers mapped with 4 KiB
// PTEs or 2 MiB PMDs, each I/O on a freshly written buffer of its own, and,
// when asked, the process writing 512 bytes of the buffer's middle page while
// the I/O is in flight (a contract violation). Device none with STABLE=ALWAYS
// isolates the policy's mechanism (verify, which needs a checksum to re-check,
// is the one exception: below); ORACLE and DMA_CHECK are off (test
// instrumentation, no kernel cost). Returns the core's counters.
import { Device, IoFlag, IoState, Key, MapFlag, Op, Policy, Stable } from "../../assembly/abi.js";
import type { Core } from "../core/core.js";
import { errName, readCounters } from "../host/result.js";
import { alignUp, HUGE, PAGE } from "../shared/units.js";
import { DEFAULT_WP, wpKeys, type WpChoices } from "../shared/wp.js";

export type Mapping = "pte" | "pmd";

export interface Scenario {
  readonly policy: Policy;
  readonly size: number;
  readonly threads: number;
  readonly mapping: Mapping;
  /** The process writes each buffer while its I/O is in flight. */
  readonly violate: boolean;
  /** I/Os (each on its own buffer); default 2. */
  readonly ios?: number;
  /**
   * The write-protect's implementation choices (default: today's). With a
   * batch above 1 the I/Os go in submission calls of that many (every buffer
   * of a call written first) and are reaped together.
   */
  readonly wp?: WpChoices;
}

const BASE_VA = 0x1000_0000;

function ok(rc: number, what: string, core: Core): number {
  if (rc < 0) throw new Error(`crossover scenario: ${what} returned -${errName(rc)} (detail ${core.errDetail()})`);
  return rc;
}

/**
 * verify re-checks the bytes against what the device checksummed at submit:
 * on device none it has nothing to check (it would cost what direct costs and
 * never notice a violation). So it runs on fs-csum, less the submit-time
 * checksum that every policy pays on that device (direct's count there),
 * which leaves the re-check, the buffered rewrite of a mismatch, and the
 * bounces of the degraded process after it.
 */
export function runScenario(core: Core, s: Scenario): Record<string, number> {
  if (s.policy !== Policy.VERIFY) return runOn(core, s, Device.NONE);
  const verify = runOn(core, s, Device.FS_CSUM);
  const submit = runOn(core, { ...s, policy: Policy.DIRECT }, Device.FS_CSUM).csum_bytes ?? 0;
  return { ...verify, csum_bytes: (verify.csum_bytes ?? 0) - submit };
}

function runOn(core: Core, s: Scenario, device: Device): Record<string, number> {
  const wp = s.wp ?? DEFAULT_WP;
  const ios = s.ios ?? 2;
  const huge = s.mapping === "pmd";
  const span = huge ? alignUp(s.size, HUGE) : alignUp(s.size, PAGE) + PAGE;
  const pages = span / PAGE;
  const frames = alignUp(ios * pages * 2 + 2048, 512);
  const keys: Array<[Key, number]> = [
    [Key.POLICY, s.policy], [Key.DEVICE, device], [Key.RAID_DISKS, 4],
    [Key.DISK_BLOCKS, Math.max(16, s.size / PAGE)], [Key.MAX_FRAMES, frames], [Key.CPUS, s.threads],
    [Key.STABLE, Stable.ALWAYS], [Key.ORACLE, 0], [Key.MAX_IOS, 16], [Key.MAX_PROCS, 1],
    [Key.IO_PAGES, Math.max(16, Math.min(ios, wp.batch) * pages + 16)], [Key.TLB_ENTRIES, 64], [Key.DMA_CHECK, 0], [Key.MAX_THREADS, s.threads],
    ...wpKeys(wp),
  ];
  for (const [k, v] of keys) ok(core.set(k, v), `sd_set(${k}, ${v})`, core);
  ok(core.reset(), "sd_reset", core);
  const pid = ok(core.procCreate(0), "sd_proc_create", core);
  const tids: number[] = [];
  for (let t = 0; t < s.threads; t++) tids.push(ok(core.threadCreate(pid, t), "sd_thread_create", core));
  const mid = Math.floor(s.size / PAGE / 2) * PAGE;
  // One I/O at a time (batch 1), or submission calls of `batch` I/Os reaped together.
  const batch = Math.min(wp.batch, ios);
  for (let first = 0; first < ios; first += batch) {
    const call: Array<{ va: number; io: number }> = [];
    const n = Math.min(batch, ios - first);
    for (let i = first; i < first + n; i++) {
      const va = BASE_VA + i * span;
      ok(core.map(pid, va, span, MapFlag.WRITE | (huge ? MapFlag.HUGE : 0)), "sd_map", core);
      ok(core.store(tids[0], va, s.size, 1 + (i & 127)), "sd_store (fill)", core);
      call.push({ va, io: 0 });
    }
    call.forEach((c, k) => (c.io = ok(core.submit(tids[0], Op.WRITE, c.va, s.size, 0, k < n - 1 ? IoFlag.MORE : 0), "sd_submit", core)));
    if (s.violate) for (const c of call) ok(core.store(tids[0], c.va + mid, 512, 200), "sd_store (violation)", core);
    // wp-wait's stall completed some already.
    const left = call.filter((c) => core.ioState(c.io) !== IoState.COMPLETED);
    left.forEach((c, k) => ok(core.complete(c.io, k < left.length - 1), "sd_complete", core));
  }
  return readCounters(core);
}
