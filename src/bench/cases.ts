// Every benchmark: what one operation is, and how to set it up on the Wasm
// core and on the reference model. Configurations are shared, so both sides
// do the same work on the same state.
import { Device, Key, Policy, Stable } from "../../assembly/abi.js";
import { POLICIES } from "../shared/names.js";
import { fmtBytes, KiB, MiB } from "../shared/units.js";
import { modelCopy, modelCow, modelCsum, modelDio, modelStore, modelWp, modelWpIo } from "./model-ops.js";
import { BASE_CONFIG, type BenchConfig, type Runner, withKeys } from "./setup.js";
import { wasmCopy, wasmCow, wasmCsum, wasmDio, wasmStore, wasmWp, wasmWpIo } from "./wasm-ops.js";

export interface BenchCase {
  readonly id: string;
  readonly group: "wp" | "cow" | "copy" | "csum" | "store" | "dio";
  /** What one operation is. */
  readonly label: string;
  /** Bytes one operation processes (copies, checksums), for GB/s. */
  readonly bytes?: number;
  /** The Wasm side, on the package's release build or on `file` (another build of the core). */
  wasm(file?: string): Runner;
  model(): Runner;
}

const CSUM_BYTES = 64 * KiB;
/** A disk of 256 MiB: cold copies walk it, 8 times the last-level cache of the machines here. */
const COLD_DISK = 65536;
const DIO_DISK = 16384;

const CSUM_DEVICES: Array<[string, number, string]> = [
  ["pi", Device.PI, "T10 PI CRC16 guards"],
  ["parity", Device.PARITY, "RAID5 parity XOR"],
  ["fs-csum", Device.FS_CSUM, "fs-csum crc32c"],
  ["oracle", Device.COUNT, "oracle hash (test instrumentation)"],
];

export const COPY_SIZES = [4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB];

function dioConfig(policy: number, device: number, dmaCheck: number): BenchConfig {
  return withKeys(BASE_CONFIG, [
    [Key.POLICY, policy], [Key.DEVICE, device], [Key.STABLE, Stable.ALWAYS], [Key.ORACLE, 0],
    [Key.DMA_CHECK, dmaCheck], [Key.DISK_BLOCKS, DIO_DISK],
  ]);
}

export function benchCases(): BenchCase[] {
  const out: BenchCase[] = [];
  const cfg = BASE_CONFIG;
  for (const n of [1, 16, 256, 512]) {
    out.push({
      id: `wp-pte-${n}`, group: "wp", label: `write-protect + restore, ${n} PTE${n > 1 ? "s" : ""}`,
      wasm: (f) => wasmWp(cfg, n, false, f), model: () => modelWp(cfg, n, false),
    });
  }
  out.push({
    id: "wp-pmd", group: "wp", label: "write-protect + restore, one 2 MiB PMD",
    wasm: (f) => wasmWp(cfg, 512, true, f), model: () => modelWp(cfg, 512, true),
  });
  // The same flips with the I/O's bookkeeping, as completion and submit run them: per-frame protect counts, the
  // may-it-be-writable-again check per page, the look for sharers.
  for (const [n, pmd] of [[256, false], [512, true]] as const) {
    out.push({
      id: pmd ? "wp-io-pmd" : `wp-io-pte-${n}`, group: "wp",
      label: `restore + write-protect of a wp-cow I/O in flight, ${pmd ? "one 2 MiB PMD" : `${n} PTEs`} (the I/O path)`,
      wasm: (f) => wasmWpIo(cfg, n, pmd, f), model: () => modelWpIo(cfg, n, pmd),
    });
  }
  out.push({
    id: "fault-cow", group: "cow", label: "write fault + COW copy of 4 KiB (wp-cow I/O in flight)",
    wasm: (f) => wasmCow(cfg, f), model: () => modelCow(cfg),
  });
  for (const cold of [false, true]) {
    const c = withKeys(cfg, [[Key.DISK_BLOCKS, cold ? COLD_DISK : 1024]]);
    for (const b of COPY_SIZES) {
      out.push({
        id: `copy-${cold ? "cold" : "hot"}-${fmtBytes(b).toLowerCase()}`, group: "copy",
        label: `bounce copy ${fmtBytes(b)}, ${cold ? "cold (walking 256 MiB)" : "hot"}`, bytes: b,
        wasm: (f) => wasmCopy(c, b, cold, f), model: () => modelCopy(c, b, cold),
      });
    }
  }
  for (const [id, device, what] of CSUM_DEVICES) {
    const c = withKeys(cfg, [[Key.DEVICE, device === Device.COUNT ? Device.NONE : device]]);
    out.push({
      id: `csum-${id}`, group: "csum", label: `${what} over ${fmtBytes(CSUM_BYTES)}`, bytes: CSUM_BYTES,
      wasm: (f) => wasmCsum(c, device, CSUM_BYTES, f), model: () => modelCsum(device, CSUM_BYTES),
    });
  }
  out.push({
    id: "store-checked", group: "store", label: "4 KiB process write through the page table (TLB hit)", bytes: 4096,
    wasm: (f) => wasmStore(cfg, false, f), model: () => modelStore(cfg, false),
  });
  out.push({
    id: "store-raw", group: "store", label: "4 KiB raw memory.copy into the same frame", bytes: 4096,
    wasm: (f) => wasmStore(cfg, true, f), model: () => modelStore(cfg, true),
  });
  for (const [dev, device] of [["none", Device.NONE], ["fs-csum", Device.FS_CSUM]] as const) {
    for (const p of POLICIES) {
      const c = dioConfig(p.value, device, 1);
      out.push({
        id: `dio-${p.id}-${dev}`, group: "dio", label: `4 KiB direct write, ${p.id}, ${dev}`, bytes: 4096,
        wasm: (f) => wasmDio(c, 4096, f), model: () => modelDio(c, 4096),
      });
    }
  }
  const nodma = dioConfig(Policy.WP_COW, Device.FS_CSUM, 0);
  out.push({
    id: "dio-wp-cow-fs-csum-nodmacheck", group: "dio", label: "4 KiB direct write, wp-cow, fs-csum, without the DMA-time check", bytes: 4096,
    wasm: (f) => wasmDio(nodma, 4096, f), model: () => modelDio(nodma, 4096),
  });
  return out;
}
