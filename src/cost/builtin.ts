// The built-in cost profile: native timings of a 2-vCPU AMD EPYC VM (Linux
// 6.18), the middle of each measured range, and for the figures those
// timings lack, `stable-dio calibrate` on a VM of the same kind.
// docs/profiles.md lists every figure with its source; the package ships the
// same profile as the reference profile ref:epyc-vm (a test holds them equal).
import { decompose, type Measured } from "./decompose.js";
import { PROFILE_VERSION, type CostProfile, type UnitCosts } from "./profile.js";

/** The EPYC VM's native timings (midpoints of their ranges over repeated runs), ns. */
export const EPYC_VM_FIGURES: Measured = {
  "mprotect_pair.1": 2800, // 2.5-3.1 us
  "mprotect_pair.256": 48000, // 43-53 us
  "mprotect_pair_remote.1.1": 31000, // 29-33 us, another thread running
  "mprotect_pair_remote.1.256": 83500, // 79-88 us
  trap: 3400,
  "trap_remote.1": 4200, // 4.0-4.4 us
  user_cow: 10700, // 10.6-10.8 us
  "user_cow_remote.1": 43500, // 42-45 us
  fault_cow_fork: 3500,
  "memcpy_hot.4096": 117.5, // 55-180 ns
  "memcpy_cold.4096": 1200, // 1.0-1.4 us
  "memcpy_hot.1048576": 33000, // 31-35 us
  "memcpy_cold.1048576": 142000, // 115-169 us
};

/**
 * What those timings lack, from `stable-dio calibrate` on a 2-vCPU AMD EPYC VM
 * (Linux 6.18.44, Debian 12), February 2026, load average below 0.3 (medians).
 * The one 1-page mprotect figure above is taken as the unsplit case (no
 * mprotect_pair_vma.1 here), so `vma` is 0 and `flush` an upper bound.
 */
export const GAP_FIGURES: Measured = {
  syscall: 168,
  fault_zero_read: 637,
  fault_anon_write: 1529,
  "gup_vmsplice.1": 922,
  "gup_vmsplice.16": 1786,
  wake_switch: 2592,
};

/**
 * Not derivable from the figures above: the kernel's crc32c (with the CRC32
 * instruction, about 10 GB/s: assumed), and what a page adds to a shootdown
 * of at most 33 pages (the timings have no 16-page figure: the value
 * stable-dio calibrate derives on the same kind of VM).
 */
export const ASSUMED: Partial<UnitCosts> = { csum_byte: 0.1, flush_page: 30 };

export const BUILTIN_DATE = "2026-02-01";

export const BUILTIN_SOURCE = "native timings of a 2-vCPU AMD EPYC VM (Linux 6.18), the middle of each range; " +
  "gaps from stable-dio calibrate on a VM of the same kind (docs/profiles.md)";

let cached: CostProfile | undefined;

export function builtinProfile(): CostProfile {
  if (cached) return cached;
  const measured = { ...EPYC_VM_FIGURES, ...GAP_FIGURES };
  const d = decompose(measured, ASSUMED);
  cached = {
    tool: "stable-dio",
    kind: "cost-profile",
    version: PROFILE_VERSION,
    name: "built-in",
    source: BUILTIN_SOURCE,
    date: BUILTIN_DATE,
    machine: { cpu: "AMD EPYC (virtual machine)", cores: 2, os: "Linux", kernel: "Linux 6.18" },
    measured,
    costs: d.costs,
    assumed: d.assumed,
  };
  return cached;
}
