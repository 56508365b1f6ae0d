// The system under test of a model-based run: the Wasm core (debug build,
// which runs sd_check after every state-changing call and aborts with the
// invariant's name) and the TypeScript reference model, driven call for call.
// `call` runs one call on both and checks, after it: the same result, error
// detail, counters, frame states, process flags and warnings; the model's
// sd_check; the accounting identities; counters only grow; a failed call
// (other than a store, write or load) changes nothing; and the state of
// every I/O the test knows about. Any failure throws with the calls so far.
import { Counter, FrameKind, IoState, Mode } from "../../../assembly/abi.js";
import type { Core } from "../../../src/core/core.js";
import { loadWasmCoreSync, type WasmCore } from "../../../src/core/wasm.js";
import { RefCore } from "../../../src/model/index.js";
import { configKeys, type RunConfig } from "./config.js";
import type { Model } from "./model.js";

const RESET_BY_SCRUB = new Set<number>([Counter.CORRUPTIONS, Counter.TORN_SECTORS]);

export interface Snapshot {
  counters: number[];
  /** sd_frame_stats of every FrameKind. */
  frames: number[];
  flags: number[];
  warns: number;
}

/** Calls allowed to fail part way (docs/model.md 6.5): they may change state. */
export type CallKind = "access" | "other";

let shared: { wasm: WasmCore; ref: RefCore } | undefined;

export class Pair {
  readonly wasm: WasmCore;
  readonly ref: RefCore;
  readonly log: string[] = [];
  last: Snapshot;

  private constructor(readonly model: Model) {
    // One Wasm instance per worker, replaced after it threw (an abort leaves it mid-call).
    shared ??= { wasm: loadWasmCoreSync({ debug: true }), ref: new RefCore() };
    this.wasm = shared.wasm;
    this.ref = shared.ref;
    this.last = { counters: [], frames: [], flags: [], warns: 0 };
  }

  /** Configures and resets both cores for one run. */
  static begin(model: Model): Pair {
    const pair = new Pair(model);
    pair.configure(model.cfg);
    return pair;
  }

  private configure(cfg: RunConfig): void {
    for (const [k, v] of configKeys(cfg)) {
      this.guard(() => this.same(`sd_set(${k}, ${v})`, this.wasm.set(k, v), this.ref.set(k, v)));
    }
    this.guard(() => this.same("sd_reset", this.wasm.reset(), this.ref.reset()));
    this.last = this.snapshot(this.ref);
    this.log.push(`config ${JSON.stringify(cfg)}`);
  }

