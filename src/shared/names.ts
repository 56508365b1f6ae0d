// User-facing ids for the ABI's numbers: policy and device ids as the CLI and
// the reports spell them, and snake_case counter names derived from the enums
// in assembly/abi.ts (so a counter added there shows up here by itself).
import { Counter, Device, FrameKind, Policy, WarnKind } from "../../assembly/abi.js";

export interface Named<T> {
  readonly id: string;
  readonly value: T;
  readonly summary: string;
}

export const POLICIES: readonly Named<Policy>[] = [
  { id: "direct", value: Policy.DIRECT, summary: "status quo: the device reads the user pages as they are at its DMA point" },
  { id: "bounce", value: Policy.BOUNCE, summary: "copy into a kernel buffer at submit (Hellwig; Linux 7.0 IOMAP_DIO_BOUNCE)" },
  { id: "wp-cow", value: Policy.WP_COW, summary: "write-protect at submit; a write fault copies the page for the process (Back)" },
  { id: "wp-cow-degrade", value: Policy.WP_COW_DEGRADE, summary: "wp-cow, and a process that faulted once has its later I/O bounced" },
  { id: "wp-wait", value: Policy.WP_WAIT, summary: "write-protect; a writer to an in-flight page waits for the I/O (stable pages)" },
  { id: "opt-out", value: Policy.OPT_OUT, summary: "processes flagged UNSAFE bounce, the rest go direct (Chinner)" },
  { id: "opt-out-inverse", value: Policy.OPT_OUT_INVERSE, summary: "processes flagged TRUSTED go direct, the rest bounce (Hellwig's opt-outs)" },
  { id: "verify", value: Policy.VERIFY, summary: "re-check after the write, rewrite buffered on mismatch, then degrade (OpenZFS)" },
];

export const DEVICES: readonly Named<Device>[] = [
  { id: "none", value: Device.NONE, summary: "no checks: nothing needs stable pages" },
  { id: "pi", value: Device.PI, summary: "T10-DIF CRC16 guard per 512 B sector; stable only for I/O submitted with PROMISE (level 1)" },
  { id: "parity", value: Device.PARITY, summary: "md RAID5 over 4 data disks, parity from a stripe-cache snapshot at submit" },
  { id: "fs-csum", value: Device.FS_CSUM, summary: "btrfs-like crc32c per 4 KiB block; 4 KiB-aligned I/O only; reads are verified too" },
];

/** Stable value -> its id ("auto", "always", "never"), as --stable takes it and results record it. */
export const STABLE_IDS = ["auto", "always", "never"] as const;

export function policyId(p: Policy): string {
  return byValue(POLICIES, p).id;
}

export function deviceId(d: Device): string {
  return byValue(DEVICES, d).id;
}

export function findId<T>(list: readonly Named<T>[], id: string): Named<T> | undefined {
  return list.find((n) => n.id === id);
}

function byValue<T>(list: readonly Named<T>[], v: T): Named<T> {
  const n = list.find((x) => x.value === v);
  if (!n) throw new Error(`no id for value ${String(v)}`);
  return n;
}

/** Counter.BYTES_COPIED -> "bytes_copied", in index order. */
export const COUNTER_NAMES: readonly string[] = enumNames(Counter as unknown as Record<string, number>, Counter.COUNT);

/** FrameKind.PGTABLE -> "pgtable", in index order. */
export const FRAME_KIND_NAMES: readonly string[] = enumNames(FrameKind as unknown as Record<string, number>, FrameKind.COUNT);

export function warnKindName(kind: number): string {
  const n = (WarnKind as unknown as Record<number, string>)[kind];
  return n ? n.toLowerCase() : `kind-${kind}`;
}

function enumNames(e: Record<string, number>, count: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = (e as unknown as Record<number, string | undefined>)[i];
    if (n === undefined) throw new Error(`enum has no member ${i}`);
    names.push(n.toLowerCase());
  }
  return names;
}
