// One model-based case: a configuration, a starting world (processes with
// threads and mappings) and a command sequence, run through fc.modelRun on
// the Wasm core and the reference model, then drained, scrubbed and torn down.
import { test } from "@fast-check/vitest";
import fc from "fast-check";
import { ProcFlag, type Policy } from "../../../assembly/abi.js";
import { accessCmds } from "./cmd-access.js";
import { ioCmds } from "./cmd-io.js";
import { knobCmds } from "./cmd-knobs.js";
import { pinnedCmds } from "./cmd-pinned.js";
import { MapCmd, ProcCmd, ThreadCmd, procCmds, type Cmd } from "./cmd-procs.js";
import { configArb, type RunConfig } from "./config.js";
import { finish } from "./end.js";
import { Model, SLOTS } from "./model.js";
import { Pair } from "./pair.js";
import { fcParams, replayPath } from "../fcenv.js";

/** Commands per sequence at most (plus the starting world). */
export const MAX_COMMANDS = 60;

/** One to two processes, each with one to three threads and mappings. */
export const worldArb: fc.Arbitrary<Cmd[]> = fc
  .array(
    fc.record({
      flags: fc.constantFrom(0, ProcFlag.UNSAFE, ProcFlag.TRUSTED, ProcFlag.KERNEL),
      cpus: fc.array(fc.nat(3), { minLength: 1, maxLength: 3 }),
      // Half the mappings in the 2 MiB-aligned slots, mostly huge there (MapCmd drops HUGE elsewhere).
      maps: fc.array(
        fc.tuple(
          fc.oneof(fc.nat(SLOTS.length - 1), fc.constantFrom(...SLOTS.flatMap((s, i) => (s.huge ? [i] : [])))),
          fc.integer({ min: 1, max: 16 }),
          fc.constantFrom(1, 5, 3, 7, 5, 0),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    { minLength: 1, maxLength: 2 },
  )
  .map((procs) =>
    procs.flatMap((p, i): Cmd[] => [
      new ProcCmd(p.flags),
      ...p.cpus.map((c) => new ThreadCmd(i, c)),
      ...p.maps.map(([s, n, f]) => new MapCmd(i, s, n, f)),
    ]),
  );

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

/** Every command, weighted toward the data path. */
export const commandArb: fc.Arbitrary<Cmd> = fc.oneof(
  w(14, accessCmds.store),
  w(10, accessCmds.storeIo),
  w(3, accessCmds.load),
  w(2, accessCmds.write),
  w(14, ioCmds.submit),
  w(6, ioCmds.dma),
  w(9, ioCmds.complete),
  w(3, procCmds.fork),
  w(1, procCmds.exit),
  w(2, procCmds.unmap),
  w(3, procCmds.map),
  w(1, procCmds.thread),
  w(2, procCmds.threadState),
  w(1, procCmds.proc),
  w(2, knobCmds.policy),
  w(1, knobCmds.stable),
  w(1, knobCmds.scrub),
  w(2, knobCmds.bad),
  w(1, pinnedCmds.alias),
  w(1, pinnedCmds.ring),
  w(2, pinnedCmds.unwritten),
);

export function caseArbs(policies: readonly Policy[], maxCommands: number, replayPath?: string) {
  return [
    configArb(policies),
    worldArb,
    fc.commands([commandArb], { maxCommands, size: "max", ...(replayPath ? { replayPath } : {}) }),
  ] as const;
}

export function runCase(cfg: RunConfig, world: Cmd[], cmds: Iterable<Cmd>): void {
  const model = new Model(cfg);
  const real = Pair.begin(model);
  for (const c of world) if (c.check(model)) c.run(model, real);
  fc.modelRun(() => ({ model, real }), cmds);
  finish(model, real);
}

/**
 * Declares one model-based property as a vitest test: `runs` cases (FC_RUNS
 * overrides) from a fixed seed (FC_SEED overrides), replayable by name.
 */
export function modelBasedTest(file: string, name: string, policies: readonly Policy[], runs: number, seed: number): void {
  type Case = [RunConfig, Cmd[], Iterable<Cmd>];
  test.prop<Case>([...caseArbs(policies, MAX_COMMANDS, replayPath())], fcParams<Case>(name, file, runs, seed))(
    name,
    (cfg, world, cmds) => runCase(cfg, world, cmds),
    900_000,
  );
}
