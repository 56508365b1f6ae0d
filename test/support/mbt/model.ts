// The abstract model of a model-based run: what the test knows without
// looking inside either core. Processes, threads and their mappings, every
// I/O ever submitted with its mode and state, and the facts the semantic
// properties depend on (was any write unprotected, did a read and a write
// ever overlap in flight).
import { IoState, MapFlag, Mode, Op } from "../../../assembly/abi.js";
import type { RunConfig } from "./config.js";

export const PAGE = 4096;
export const HUGE = 2 << 20;

/** Where mappings go: four small slots, two 2 MiB-aligned ones, one ending at 4 GiB. */
export const SLOTS: ReadonlyArray<{ va: number; maxLen: number; huge: boolean }> = [
  { va: 0x0010_0000, maxLen: 16 * PAGE, huge: false },
  { va: 0x0014_0000, maxLen: 16 * PAGE, huge: false },
  { va: 0x0018_0000, maxLen: 16 * PAGE, huge: false },
  { va: 0x001c_0000, maxLen: 16 * PAGE, huge: false },
  { va: 0x4000_0000, maxLen: HUGE, huge: true },
  { va: 0x4040_0000, maxLen: HUGE, huge: true },
  { va: 0xffff_0000, maxLen: 16 * PAGE, huge: false },
];

export interface Region {
  slot: number;
  va: number;
  len: number;
  flags: number;
}

export interface ProcM {
  pid: number;
  alive: boolean;
  regions: Region[];
}

export interface ThreadM {
  tid: number;
  pid: number;
}

export interface IoM {
  id: number;
  pid: number;
  op: Op;
  va: number;
  len: number;
  mode: Mode;
  policy: number;
  state: IoState;
}

export class Model {
  policy: number;
  stable: number;
  readonly procs: ProcM[] = [];
  readonly threads: ThreadM[] = [];
  readonly ios: IoM[] = [];
  /** A write went DIRECT or VERIFY: the device may see changed bytes. */
  unprotectedWrites = 0;
  /** A read and a write covered the same page (any process) while both were in flight. */
  readWriteOverlap = false;
  /** Policies under which some WP-mode I/O was submitted, and whether a VERIFY-mode write was. */
  readonly wpPolicies = new Set<number>();
  verifyWrites = 0;
  nonBounceReads = 0;
  /** sd_map_alias made these: [va, va+len) maps the frames [src, src+len) mapped. */
  readonly aliases: Array<{ va: number; len: number; src: number }> = [];
  /** Completion rings registered (sd_ring). */
  rings = 0;
  /** sd_disk_unwritten calls that succeeded: only they make blocks a read finds never written. */
  unwrittenCalls = 0;

  constructor(readonly cfg: RunConfig) {
    this.policy = cfg.policy;
    this.stable = cfg.stable;
  }

  get diskSectors(): number {
    return this.cfg.diskBlocks * 8;
  }

  proc(pid: number): ProcM | undefined {
    return this.procs.find((p) => p.pid === pid);
  }

  liveThreads(): ThreadM[] {
    return this.threads.filter((t) => this.proc(t.pid)?.alive);
  }

  liveProcs(): ProcM[] {
    return this.procs.filter((p) => p.alive);
  }

  inFlight(): IoM[] {
    return this.ios.filter((io) => io.state !== IoState.COMPLETED);
  }

  /** The k-th region of a process (modulo), or a phantom region at slot 0 if it has none. */
  region(pid: number, k: number): Region {
    const rs = this.proc(pid)?.regions ?? [];
    return rs.length ? rs[k % rs.length] : { slot: 0, va: SLOTS[0].va, len: PAGE, flags: 0 };
  }

  /** The k-th MAP_SHARED region of PTEs (no huge PMD) of a process (modulo), or its k-th region if it has none. */
  sharedRegion(pid: number, k: number): Region {
    const rs = (this.proc(pid)?.regions ?? []).filter((x) => (x.flags & (MapFlag.SHARED | MapFlag.HUGE)) === MapFlag.SHARED);
    return rs.length ? rs[k % rs.length] : this.region(pid, k);
  }

  /** The pages an I/O covers, and every page an alias maps the same frame at (both ways, transitively). */
  private pages(io: IoM): Set<number> {
    const out = new Set<number>();
    for (let v = Math.floor(io.va / PAGE); v <= Math.floor((io.va + io.len - 1) / PAGE); v++) out.add(v);
    for (const v of out) {
      for (const a of this.aliases) {
        const [d, s, n] = [a.va / PAGE, a.src / PAGE, a.len / PAGE];
        if (v >= d && v < d + n) out.add(s + v - d);
        if (v >= s && v < s + n) out.add(d + v - s);
      }
    }
    return out;
  }

  /** Records a submitted I/O and the facts the end-of-run properties need. */
  addIo(io: IoM): void {
    const mine = this.pages(io);
    for (const o of this.inFlight()) {
      if (o.op === io.op) continue;
      for (const v of this.pages(o)) if (mine.has(v)) this.readWriteOverlap = true;
    }
    if (io.op === Op.WRITE && (io.mode === Mode.DIRECT || io.mode === Mode.VERIFY)) this.unprotectedWrites++;
    if (io.op === Op.WRITE && io.mode === Mode.VERIFY) this.verifyWrites++;
    if (io.op === Op.READ && io.mode !== Mode.BOUNCE) this.nonBounceReads++;
    if (io.mode === Mode.WP) this.wpPolicies.add(io.policy);
    this.ios.push(io);
  }
}
