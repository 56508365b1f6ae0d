// What every malformed file must give: one line naming file, line and problem,
// exit code 2, nothing on stdout, no stack trace.
import { expect } from "vitest";
import type { CliRun } from "./cli.js";

export function expectFileError(r: CliRun, file: string, line: number, problem: RegExp): void {
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe("");
  expect(r.err.trim().split("\n")).toHaveLength(1);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.err.startsWith(`stable-dio: ${file}:${line}: `), r.err).toBe(true);
  expect(r.err).toMatch(problem);
}
