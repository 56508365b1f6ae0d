// Traces the tests record (several workloads, policies and devices, with forks
// and huge pages) and malformed variants of one, each with the error line it
// must give, the same from the host's replay and from the WASI command.
import { cli } from "./cli.js";

export interface TraceCase {
  readonly args: readonly string[];
  /** What the trace must contain for the case to test what it says. */
  readonly has?: RegExp;
}

export const CASES: readonly TraceCase[] = [
  { args: ["-w", "racer", "-p", "wp-cow", "-P", "ios=64"], has: /^counter cow_copies [1-9]/m },
  { args: ["-w", "fork-during-io", "-p", "wp-cow-degrade", "-P", "ios=64,forks=4"], has: /^fork \d+ \d+$/m },
  { args: ["-w", "huge-pages", "-p", "wp-cow", "-P", "ios=64,p=0.3"], has: /^map \d+ 0x[0-9a-f]+ \d+ [4-7]$/m },
  { args: ["-w", "qemu-guest", "-p", "bounce", "-d", "pi", "-P", "ios=64", "--seed", "3"] },
  { args: ["-w", "sub-page", "-p", "wp-wait", "-P", "ios=64"], has: /^counter false_positives [1-9]/m },
  { args: ["-w", "shared-mapping", "-p", "verify", "-P", "ios=48"] },
  { args: ["-w", "direct-reader", "-p", "wp-cow", "-P", "ios=64,p=0.5"], has: /^counter lost_reads [1-9]/m },
  { args: ["-w", "db-writer", "-p", "opt-out-inverse", "-d", "fs-csum", "--stable", "always", "-P", "ios=32", "--seed", "7"] },
  // The write-protect's implementation choices: submission calls (IoFlag.MORE, 2 in the flags), reaps
  // (complete_more), a lazy restore's reuse faults; idle threads (thread_state) and the IPIs they do not get.
  { args: ["-w", "db-writer", "-p", "wp-cow", "-P", "ios=64,size=16k", "--wp", "restore=lazy,batch=4,walk=fused"], has: /^complete_more \d+$/m },
  { args: ["-w", "examples/workloads/idle-threads.json", "-p", "wp-wait", "-P", "ios=4"], has: /^thread_state \d+ 1$/m },
  { args: ["-w", "multithread", "-p", "wp-cow-degrade", "-P", "ios=64", "--wp", "batch=2"], has: /^submit \d+ 0 0x[0-9a-f]+ \d+ \d+ 2$/m },
  // Several times the WASI command's 64 KiB input buffer: lines cross refills.
  { args: ["-w", "racer", "-p", "wp-wait", "-P", "ios=3000"], has: /^counter stalls [1-9]/m },
];

export const label = (c: TraceCase): string => c.args.join(" ");

export async function recordTrace(c: TraceCase): Promise<string> {
  const r = await cli("record", ...c.args);
  if (r.code !== 0) throw new Error(`record ${label(c)}: exit ${r.code}: ${r.err}`);
  return r.out;
}

export interface Malformed {
  readonly name: string;
  /** The malformed trace made from a good one, and the line its error names. */
  readonly make: (good: string) => [bad: string, line: number];
  readonly problem: string | RegExp;
}

const lines = (t: string): string[] => t.split("\n");
const lineOf = (t: string, re: RegExp): number => lines(t).findIndex((l) => re.test(l)) + 1;

/** Replaces the first line matching re; the error names that line. */
const swap = (re: RegExp, by: string) => (t: string): [string, number] => {
  const ls = lines(t);
  const i = ls.findIndex((l) => re.test(l));
  ls[i] = by;
  return [ls.join("\n"), i + 1];
};

/** Keeps the first n lines; the end of input is on the line after the last newline. */
const cut = (n: number, newline: boolean) => (t: string): [string, number] => {
  const bad = lines(t).slice(0, n).join("\n") + (newline ? "\n" : "");
  return [bad, lines(bad).length];
};

const RESET = /^reset$/;
const FIRST_DMA = /^dma /;

