// Runs one generated sequence on two cores side by side and reports the first
// place they disagree: a return code, sd_err_detail, a counter, a flag, frame
// stats, the warning log, or the disk.
import { Counter, Device, FrameKind, Key, WarnField } from "../../assembly/abi.js";
import type { Core } from "../../src/core/core.js";
import { applyOp } from "../../src/core/ops.js";
import { generate, type Step } from "./opgen.js";

const COUNTERS = Object.keys(Counter).filter((k) => isNaN(Number(k)) && k !== "COUNT") as Array<keyof typeof Counter>;

function apply(core: Core, s: Step): number {
  return s.op === "set" ? core.set(s.key, s.value) : applyOp(core, s);
}

function counters(core: Core): Record<string, number> {
  const o: Record<string, number> = {};
  for (const k of COUNTERS) o[k] = core.counter(Counter[k]);
  return o;
}

function firstDiff(a: Record<string, number>, b: Record<string, number>): string | undefined {
  for (const k of Object.keys(a)) if (a[k] !== b[k]) return `${k}: ${a[k]} vs ${b[k]}`;
  return undefined;
}

function fmt(s: Step): string {
  return JSON.stringify(s);
}

/** Undefined if the cores agree on everything; else a description of the first difference. */
export function differ(seed: number, length: number, a: Core, b: Core, checkEach = false): string | undefined {
  let problem: string | undefined;
  let index = 0;
  const begin = (config: Array<[number, number]>) => {
    for (const [k, v] of config) { a.set(k, v); b.set(k, v); }
    const ra = a.reset(), rb = b.reset();
    if (ra !== 0 || rb !== 0) problem = `reset: ${ra} vs ${rb}`;
  };
  const seq = generate(seed, length, begin, (s) => {
    if (problem) return -1;
    index++;
    const ra = apply(a, s), rb = apply(b, s);
    if (ra !== rb) problem = `step ${index} ${fmt(s)}: returned ${ra} vs ${rb}`;
    else if (a.errDetail() !== b.errDetail()) problem = `step ${index} ${fmt(s)}: detail ${a.errDetail()} vs ${b.errDetail()}`;
    else {
      const d = firstDiff(counters(a), counters(b));
      if (d) problem = `step ${index} ${fmt(s)}: counter ${d}`;
      else if (checkEach) {
        const ca = a.check(), cb = b.check();
        if (ca !== 0 || cb !== 0) problem = `step ${index} ${fmt(s)}: check ${ca} vs ${cb}`;
      }
    }
    return ra;
  });
  if (problem) return `seed ${seed}: ${problem}`;
  return endState(a, b, seq.config, seed);
}

function endState(a: Core, b: Core, config: Array<[number, number]>, seed: number): string | undefined {
  const where = (s: string) => `seed ${seed}: at the end: ${s}`;
  const sa = a.scrub(), sb = b.scrub();
  if (sa !== sb) return where(`scrub ${sa} vs ${sb}`);
  const d = firstDiff(counters(a), counters(b));
  if (d) return where(`counter ${d}`);
  const ca = a.check(), cb = b.check();
  if (ca !== 0 || cb !== 0) return where(`check ${ca} vs ${cb}`);
  for (let k = 0; k < FrameKind.COUNT; k++) {
    if (k === FrameKind.TOTAL) continue; // frame numbering may differ; counts by state may not
    const fa = a.frameStats(k), fb = b.frameStats(k);
    if (fa !== fb) return where(`frame stats ${FrameKind[k]} ${fa} vs ${fb}`);
  }
  for (let pid = 1; ; pid++) {
    const fa = a.procFlags(pid), fb = b.procFlags(pid);
    if (fa !== fb) return where(`proc ${pid} flags ${fa} vs ${fb}`);
    if (fa < 0) break;
  }
  if (a.warnCount() !== b.warnCount()) return where(`warnings kept ${a.warnCount()} vs ${b.warnCount()}`);
  for (let i = 0; i < a.warnCount(); i++) {
    for (let f = 0; f <= WarnField.KIND; f++) {
      if (a.warnField(i, f) !== b.warnField(i, f)) return where(`warning ${i} field ${f}`);
    }
  }
  const get = (k: number) => config.find(([key]) => key === k)![1];
  const sectors = get(Key.DISK_BLOCKS) * 8;
  const da = a.diskRead(0, sectors), db = b.diskRead(0, sectors);
  if (typeof da === "number" || typeof db === "number") return where(`diskRead ${da} vs ${db}`);
  for (let i = 0; i < da.length; i++) if (da[i] !== db[i]) return where(`disk byte ${i}: ${da[i]} vs ${db[i]}`);
  const device = get(Key.DEVICE);
  if (device === Device.PARITY) {
    const stripes = Math.ceil(get(Key.DISK_BLOCKS) / get(Key.RAID_DISKS));
    for (let s = 0; s < stripes; s++) {
      const pa = a.parityRead(s), pb = b.parityRead(s);
      if (typeof pa === "number" || typeof pb === "number") return where(`parityRead ${pa} vs ${pb}`);
      for (let i = 0; i < 4096; i++) if (pa[i] !== pb[i]) return where(`parity stripe ${s} byte ${i}`);
    }
  }
  for (const [kind, n] of [[0, sectors], [1, sectors], [2, sectors / 8]] as const) {
    for (let i = 0; i < n; i++) {
      const ma = a.diskMeta(kind, i), mb = b.diskMeta(kind, i);
      if (ma !== mb) return where(`disk meta ${kind}[${i}] ${ma} vs ${mb}`);
      if (ma < 0) break;
    }
  }
  return undefined;
}