  /** Runs `f`; if the Wasm core threw, drops the instance so the next run gets a fresh one. */
  guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof PairError)) shared = undefined;
      throw e;
    }
  }

  fail(what: string): never {
    throw new PairError(`${what}\n  calls (wasm debug build and model):\n    ${this.log.slice(-120).join("\n    ")}`);
  }

  private same(what: string, a: number, b: number): void {
    if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) this.fail(`${what}: wasm ${a}, model ${b}`);
  }

  snapshot(c: Core): Snapshot {
    const counters: number[] = [];
    for (let i = 0; i < Counter.COUNT; i++) counters.push(c.counter(i));
    const frames: number[] = [];
    for (let k = 0; k < FrameKind.COUNT; k++) frames.push(c.frameStats(k));
    const flags: number[] = [];
    for (let pid = 1; pid <= this.model.procs.length + 1; pid++) flags.push(c.procFlags(pid));
    return { counters, frames, flags, warns: c.warnCount() };
  }

  /**
   * One call on both cores, then every cross-check. Returns the result (for a
   * load, 0 once both returned the same bytes).
   */
  call(label: string, kind: CallKind, f: (c: Core) => number | Uint8Array): number {
    return this.guard(() => {
      const before = this.last;
      // A submission call or reap left open (IoFlag.MORE, complete_more) ends at the next call that does not
      // continue it, before that call does anything, even if it then fails; a failed call may leave it open.
      const wasOpen = this.opened;
      let a: number | Uint8Array;
      try {
        a = f(this.wasm);
      } catch (e) {
        this.log.push(`${label} -> threw`);
        this.fail(`${label}: the Wasm core threw ${String(e)}`);
      }
      const b = f(this.ref);
      const ra = typeof a === "number" ? a : 0;
      const rb = typeof b === "number" ? b : 0;
      this.log.push(`${label} -> ${ra}`);
      this.same(`${label}: result`, ra, rb);
      if (a instanceof Uint8Array && b instanceof Uint8Array && !sameBytes(a, b)) {
        this.fail(`${label}: loaded bytes differ`);
      }
      this.same(`${label}: sd_err_detail`, this.wasm.errDetail(), this.ref.errDetail());
      this.compareAfter(label, wasOpen ? "access" : kind, ra, before);
      this.opened = wasOpen && ra < 0;
      return ra;
    });
  }

  private compareAfter(label: string, kind: CallKind, rc: number, before: Snapshot): void {
    const wa = this.snapshot(this.wasm);
    const mo = this.snapshot(this.ref);
    for (let i = 0; i < Counter.COUNT; i++) this.same(`${label}: counter ${Counter[i]}`, wa.counters[i], mo.counters[i]);
    // TOTAL may differ: frame numbering is the implementation's own.
    for (let k = 0; k < FrameKind.COUNT; k++) if (k !== FrameKind.TOTAL) this.same(`${label}: frames ${FrameKind[k]}`, wa.frames[k], mo.frames[k]);
    mo.flags.forEach((f, i) => this.same(`${label}: flags of pid ${i + 1}`, wa.flags[i], f));
    this.same(`${label}: warnings kept`, wa.warns, mo.warns);
    const inv = this.ref.check();
    if (inv !== 0) this.fail(`${label}: the model's sd_check returned ${inv}`);
    identities(wa, (what) => this.fail(`${label}: wasm: ${what}`));
    identities(mo, (what) => this.fail(`${label}: model: ${what}`));
    for (let i = 0; i < Counter.COUNT; i++) {
      const was = before.counters[i];
      if (was !== undefined && mo.counters[i] < was && !RESET_BY_SCRUB.has(i)) {
        this.fail(`${label}: counter ${Counter[i]} went down ${was} -> ${mo.counters[i]}`);
      }
    }
    if (rc < 0 && kind === "other" && before.counters.length) {
      const same = (x: number[], y: number[]) => x.length <= y.length && x.every((v, i) => v === y[i]);
      if (!same(before.counters, mo.counters) || !same(before.frames, mo.frames) || !same(before.flags, mo.flags) || before.warns !== mo.warns) {
        this.fail(`${label}: failed with ${rc} but changed the state`);
      }
    }
    this.last = mo;
    this.syncIos(label, before);
  }

  /**
   * Every I/O the model thinks in flight: both cores agree on its state; one
   * completed behind the test's back only through a stall (a wp-wait writer
   * completes the I/Os pinning its page).
   */
  private syncIos(label: string, before: Snapshot): void {
    const stalled = this.last.counters[Counter.STALLS] > (before.counters[Counter.STALLS] ?? 0);
    for (const io of this.model.inFlight()) {
      const sa = this.wasm.ioState(io.id), sb = this.ref.ioState(io.id);
      this.same(`${label}: state of io ${io.id}`, sa, sb);
      if (sb === io.state || this.expected?.(io.id, sb)) {
        io.state = sb;
        continue;
      }
      if (sb === IoState.COMPLETED && stalled) {
        if (io.mode !== Mode.WP) this.fail(`${label}: a stall completed io ${io.id}, which is not write-protected`);
        io.state = sb;
        continue;
      }
      this.fail(`${label}: io ${io.id} went from state ${io.state} to ${sb}`);
    }
    this.expected = undefined;
  }

  /** Set by a command after a call that may leave a submission call or reap open (IoFlag.MORE, complete_more). */
  opened = false;

  /** Set by a command just before a call that moves I/Os itself (dma, complete). */
  expected: ((id: number, state: IoState) => boolean) | undefined;
}

/** A cross-check failed: the Wasm instance is still usable. */
export class PairError extends Error {}

/** docs/model.md section 9 and the frame accounting, over one core's snapshot. */
export function identities(s: Snapshot, fail: (what: string) => never): void {
  const n = (i: Counter) => s.counters[i];
  const f = (k: FrameKind) => s.frames[k];
  const copied = n(Counter.BYTES_BOUNCED) + n(Counter.BYTES_COW) + n(Counter.BYTES_FORK) + n(Counter.BYTES_UNSHARE) + n(Counter.BYTES_REWRITE);
  if (n(Counter.BYTES_COPIED) !== copied) fail(`BYTES_COPIED ${n(Counter.BYTES_COPIED)} != sum of its parts ${copied}`);
  const sum = f(FrameKind.FREE) + f(FrameKind.USER) + f(FrameKind.BOUNCE) + f(FrameKind.PGTABLE) + f(FrameKind.SCRATCH);
  if (sum !== f(FrameKind.TOTAL)) fail(`frames by kind add up to ${sum}, not TOTAL ${f(FrameKind.TOTAL)}`);
  const live = n(Counter.FRAMES_ALLOCATED) - n(Counter.FRAMES_FREED);
  if (live !== f(FrameKind.TOTAL) - f(FrameKind.FREE)) fail(`FRAMES_ALLOCATED - FRAMES_FREED = ${live}, but ${f(FrameKind.TOTAL) - f(FrameKind.FREE)} frames are in use`);
  if (f(FrameKind.PINNED) > f(FrameKind.USER)) fail("more pinned frames than user frames");
  if (n(Counter.UNPINS) > n(Counter.PINS)) fail("more unpins than pins");
  if (n(Counter.COMPLETIONS) > n(Counter.WRITES) + n(Counter.READS)) fail("more completions than I/Os");
}

/** Byte equality without copying either array. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