/** Malformed variants of a racer trace. */
export const MALFORMED: readonly Malformed[] = [
  { name: "empty file", make: () => ["", 1], problem: "missing header 'stable-dio-trace 1'" },
  { name: "missing header", make: (t) => { const bad = lines(t).slice(1).join("\n"); return [bad, lineOf(bad, /^set /)]; },
    problem: "missing header 'stable-dio-trace 1'" },
  { name: "wrong version", make: swap(/^stable-dio-trace/, "stable-dio-trace 2"),
    problem: "unsupported trace version 2 (this stable-dio reads version 1)" },
  { name: "bad version", make: swap(/^stable-dio-trace/, "stable-dio-trace one"), problem: "bad number 'one' for version" },
  { name: "bad op", make: swap(FIRST_DMA, "dmx 5"), problem: /^unknown op 'dmx' \(allowed: set, reset, proc, .*, counter, end\)$/ },
  { name: "bad number", make: swap(/^map /, "map 1 0x1000zz 4096 1"), problem: "bad number '0x1000zz' for va" },
  { name: "number out of range", make: swap(/^store /, "store 1 0x10000000 4096 0x100000000"),
    problem: "byte 0x100000000 out of range (0..4294967295)" },
  { name: "missing argument", make: swap(FIRST_DMA, "dma"), problem: "dma takes 1 argument (io), got 0" },
  { name: "extra argument", make: swap(/^map /, "map 1 0x10000000 4096 1 9"), problem: "map takes 4 arguments (pid va len flags), got 5" },
  { name: "unknown key", make: swap(/^set cpus /, "set cpu 2"), problem: /^unknown key 'cpu' \(allowed: policy, device, .*, max_threads, wp_restore, wp_batch, wp_walk\)$/ },
  { name: "bad set value", make: swap(/^set policy /, "set policy x"), problem: "bad number 'x' for policy" },
  { name: "key missing", make: (t) => [t.replace(/^set tlb_entries .*\n/m, ""), lineOf(t, RESET) - 1],
    problem: "'reset' without 'set tlb_entries' (a trace sets every key)" },
  { name: "op before reset", make: swap(RESET, "proc 0"), problem: "'proc' before 'reset'" },
  { name: "configuration after reset", make: swap(FIRST_DMA, "set device 1"),
    problem: "'set device' after 'reset' (only policy and stable change at run time)" },
  { name: "reset twice", make: swap(FIRST_DMA, "reset"), problem: "'reset' twice" },
  { name: "op after the counters", make: (t) => [t.replace(/^end$/m, "dma 1\nend"), lineOf(t, /^end$/)],
    problem: "'dma' after the counters" },
  { name: "unknown counter", make: swap(/^counter writes /, "counter writs 3"), problem: "unknown counter 'writs'" },
  { name: "text after end", make: (t) => [t + "proc 0\n", lines(t).length], problem: "text after 'end'" },
  { name: "truncated in the ops", make: (t) => cut(lineOf(t, FIRST_DMA) + 3, true)(t), problem: "truncated: no 'end' line" },
  { name: "truncated in the footer", make: (t) => cut(lineOf(t, /^counter faults /), false)(t), problem: "truncated: no 'end' line" },
  { name: "line too long", make: swap(RESET, `reset # ${"x".repeat(5000)}`), problem: "line longer than 4096 bytes" },
  // What the user wrote is quoted terminal-safe: control characters and bidirectional overrides as \uXXXX.
  { name: "control characters and a right-to-left override in a word", make: swap(FIRST_DMA, "dm\u001b[2J\u202e\u0085 5"),
    problem: /^unknown op 'dm\\u001b\[2J\\u202e\\u0085' \(allowed: set, .*\)$/ },
  { name: "a carriage return inside a number", make: swap(/^map /, "map 1 0x10\r00 4096 1"), problem: "bad number '0x10\\u000d00' for va" },
  { name: "a call the core refuses", make: swap(/^store /, "store 1 0x20000000 4096 1"), problem: "store failed: NOT_MAPPED" },
];

/** The one stderr line a malformed trace must give. */
export function expectedLine(m: Malformed, line: number, file: string): RegExp {
  const problem = typeof m.problem === "string" ? escape(m.problem) : m.problem.source.replace(/^\^|\$$/g, "");
  return new RegExp(`^stable-dio: ${escape(file)}:${line}: ${problem}\\n$`);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
