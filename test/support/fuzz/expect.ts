// What every fuzzed command line must give, whatever the input: exit 0, 2, or
// 1 only where the docs give it a meaning; never a stack trace or an internal
// error; on exit 2 exactly one stderr line, `stable-dio: ...`, naming the file
// (and the line, for the formats that have lines) when a file was the input,
// and nothing on stdout; on success, output that is whole.
import { expect } from "vitest";
import type { CliRun } from "../cli.js";

export interface Clean {
  /** The input file: an exit-2 line about it starts `stable-dio: FILE:`. */
  readonly file?: string;
  /** Exit-2 lines about the file also name the line: `FILE:LINE: `. */
  readonly line?: boolean;
  /** Exit-2 lines that need not name the file (problems with the flags, not the file). */
  readonly flagErrors?: RegExp;
  /** Exit 1 is allowed when every stderr line matches this (a documented failure, such as a replay's mismatch). */
  readonly exit1?: RegExp;
  /** --json was asked for: stdout of a run that got that far must parse. */
  readonly json?: boolean;
  /** What the user gave (file text, arguments): words from it may be quoted back. */
  readonly input?: string;
}

const CRASH = /\n\s+at |RuntimeError|TypeError|ReferenceError|RangeError|SyntaxError|CompileError|unreachable|internal error|Maximum call stack/;
/** Words that mean a value went missing on the way to the message, unless the user typed them. */
const LOST = ["undefined", "NaN", "[object", "Infinity"];

export function expectClean(r: CliRun, c: Clean = {}): void {
  const show = `exit ${r.code}\nstderr: ${JSON.stringify(r.err)}\nstdout: ${JSON.stringify(r.out.slice(0, 300))}`;
  expect([0, 1, 2], show).toContain(r.code);
  expect(r.err, show).not.toMatch(CRASH);
  for (const w of LOST) if (!c.input?.includes(w)) expect(r.err, show).not.toContain(w);
  const errLines = r.err === "" ? [] : r.err.replace(/\n$/, "").split("\n");
  expect(r.err === "" || r.err.endsWith("\n"), show).toBe(true);
  for (const l of errLines) expect(l, show).toMatch(/^(stable-dio: |sweep: )/);
  // What the user typed is quoted back escaped: no control characters or bidirectional overrides reach the terminal.
  for (const l of errLines) expect(l, show).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);

  if (r.code === 2) {
    expect(errLines, show).toHaveLength(1);
    expect(r.out, show).toBe("");
    if (c.file !== undefined && !c.flagErrors?.test(errLines[0])) {
      const prefix = `stable-dio: ${c.file}:`;
      expect(errLines[0].startsWith(prefix), show).toBe(true);
      expect(errLines[0].slice(prefix.length), show).toMatch(c.line ? /^\d+: \S/ : /^(\d+:)? \S/);
    }
    return;
  }
  if (r.code === 1) {
    expect(c.exit1, show).toBeDefined();
    expect(errLines.filter((l) => !c.exit1!.test(l)), show).toEqual([]);
  }
  if (r.out !== "") {
    expect(r.out.endsWith("\n"), show).toBe(true);
    if (c.json) expect(() => JSON.parse(r.out), show).not.toThrow();
  }
}
