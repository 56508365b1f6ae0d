// fio's rw= (readwrite=): the direction and the pattern, and fio's offset
// modifier after a colon. For a random pattern (rw=randwrite:8) the modifier
// is how many I/Os fio does before it draws a new random offset (sequential in
// between, or the same offset with rw_sequencer=identical); for a sequential
// one (rw=write:4k) a gap fio adds after each I/O. The workload model has
// neither: stable-dio checks the modifier, ignores it, and says so once per file.
import type { Direction, Pattern } from "../workloads/spec.js";
import type { JobOptions } from "./options.js";

const DIRECTIONS = { read: "read", randread: "read", write: "write", randwrite: "write", rw: "mixed", readwrite: "mixed", randrw: "mixed" } as const;

export interface Rw {
  readonly direction: Direction;
  readonly pattern: Pattern;
  /** The offset modifier as written (after ':'), if any: ignored. */
  readonly modifier?: string;
}

export function rwOf(o: JobOptions): Rw {
  const text = o.text("rw") ?? "read"; // fio's default is read
  const colon = text.indexOf(":");
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  if (!Object.hasOwn(DIRECTIONS, name))
    o.fail("rw", `allowed: ${Object.keys(DIRECTIONS).join(", ")}, each with an optional offset modifier (randwrite:8, write:4k)`);
  const pattern: Pattern = name.startsWith("rand") ? "random" : "sequential";
  const rw = { direction: DIRECTIONS[name as keyof typeof DIRECTIONS], pattern };
  if (colon < 0) return rw;
  const modifier = text.slice(colon + 1).trim();
  if (pattern === "random" && !/^[1-9][0-9]*$/.test(modifier))
    o.fail("rw", `the offset modifier of a random pattern is a number of I/Os, 1 or more (e.g. ${name}:8)`);
  if (pattern === "sequential" && !/^(0x[0-9a-f]+|[0-9]+)\s*([kmgtp]i?)?b?$/i.test(modifier))
    o.fail("rw", `the offset modifier of a sequential pattern is a byte count (e.g. ${name}:4k)`);
  return { ...rw, modifier };
}

/** The note for the first offset modifier of a file (`line`: where it is). */
export function modifierNote(file: string, line: number, value: string, rw: Rw): string {
  const what = rw.pattern === "random"
    ? `stable-dio draws a new random offset for every I/O (fio: one every ${rw.modifier} I/Os, sequential in between)`
    : `stable-dio's sequential I/O has no holes (fio: ${rw.modifier} skipped after each I/O)`;
  return `${file}:${line}: rw=${value}: fio's offset modifier is ignored, here and in every job: ${what}`;
}
