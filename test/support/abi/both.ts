// A raw instance of one build and the reference model, driven together
// through the Core interface: every call must give the same result and
// detail on both, and leave sd_check at 0 on both. For the limit and edge
// tests, which state exactly what each call must return.
import { Key } from "../../../assembly/abi.js";
import type { Core } from "../../../src/core/core.js";
import { WasmCore } from "../../../src/core/wasm.js";
import { DEFAULT_CONFIG, RefCore } from "../../../src/model/index.js";
import { abiState, rawCore, stateDiff, type AbiState, type Build } from "./raw.js";

// Instances are reused (each starts with a 64 MiB default disk): configure() sets every key.
const cores = new Map<Build, { wasm: WasmCore; ref: RefCore }>();

export class Both {
  readonly wasm: WasmCore;
  readonly ref: RefCore;

  constructor(readonly build: Build) {
    let c = cores.get(build);
    if (!c) cores.set(build, (c = { wasm: new WasmCore(rawCore(build)), ref: new RefCore() }));
    this.wasm = c.wasm;
    this.ref = c.ref;
  }

  /** Configures both (unlisted keys get the defaults) and resets them. */
  configure(keys: ReadonlyArray<readonly [Key, number]>): void {
    const value = new Map<Key, number>(keys.map(([k, v]) => [k, v]));
    for (let k = 0 as Key; k < Key.COUNT; k++) {
      const v = value.get(k) ?? DEFAULT_CONFIG[k];
      this.call(`set(${Key[k]}, ${v})`, (c) => c.set(k, v));
    }
    this.call("reset", (c) => c.reset());
  }

  /** The call on both; throws unless they agree on result and detail and sd_check is 0 after. */
  call(label: string, f: (c: Core) => number): number {
    const a = f(this.wasm);
    const b = f(this.ref);
    if (a !== b) throw new Error(`${this.build}: ${label}: wasm ${a}, model ${b}`);
    const da = this.wasm.errDetail(), db = this.ref.errDetail();
    if (a < 0 && da !== db) throw new Error(`${this.build}: ${label}: detail wasm ${da}, model ${db}`);
    for (const c of [this.wasm, this.ref]) {
      const inv = c.check();
      if (inv !== 0) throw new Error(`${this.build}: ${label}: ${c.kind} sd_check ${inv}`);
    }
    return a;
  }

  state(): AbiState {
    return abiState(this.wasm.ex);
  }

  /** The call must fail with -err (and `detail`, if given) and change nothing. */
  refused(label: string, err: number, detail: number | undefined, f: (c: Core) => number): void {
    const before = this.state();
    const r = this.call(label, f);
    if (r !== -err) throw new Error(`${this.build}: ${label}: returned ${r}, expected -${err}`);
    if (detail !== undefined && this.wasm.errDetail() !== detail) {
      throw new Error(`${this.build}: ${label}: detail ${this.wasm.errDetail()}, expected ${detail}`);
    }
    const d = stateDiff(before, this.state());
    if (d) throw new Error(`${this.build}: ${label}: refused, yet the state changed: ${d}`);
  }
}
