// The npm package as `npm pack` would make it (listed, not written): the
// licence, the changelog, every export's file, and every file that a shipped
// Markdown page links to, so that no link of the README or docs/ is dead in
// node_modules/stable-dio.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { PROGRAM_FILES } from "../src/calibrate/native.js";
import { REFERENCE_IDS } from "../src/cost/reference.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  license: string;
  version: string;
  author?: string;
  keywords?: string[];
  exports: Record<string, string | Record<string, string>>;
};

/** The files `npm pack` would put in the tarball (the build's outputs are there: npm test builds first). */
function packed(): Set<string> {
  const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const [report] = JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>;
  return new Set(report.files.map((f) => f.path));
}

/** Relative link targets of a Markdown page, resolved from the package root ("docs/../schema/x.json" -> "schema/x.json"). */
function links(page: string): string[] {
  const text = readFileSync(join(ROOT, page), "utf8").replace(/```[\s\S]*?```/g, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1].split("#")[0])
    .filter((target) => target !== "" && !/^[a-z]+:/i.test(target))
    .map((target) => normalize(join(dirname(page), target)).replace(/\/$/, ""));
}

describe("npm package", () => {
  let files: Set<string>;
  beforeAll(() => void (files = packed()));

  it("ships the licence (MIT, as package.json says) and the changelog with this version", () => {
    expect(files).toContain("LICENSE");
    expect(pkg.license).toBe("MIT");
    const licence = readFileSync(join(ROOT, "LICENSE"), "utf8");
    expect(licence).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the stable-dio authors\n/);
    expect(pkg.author).toBe("the stable-dio authors");
    expect(pkg.keywords?.length).toBeGreaterThan(0);
    expect(files).toContain("CHANGELOG.md");
    expect(readFileSync(join(ROOT, "CHANGELOG.md"), "utf8")).toMatch(new RegExp(`^## \\[${pkg.version.replaceAll(".", "\\.")}\\] - \\d{4}-\\d{2}-\\d{2}$`, "m"));
  });

  it("holds the file of every export, among them the ABI's header and JSON", () => {
    const targets = Object.values(pkg.exports).flatMap((t) => (typeof t === "string" ? [t] : Object.values(t)));
    for (const t of targets) expect(files, t).toContain(t.replace(/^\.\//, ""));
    expect(pkg.exports["./abi.h"]).toBe("./build/include/stable-dio/abi.h");
    expect(pkg.exports["./abi.json"]).toBe("./build/abi.json");
  });

  it("ships the reference profiles (--profile ref:NAME) and the calibration program's sources (the cache key hashes them)", () => {
    for (const id of REFERENCE_IDS) expect(files).toContain(`profiles/${id}.json`);
    for (const f of PROGRAM_FILES) expect(files).toContain(`native/${f}`);
  });

  it("holds every file a shipped Markdown page links to", () => {
    const pages = [...files].filter((f) => f.endsWith(".md"));
    expect(pages).toEqual(expect.arrayContaining(["README.md", "BENCHMARKS.md", "RELIABILITY.md", "docs/abi.md"]));
    const dead = pages.flatMap((page) => links(page)
      .filter((target) => !files.has(target) && ![...files].some((f) => f.startsWith(`${target}/`)))
      .map((target) => `${page} -> ${target}`));
    expect(dead).toEqual([]);
  });
});

describe("CI (.ci/run)", () => {
  // As another user, the native and calibrate tests check only their one-line refusal: a green run that tested nothing.
  it.runIf(process.getuid?.() === 0)("refuses to run as a user other than root: one line, exit 1, before anything is installed or run", () => {
    // A copy where that user may read it (the clone may be in root's home); it refuses before it looks at anything else.
    const dir = mkdtempSync(join(tmpdir(), "stable-dio-ci-"));
    try {
      chmodSync(dir, 0o755);
      copyFileSync(join(ROOT, ".ci", "run"), join(dir, "run"));
      const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "bash", join(dir, "run")], { encoding: "utf8", timeout: 60_000 });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^\.ci\/run: must run as root \(apt-get install; stable-dio native and calibrate's tests need it\); uid is 65534\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
