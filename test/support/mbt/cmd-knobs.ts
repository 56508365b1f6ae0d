// Commands beside the data path: the run-time knobs (sd_set POLICY and
// STABLE, valid or not), a scrub in the middle of a run, and calls with bad
// arguments that must be refused without changing anything.
import fc from "fast-check";
import { Err, Key, Policy, Stable } from "../../../assembly/abi.js";
import { actor, type Cmd } from "./cmd-procs.js";
import { checkIntegrity } from "./end.js";
import type { Model } from "./model.js";
import type { Pair } from "./pair.js";

export class SetCmd implements Cmd {
  constructor(readonly key: Key.POLICY | Key.STABLE, readonly value: number) {}
  check = () => true;
  run(m: Model, r: Pair): void {
    const limit = this.key === Key.POLICY ? Policy.COUNT : Stable.NEVER + 1;
    const rc = r.call(`set(${Key[this.key]}, ${this.value})`, "other", (c) => c.set(this.key, this.value));
    if (rc !== (this.value < limit ? 0 : -Err.INVAL)) r.fail(`sd_set(${Key[this.key]}, ${this.value}) returned ${rc}`);
    if (rc === 0 && this.key === Key.POLICY) m.policy = this.value;
    if (rc === 0 && this.key === Key.STABLE) m.stable = this.value;
  }
  toString = () => `set(${Key[this.key]}, ${this.value})`;
}

export class ScrubCmd implements Cmd {
  check = () => true;
  run(m: Model, r: Pair): void {
    r.call("scrub()", "other", (c) => c.scrub());
    checkIntegrity(m, r, "scrub");
  }
  toString = () => "scrub()";
}

/**
 * A call with one bad argument `x`, chosen so that it cannot name anything the
 * model tracks (an id past the last one, a CPU past the last): it must fail.
 */
export class BadCmd implements Cmd {
  constructor(readonly which: number, readonly x: number) {}
  check = (m: Model) => m.liveThreads().length > 0;
  run(m: Model, r: Pair): void {
    const t = actor(m, 0)!;
    const past = (n: number) => (this.x <= 0 ? this.x : n + 1 + (this.x % 1000));
    const x = this.x;
    const calls: Array<[string, (c: import("../../../src/core/core.js").Core) => number]> = [
      [`store(${past(m.threads.length)}, ...)`, (c) => c.store(past(m.threads.length), 0x100000, 1, 1)],
      [`store(${t.tid}, ${x}, 0, 1)`, (c) => c.store(t.tid, x, 0, 1)],
      [`store(${t.tid}, 0x100000, 1, ${256 + Math.abs(x)})`, (c) => c.store(t.tid, 0x100000, 1, 256 + Math.abs(x))],
      [`dma(${past(m.ios.length)})`, (c) => c.dma(past(m.ios.length))],
      [`complete(${past(m.ios.length)})`, (c) => c.complete(past(m.ios.length))],
      [`exit(${past(m.procs.length)})`, (c) => c.exit(past(m.procs.length))],
      [`fork(${t.tid}, cpu ${m.cfg.cpus + Math.abs(x)})`, (c) => c.fork(t.tid, m.cfg.cpus + Math.abs(x))],
      [`thread_create(${t.pid}, ${-1 - Math.abs(x)})`, (c) => c.threadCreate(t.pid, -1 - Math.abs(x))],
      [`submit(${t.tid}, WRITE, ${x | 1}, 512, 0, 0)`, (c) => c.submit(t.tid, 0, x | 1, 512, 0, 0)],
      [`submit(${t.tid}, ${2 + Math.abs(x)}, 0x100000, 512, 0, 0)`, (c) => c.submit(t.tid, 2 + Math.abs(x), 0x100000, 512, 0, 0)],
      [`submit(${t.tid}, WRITE, 0x100000, 512, 0, ${4 | x})`, (c) => c.submit(t.tid, 0, 0x100000, 512, 0, 4 | x)], // a bit outside IoFlag.ALL
      [`map(${t.pid}, ${x | 1}, 4096, 1)`, (c) => c.map(t.pid, x | 1, 4096, 1)],
      [`unmap(${t.tid}, 0x100000, 0)`, (c) => c.unmap(t.tid, 0x100000, 0)],
      [`load(${t.tid}, ${x}, 0)`, (c) => c.load(t.tid, x, 0) as number],
    ];
    const [label, f] = calls[this.which % calls.length];
    const rc = r.call(label, "other", f);
    if (rc >= 0) r.fail(`${label} succeeded with ${rc}`);
  }
  toString = () => `bad(${this.which}, ${this.x})`;
}

const edge = fc.oneof(fc.constantFrom(0, -1, 1, 0x7fffffff, -0x80000000, 0xffffffff | 0, 4095, 4097), fc.integer());

export const knobCmds = {
  policy: fc.integer({ min: 0, max: Policy.COUNT + 2 }).map((v) => new SetCmd(Key.POLICY, v)),
  stable: fc.integer({ min: 0, max: 3 }).map((v) => new SetCmd(Key.STABLE, v)),
  scrub: fc.constant(new ScrubCmd()),
  bad: fc.tuple(fc.nat(13), edge).map(([w, x]) => new BadCmd(w, x)),
};
