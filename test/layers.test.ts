// Layers point one way: every import in src/ follows the import table of
// docs/architecture.md (read from the doc, so the doc and the check cannot
// drift), the table names every folder and has no cycle, and the rule engine
// itself catches back-edges of every import form.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkImports, checkTable, importsOf, parseImportTable, tableCycles, TABLE_BEGIN, TABLE_END, type ImportTable, type SourceFile,
} from "./support/layers.js";

const ROOT = join(import.meta.dirname, "..");
const SRC = join(ROOT, "src");
const table = parseImportTable(readFileSync(join(ROOT, "docs", "architecture.md"), "utf8"));
const files: SourceFile[] = readdirSync(SRC, { recursive: true, encoding: "utf8" })
  .filter((p) => p.endsWith(".ts"))
  .map((p) => ({ path: p.split("\\").join("/"), text: readFileSync(join(SRC, p), "utf8") }))
  .sort((a, b) => a.path.localeCompare(b.path));

describe("src/ follows the import table of docs/architecture.md", () => {
  it("every import in src/ is one the table allows", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(checkImports(table, files)).toEqual([]);
  });

  it("the table has a row for every folder of src/, and names only what exists", () => {
    expect(checkTable(table, files.map((f) => f.path), (p) => existsSync(join(SRC, p)))).toEqual([]);
  });

  it("the table is one way: no cycle among its rows", () => {
    expect(tableCycles(table)).toEqual([]);
  });

  it("the table refuses the back-edges the redesign of the cores removed", () => {
    const edges: Array<[string, string]> = [
      ["sweep/grid.ts", "../cli/main.js"], // the sweep sits beside the CLI, under it
      ["report/x.ts", "../crossover/grid.js"], // the report runs no core grid
      ["report/x.ts", "../core/wasm.js"],
      ["report/x.ts", "../host/driver.js"],
      ["cost/profile.ts", "../report/write.js"], // the cost model knows no report
      ["workloads/engine.ts", "../host/driver.js"], // workload -> host driver, not back
      ["workloads/engine.ts", "../core/wasm.js"], // a workload runs no core
      ["shared/io.ts", "../cli/main.js"], // the shared folder is under everything
      ["core/core.ts", "../model/index.js"],
      ["host/driver.ts", "../report/table.js"],
      ["model/index.ts", "../../assembly/index.js"], // outside src/, only the ABI's numbers
    ];
    for (const [path, spec] of edges) {
      const problems = checkImports(table, [{ path, text: `import { x } from "${spec}";\n` }]);
      expect(problems, `${path} -> ${spec}`).toHaveLength(1);
    }
  });

  it("only the program imports the root command (cli/compare.ts is not a home for shared helpers)", () => {
    const root = (from: string, spec: string): boolean => posix.join(posix.dirname(from), spec) === "cli/compare.js";
    const importers = files.filter((f) => importsOf(f.path, f.text).some((r) => root(f.path, r.spec)));
    expect(importers.map((f) => f.path)).toEqual(["cli/main.ts"]);
  });
});

describe("the rule engine", () => {
  const doc = [
    "# x", TABLE_BEGIN,
    "| folder | what it holds | may import (besides itself) |",
    "|---|---|---|",
    "| every folder | shared | `shared/`, `../assembly/abi.ts` |",
    "| `shared/` | vocabulary | nothing more |",
    "| `core/` | the core | nothing more |",
    "| `cost/` | costs | nothing more |",
    "| `host/` | the driver | `core/` |",
    "| `report/` | rendering | `cost/`, `host/result.ts` |",
    "| `index.ts` | the entry | `core/` |",
    TABLE_END,
  ].join("\n");
  const t = parseImportTable(doc);

  it("reads the rows and the entries of every row from the doc", () => {
    expect(t.every).toEqual(["shared/", "../assembly/abi.ts"]);
    expect(t.rows.get("report/")).toEqual(["cost/", "host/result.ts"]);
    expect(t.rows.get("core/")).toEqual([]);
    expect(t.rows.get("index.ts")).toEqual(["core/"]);
    expect(() => parseImportTable("no table here")).toThrow(/import-table/);
  });

  it("a synthetic back-edge fails, naming the file, the line, the import and the rule", () => {
    const problems = checkImports(t, [{ path: "report/curves.ts", text: 'import { x } from "../shared/units.js";\nimport { runGrid } from "../host/driver.js";\n' }]);
    expect(problems).toEqual([
      'src/report/curves.ts:2: imports "../host/driver.js" (src/host/driver.ts), but report/ may import only itself, ' +
        "shared/, ../assembly/abi.ts, cost/, host/result.ts (docs/architecture.md, import table)",
    ]);
  });

  it("every import form counts: type-only, export-from, dynamic, import types, worker URLs, require", () => {
    const forms = [
      'import type { Core } from "../core/core.js";',
      'export { runWorkload } from "../core/core.js";',
      'export * from "../core/core.js";',
      'const m = await import("../core/core.js");',
      'let c: import("../core/core.js").Core;',
      'const u = new URL("../core/core.js", import.meta.url);',
      'import c = require("../core/core.js");',
      'import "../core/core.js";',
    ];
    for (const form of forms) expect(checkImports(t, [{ path: "cost/x.ts", text: form + "\n" }]), form).toHaveLength(1);
  });

  it("allows its own folder, the rows' entries, packages and node: built-ins", () => {
    const text = [
      'import { a } from "./model.js";', 'import { b } from "../shared/units.js";', 'import { c } from "../host/result.js";',
      'import { d } from "../cost/profile.js";', 'import { Policy } from "../../assembly/abi.js";',
      'import { readFileSync } from "node:fs";', 'import { Command } from "commander";',
    ].join("\n");
    expect(checkImports(t, [{ path: "report/x.ts", text }])).toEqual([]);
    // A file entry allows that file only.
    expect(checkImports(t, [{ path: "report/x.ts", text: 'import { d } from "../host/results.js";' }])).toHaveLength(1);
  });

  it("a root file is its own row; an import outside src/ other than the ABI is refused", () => {
    expect(checkImports(t, [{ path: "index.ts", text: 'export * from "./core/wasm.js";\nexport * from "../assembly/abi.js";' }])).toEqual([]);
    expect(checkImports(t, [{ path: "index.ts", text: 'export * from "./report/json.js";' }])).toHaveLength(1);
    expect(checkImports(t, [{ path: "host/x.ts", text: 'import p from "../../package.json";' }])).toHaveLength(1);
  });

  it("a folder without a row, and a computed import, are failures too", () => {
    expect(checkImports(t, [{ path: "newthing/a.ts", text: "" }])[0]).toMatch(/^src\/newthing\/a\.ts: newthing\/ has no row/);
    expect(checkImports(t, [{ path: "host/a.ts", text: "const m = await import(name);" }])[0]).toMatch(/computed path \(name\)/);
  });

  it("finds a cycle the table allows, and rows or entries that name nothing", () => {
    const cyclic: ImportTable = { every: ["shared/"], rows: new Map([["shared/", ["host/"]], ["host/", []], ["core/", []]]) };
    expect(tableCycles(cyclic)).toEqual([["shared/", "host/", "shared/"]]);
    const exists = (p: string) => ["shared/", "host/", "core/"].includes(p);
    expect(checkTable(cyclic, ["shared/a.ts", "host/b.ts", "cli/c.ts"], exists)).toEqual(["cli/ has no row", "row core/ names nothing in src/"]);
    expect(checkTable({ every: [], rows: new Map([["host/", ["hots/"]]]) }, ["host/a.ts"], exists)).toEqual(["row host/: hots/ does not exist"]);
  });
});
