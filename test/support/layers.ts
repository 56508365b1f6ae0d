// The import-direction check behind test/layers.test.ts. The table of which
// folder of src/ may import which lives in docs/architecture.md (between the
// import-table markers), so the doc a reader follows and the rule the test
// enforces are the same text. Every import counts: static, `export ... from`,
// type-only, `import("...")` (a dynamic import or an import type), and a
// worker's `new URL("./x.js", import.meta.url)`.
//
// Paths in the table and in messages are relative to src/: a folder is
// `host/`, a file `host/result.ts` (or `index.ts` for a file of src/ itself),
// and one outside src/ starts with `../` (`../assembly/abi.ts`).
import { posix } from "node:path";
import ts from "typescript";

export const TABLE_BEGIN = "<!-- import-table:begin -->";
export const TABLE_END = "<!-- import-table:end -->";
/** The row whose entries every folder may import. */
export const EVERY = "every folder";

export interface ImportTable {
  /** Folder (`host/`) or root file (`index.ts`) -> what it may import besides itself and `every`. */
  readonly rows: ReadonlyMap<string, readonly string[]>;
  /** What every folder may import. */
  readonly every: readonly string[];
}

export interface ImportRef {
  readonly spec: string;
  readonly line: number;
  /** `import(x)` whose argument is not a string literal: cannot be checked. */
  readonly computed?: boolean;
}

export interface SourceFile {
  /** Relative to src/, with "/" separators: "report/table.ts". */
  readonly path: string;
  readonly text: string;
}

const code = (s: string) => s.replace(/`/g, "");

/** The table between the markers: | `folder/` | what it holds | `entry`, `entry` |. */
export function parseImportTable(markdown: string): ImportTable {
  const begin = markdown.indexOf(TABLE_BEGIN);
  const end = markdown.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`no ${TABLE_BEGIN} ... ${TABLE_END} in the document`);
  const rows = new Map<string, string[]>();
  let every: string[] | undefined;
  for (const line of markdown.slice(begin + TABLE_BEGIN.length, end).split("\n")) {
    const cells = line.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
    if (cells.length < 3 || /^:?-+:?$/.test(cells[0]) || cells[0] === "folder") continue;
    const name = code(cells[0]);
    const entries = [...cells[cells.length - 1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    if (name === EVERY) every = entries;
    else if (rows.has(name)) throw new Error(`import table: two rows for ${name}`);
    else rows.set(name, entries);
  }
  if (!every) throw new Error(`import table: no '${EVERY}' row`);
  return { rows, every };
}

/** The row a src/ path belongs to: "report/table.ts" -> "report/", "index.ts" -> "index.ts". */
export function unitOf(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? path : path.slice(0, slash + 1);
}

/** Every module reference in a TypeScript file, with its line. */
export function importsOf(fileName: string, text: string): ImportRef[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: ImportRef[] = [];
  const add = (node: ts.Node, spec: ts.Node | undefined) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    if (spec && ts.isStringLiteralLike(spec)) out.push({ spec: spec.text, line });
    else out.push({ spec: spec ? spec.getText(sf) : "", line, computed: true });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      if (node.moduleSpecifier) add(node, node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal);
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "URL" &&
      node.arguments?.length === 2 && /^import\.meta\.url$/.test(node.arguments[1].getText(sf)) &&
      ts.isStringLiteralLike(node.arguments[0])) {
      add(node, node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** "../crossover/grid.js" from "report/x.ts" -> "crossover/grid.ts"; a path outside src/ keeps its "../". */
export function resolveImport(from: string, spec: string): string {
  return posix.normalize(posix.join(posix.dirname(from), spec)).replace(/\.js$/, ".ts");
}

const allows = (entry: string, target: string) => (entry.endsWith("/") ? target.startsWith(entry) : target === entry);

/** One line per import the table does not allow, naming the file, the import and the rule. */
export function checkImports(table: ImportTable, files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    const unit = unitOf(f.path);
    const row = table.rows.get(unit);
    if (!row) {
      out.push(`src/${f.path}: ${unit} has no row in the import table (docs/architecture.md): add one, saying what it may import`);
      continue;
    }
    const allowed = [...table.every, ...row];
    const rule = `${unit} may import only itself${allowed.length ? `, ${allowed.join(", ")}` : ""}`;
    for (const ref of importsOf(f.path, f.text)) {
      if (ref.computed) {
        out.push(`src/${f.path}:${ref.line}: imports a computed path (${ref.spec || "nothing"}), which the import table cannot check: import a literal path`);
        continue;
      }
      if (!ref.spec.startsWith(".")) continue; // a package or node: built-in
      const target = resolveImport(f.path, ref.spec);
      if (target.startsWith("../") ? allowed.some((e) => allows(e, target)) : unitOf(target) === unit || allowed.some((e) => allows(e, target))) continue;
      const shown = target.startsWith("../") ? target.slice(3) : `src/${target}`;
      out.push(`src/${f.path}:${ref.line}: imports "${ref.spec}" (${shown}), but ${rule} (docs/architecture.md, import table)`);
    }
  }
  return out;
}

/** Problems of the table itself against the tree: rows or entries naming nothing, folders without a row. */
export function checkTable(table: ImportTable, srcPaths: readonly string[], exists: (relToSrc: string) => boolean): string[] {
  const out: string[] = [];
  const units = new Set(srcPaths.map(unitOf));
  for (const u of units) if (!table.rows.has(u)) out.push(`${u} has no row`);
  for (const [name, entries] of table.rows) {
    if (!units.has(name)) out.push(`row ${name} names nothing in src/`);
    for (const e of entries) {
      if (e === name) out.push(`row ${name} lists itself`);
      if (!exists(e)) out.push(`row ${name}: ${e} does not exist`);
    }
  }
  for (const e of table.every) if (!exists(e)) out.push(`row ${EVERY}: ${e} does not exist`);
  return out;
}

/** Cycles among the rows (an entry counts as its row): a table that allows one is not one way. */
export function tableCycles(table: ImportTable): string[][] {
  const edges = new Map<string, string[]>();
  const everyUnits = table.every.filter((e) => !e.startsWith("../")).map(unitOf);
  for (const [name, entries] of table.rows) {
    const to = [...entries.filter((e) => !e.startsWith("../")).map(unitOf), ...everyUnits].filter((u) => u !== name);
    edges.set(name, [...new Set(to)]);
  }
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (u: string) => {
    state.set(u, "open");
    stack.push(u);
    for (const v of edges.get(u) ?? []) {
      if (state.get(v) === "open") cycles.push([...stack.slice(stack.indexOf(v)), v]);
      else if (!state.has(v)) visit(v);
    }
    stack.pop();
    state.set(u, "done");
  };
  for (const u of edges.keys()) if (!state.has(u)) visit(u);
  return cycles;
}
