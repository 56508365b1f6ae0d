// Section 5 of docs/model.md, written again from the table for the tests:
// the mode an I/O must get from the device, the stability setting, the
// policy, the process's flags and the promise flag.
import { Device, Mode, Op, Policy, ProcFlag, Stable } from "../../../assembly/abi.js";

export function expectedMode(device: number, stable: number, policy: number, procFlags: number, op: Op, promise: boolean): Mode {
  const level = procFlags & ProcFlag.KERNEL ? 0 : promise ? 1 : 2;
  const needs =
    stable === Stable.ALWAYS ||
    (stable === Stable.AUTO &&
      ((device === Device.PI && op === Op.WRITE && level === 1) ||
        (device === Device.PARITY && op === Op.WRITE && level >= 1) ||
        (device === Device.FS_CSUM && level >= 1)));
  if (!needs) return Mode.DIRECT;
  const degraded = (procFlags & ProcFlag.DEGRADED) !== 0;
  switch (policy) {
    case Policy.BOUNCE: return Mode.BOUNCE;
    case Policy.WP_COW:
    case Policy.WP_WAIT: return Mode.WP;
    case Policy.WP_COW_DEGRADE: return degraded ? Mode.BOUNCE : Mode.WP;
    case Policy.OPT_OUT: return procFlags & ProcFlag.UNSAFE ? Mode.BOUNCE : Mode.DIRECT;
    case Policy.OPT_OUT_INVERSE: return procFlags & ProcFlag.TRUSTED ? Mode.DIRECT : Mode.BOUNCE;
    case Policy.VERIFY: return op === Op.READ ? Mode.DIRECT : degraded ? Mode.BOUNCE : Mode.VERIFY;
    default: return Mode.DIRECT;
  }
}
