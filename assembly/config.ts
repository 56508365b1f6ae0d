// Configuration: the values sd_set stores (checked against abi.ts's KeyMin,
// KeyMax and POW2_KEYS), the defaults the module starts with, and the
// globals sd_reset copies them into, so the hot path reads a global, not
// memory. POLICY and STABLE also change at run time (docs/model.md 6.0).
import { Key, KeyDefault, KeyMax, KeyMin, POW2_KEYS, Restore, Walk } from "./abi";

/** What sd_set stored, one u32 per key; sd_reset applies it. */
const CONFIG: usize = memory.data(Key.COUNT * 4, 4);
/** Each key's smallest and largest value and its default, from abi.ts. */
const MIN: usize = memory.data(Key.COUNT * 4, 4);
const MAX: usize = memory.data(Key.COUNT * 4, 4);
const DEFAULT: usize = memory.data(Key.COUNT * 4, 4);

function row(key: i32, min: u32, max: u32, def: u32): void {
  store<u32>(MIN + (<usize>key << 2), min);
  store<u32>(MAX + (<usize>key << 2), max);
  store<u32>(DEFAULT + (<usize>key << 2), def);
}

/** Fills the bounds from abi.ts and stores every default: the module's start. */
export function configInit(): void {
  row(Key.POLICY, KeyMin.POLICY, KeyMax.POLICY, KeyDefault.POLICY);
  row(Key.DEVICE, KeyMin.DEVICE, KeyMax.DEVICE, KeyDefault.DEVICE);
  row(Key.RAID_DISKS, KeyMin.RAID_DISKS, KeyMax.RAID_DISKS, KeyDefault.RAID_DISKS);
  row(Key.DISK_BLOCKS, KeyMin.DISK_BLOCKS, KeyMax.DISK_BLOCKS, KeyDefault.DISK_BLOCKS);
  row(Key.MAX_FRAMES, KeyMin.MAX_FRAMES, KeyMax.MAX_FRAMES, KeyDefault.MAX_FRAMES);
  row(Key.CPUS, KeyMin.CPUS, KeyMax.CPUS, KeyDefault.CPUS);
  row(Key.STABLE, KeyMin.STABLE, KeyMax.STABLE, KeyDefault.STABLE);
  row(Key.ORACLE, KeyMin.ORACLE, KeyMax.ORACLE, KeyDefault.ORACLE);
  row(Key.MAX_IOS, KeyMin.MAX_IOS, KeyMax.MAX_IOS, KeyDefault.MAX_IOS);
  row(Key.MAX_PROCS, KeyMin.MAX_PROCS, KeyMax.MAX_PROCS, KeyDefault.MAX_PROCS);
  row(Key.IO_PAGES, KeyMin.IO_PAGES, KeyMax.IO_PAGES, KeyDefault.IO_PAGES);
  row(Key.TLB_ENTRIES, KeyMin.TLB_ENTRIES, KeyMax.TLB_ENTRIES, KeyDefault.TLB_ENTRIES);
  row(Key.DMA_CHECK, KeyMin.DMA_CHECK, KeyMax.DMA_CHECK, KeyDefault.DMA_CHECK);
  row(Key.MAX_THREADS, KeyMin.MAX_THREADS, KeyMax.MAX_THREADS, KeyDefault.MAX_THREADS);
  row(Key.WP_RESTORE, KeyMin.WP_RESTORE, KeyMax.WP_RESTORE, KeyDefault.WP_RESTORE);
  row(Key.WP_BATCH, KeyMin.WP_BATCH, KeyMax.WP_BATCH, KeyDefault.WP_BATCH);
  row(Key.WP_WALK, KeyMin.WP_WALK, KeyMax.WP_WALK, KeyDefault.WP_WALK);
  memory.copy(CONFIG, DEFAULT, Key.COUNT * 4);
}

/** May `key` take `v`? False for an unknown key. */
export function validKey(key: i32, v: u32): bool {
  if (key < 0 || key >= Key.COUNT) return false;
  let k = <usize>key << 2;
  if (v < load<u32>(MIN + k) || v > load<u32>(MAX + k)) return false;
  return !(POW2_KEYS & (1 << key)) || (v & (v - 1)) == 0;
}

/** The value sd_set stored for `key` (a valid key). */
@inline export function configGet(key: i32): u32 {
  return load<u32>(CONFIG + (<usize>key << 2));
}

@inline export function configSet(key: i32, v: u32): void {
  store<u32>(CONFIG + (<usize>key << 2), v);
}

// Applied configuration (copied at reset so the hot path reads globals, not memory).
export let cfgPolicy: u32 = 0;
export let cfgDevice: u32 = 0;
export let cfgRaidDisks: u32 = 0;
export let cfgDiskBlocks: u32 = 0;
export let cfgMaxFrames: u32 = 0;
export let cfgCpus: u32 = 0;
export let cfgStable: u32 = 0;
export let cfgOracle: bool = false;
export let cfgMaxIos: u32 = 0;
export let cfgMaxProcs: u32 = 0;
export let cfgIoPages: u32 = 0;
export let cfgTlbEntries: u32 = 0;
export let cfgDmaCheck: bool = false;
export let cfgMaxThreads: u32 = 0;
export let cfgWpLazy: bool = false; // WP_RESTORE == Restore.LAZY
export let cfgWpBatch: u32 = 1;
export let cfgWpFused: bool = false; // WP_WALK == Walk.FUSED

/** sd_reset: the stored values become the applied ones. */
export function configApply(): void {
  cfgPolicy = configGet(Key.POLICY);
  cfgDevice = configGet(Key.DEVICE);
  cfgRaidDisks = configGet(Key.RAID_DISKS);
  cfgDiskBlocks = configGet(Key.DISK_BLOCKS);
  cfgMaxFrames = configGet(Key.MAX_FRAMES);
  cfgCpus = configGet(Key.CPUS);
  cfgStable = configGet(Key.STABLE);
  cfgOracle = configGet(Key.ORACLE) != 0;
  cfgMaxIos = configGet(Key.MAX_IOS);
  cfgMaxProcs = configGet(Key.MAX_PROCS);
  cfgIoPages = configGet(Key.IO_PAGES);
  cfgTlbEntries = configGet(Key.TLB_ENTRIES);
  cfgDmaCheck = configGet(Key.DMA_CHECK) != 0;
  cfgMaxThreads = configGet(Key.MAX_THREADS);
  cfgWpLazy = configGet(Key.WP_RESTORE) == Restore.LAZY;
  cfgWpBatch = configGet(Key.WP_BATCH);
  cfgWpFused = configGet(Key.WP_WALK) == Walk.FUSED;
}

/** A run-time knob (POLICY, STABLE): applies at once, like a sysfs write. */
export function configApplyNow(key: i32, v: u32): void {
  if (key == Key.POLICY) cfgPolicy = v;
  else if (key == Key.STABLE) cfgStable = v;
}
