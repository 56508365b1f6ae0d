// Fuzzed inputs as files in one temporary directory per test file.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageFile } from "../../../src/core/paths.js";

let dir: string | undefined;
let n = 0;

/** The directory the inputs are written to. */
export function inputDir(): string {
  return (dir ??= mkdtempSync(join(tmpdir(), "stable-dio-fuzz-")));
}

/** Writes `text` to a new file named `<stem><n><ext>`; returns its path. */
export function inputFile(stem: string, ext: string, text: string): string {
  const path = join(inputDir(), `${stem}${n++}${ext}`);
  writeFileSync(path, text);
  return path;
}

/** A file of the package (workloads/, examples/), as text. */
export function packageText(...parts: string[]): string {
  return readFileSync(packageFile(...parts), "utf8");
}

/** Temporary files of the atomic writer (.NAME.PID.RAND.tmp) left in these directories: there should be none. */
export function leftovers(...dirs: string[]): string[] {
  return dirs.flatMap((d) => readdirSync(d, { recursive: true, encoding: "utf8" }).filter((f) => /\.tmp$/.test(f)).map((f) => join(d, f)));
}

/** A built-in workload file as a document, its I/O count cut (so a run of it, or of a mutant, is quick). */
export function smallBuiltin(id: string, ios = 16): Record<string, unknown> {
  const doc = JSON.parse(packageText("workloads", `${id}.json`)) as { params: Record<string, unknown> };
  const given = doc.params.ios;
  doc.params.ios = typeof given === "object" && given !== null ? { ...given, default: ios } : ios;
  return doc;
}
