// The repository's text cites only what the repository holds: no numbered
// issue of the team's tracker, no planning document ("the brief"), which a
// reader of the repository cannot open. Say what is meant instead (the
// feature's name, the section of docs/ that holds it).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const WHERE = ["README.md", "BENCHMARKS.md", "RELIABILITY.md", "CHANGELOG.md", "docs", "src", "assembly", "native", "test", "profiles", "workloads", "examples", "scripts", ".ci"];
const CITES = /\bissues? #?\d|\bthe issue'?s?\b|\bthe brief\b|\bbrief's\b/i; // this file, which names them, is not read

function files(at: string): string[] {
  const full = join(ROOT, at);
  let entries;
  try {
    entries = readdirSync(full, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOTDIR") return [full];
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  return entries.flatMap((e) => (e.isDirectory() ? files(join(at, e.name)) : /\.(md|ts|c|h|json|fio|js|sh)$|^run$/.test(e.name) ? [join(full, e.name)] : []));
}

describe("citations", () => {
  it("no text cites an issue number or a planning document the repository does not hold", () => {
    const found: string[] = [];
    for (const f of WHERE.flatMap(files).filter((f) => f !== import.meta.filename))
      readFileSync(f, "utf8").split("\n").forEach((line, i) => {
        if (CITES.test(line)) found.push(`${relative(ROOT, f)}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    expect(found).toEqual([]);
  });
});
