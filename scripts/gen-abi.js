#!/usr/bin/env node
// The ABI's numbers for embedders that do not read TypeScript, written at build
// time from assembly/abi.ts as it stands: every enum, namespace and constant it
// exports, in its order, with its comments. No list of names lives here.
//
//   build/include/stable-dio/abi.h   C: an enum per enum or namespace whose values
//                                    are all int32, else a #define per value;
//                                    a #define per constant
//   build/abi.json                   every export by name: a number, or an object
//                                    of its members (nested for a nested namespace)
//
// C names: SD_, the export's name in upper snake case, then _MEMBER:
// Counter.COW_COPIES is SD_COUNTER_COW_COPIES (enum sd_counter), KeyMin.CPUS is
// SD_KEY_MIN_CPUS, ABI_VERSION is SD_ABI_VERSION.
//
// The TypeScript compiler reads abi.ts twice: its syntax tree gives the order,
// the kinds and the comments; the module, transpiled and imported, gives the
// values (so `Policy.COUNT - 1` or `4 << 20` is computed as the host sees it).
// Functions, types and interfaces are not numbers and are left out; any other
// export that is not a finite number stops the build, naming it.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

// `node scripts/gen-abi.js [ABI_TS OUT_DIR]`: the build runs it bare; the tests give another source and directory.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE = resolve(process.argv[2] ?? join(ROOT, "assembly", "abi.ts"));
const OUT = resolve(process.argv[3] ?? join(ROOT, "build"));
const HEADER = join(OUT, "include", "stable-dio", "abi.h");
const JSON_OUT = join(OUT, "abi.json");
const REL = relative(ROOT, SOURCE);

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

class AbiError extends Error {}

/** "KeyMin" -> "KEY_MIN", "IoState" -> "IO_STATE", "POW2_KEYS" -> "POW2_KEYS". */
function upperSnake(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z])([A-Z][a-z])/g, "$1_$2").toUpperCase();
}

/**
 * The exports of abi.ts as a tree, in source order:
 * { kind: "const", name, value, doc } | { kind: "group", name, doc, members: [{ name, value, note } | group] }
 */
async function readAbi(text) {
  const file = ts.createSourceFile(REL, text, ts.ScriptTarget.ES2022, true);
  const js = ts.transpileModule(text, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, preserveConstEnums: true },
  }).outputText;
  const mod = await import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`);

  const line = (node) => file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
  const fail = (node, what) => {
    throw new AbiError(`${REL}:${line(node)}: ${what}; abi.h and abi.json hold numbers only (scripts/gen-abi.js)`);
  };
  const exported = (node) => ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export;
  const number = (node, name, value) => {
    if (typeof value !== "number" || !Number.isFinite(value)) fail(node, `${name} is ${typeof value === "number" ? value : `a ${typeof value}`}`);
    return value;
  };

  /** The exported declarations of a file or namespace body, each with its runtime value. */
  function declarations(statements, values, prefix, first) {
    const out = [];
    statements.forEach((st, i) => {
      if (!exported(st)) return;
      const doc = leadingComments(text, st, first && i === 0);
      if (ts.isEnumDeclaration(st)) {
        const name = st.name.text;
        out.push({
          kind: "group", name, doc, members: st.members.map((m) => {
            const member = ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) ? m.name.text : m.name.getText(file);
            return { name: member, value: number(m, `${prefix}${name}.${member}`, values[name][member]), note: trailingComment(text, m) };
          }),
        });
      } else if (ts.isModuleDeclaration(st) && st.body && ts.isModuleBlock(st.body)) {
        const name = st.name.text;
        out.push({ kind: "group", name, doc, members: declarations(st.body.statements, values[name], `${prefix}${name}.`, false) });
      } else if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) {
          if (!ts.isIdentifier(d.name)) fail(d, `a destructuring export`);
          const name = d.name.text;
          out.push({ kind: "const", name, value: number(d, `${prefix}${name}`, values[name]), doc, note: trailingComment(text, st) });
        }
      } else if (ts.isFunctionDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) {
        // code and types: not numbers
      } else {
        fail(st, `an export of a kind this generator does not write (${ts.SyntaxKind[st.kind]})`);
      }
    });
    // Inside a namespace, exported members are members too (abi.ts exports nothing else of its own).
    return out.map((d) => (d.kind === "const" && prefix !== "" ? { name: d.name, value: d.value, note: d.note ?? flat(d.doc) } : d));
  }

  const tree = declarations(file.statements, mod, "", true);
  // Everything the module exports that is data must be in the tree: a form the walk missed stops the build.
  const seen = new Set(tree.map((d) => d.name));
  for (const [name, value] of Object.entries(mod))
    if (!seen.has(name) && typeof value !== "function") throw new AbiError(`${REL}: export ${name} was not read (scripts/gen-abi.js)`);
  return tree;
}

const flat = (lines) => (lines.length ? lines.join(" ") : undefined);

/** Comment text lines of a `//` run or a block comment. */
function commentLines(raw) {
  if (raw.startsWith("//")) return [raw.replace(/^\/\/ ?/, "").trimEnd()];
  return raw.replace(/^\/\*\*?/, "").replace(/\*\/$/, "").split("\n")
    .map((l) => l.replace(/^\s*(\* ?)?/, "").trimEnd())
    .filter((l, i, all) => l !== "" || (i > 0 && i < all.length - 1));
}

/** The comments above a declaration; for the file's first, not the file's own header (cut off by a blank line). */
function leadingComments(text, node, fileStart) {
  let ranges = ts.getLeadingCommentRanges(text, node.pos) ?? [];
  if (fileStart) {
    const cut = ranges.findLastIndex((r, i) => /\n[ \t]*\n/.test(text.slice(r.end, ranges[i + 1]?.pos ?? node.getStart())));
    ranges = ranges.slice(cut + 1);
  }
  const lines = [];
  ranges.forEach((r, i) => {
    if (i > 0 && /\n[ \t]*\n/.test(text.slice(ranges[i - 1].end, r.pos))) lines.push("");
    lines.push(...commentLines(text.slice(r.pos, r.end)));
  });
  return lines;
}

/** The comment after a member or a statement, on its line (after its comma). */
function trailingComment(text, node) {
  let end = node.end;
  const comma = /^[ \t]*[,;]/.exec(text.slice(end));
  if (comma) end += comma[0].length;
  const ranges = ts.getTrailingCommentRanges(text, end) ?? [];
  return flat(ranges.flatMap((r) => commentLines(text.slice(r.pos, r.end))));
}

/** A C literal for a number: int32 as is, u32 with u, other integers with LL, the rest as doubles. */
function cLiteral(v) {
  if (!Number.isInteger(v)) return String(v).includes(".") || String(v).includes("e") ? String(v) : `${v}.0`;
  if (v >= INT32_MIN && v <= INT32_MAX) return v < 0 ? `(${v})` : String(v);
  if (v > 0 && v <= 0xffffffff) return `${v}u`;
  if (!Number.isSafeInteger(v)) throw new AbiError(`${REL}: ${v} is not exact in C (scripts/gen-abi.js)`);
  return v < 0 ? `(${v}LL)` : `${v}LL`;
}

const cComment = (lines, indent = "") => {
  const safe = lines.map((l) => l.replaceAll("*/", "* /"));
  if (safe.length === 0) return [];
  if (safe.length === 1) return [`${indent}/* ${safe[0]} */`];
  return [`${indent}/*`, ...safe.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)), `${indent} */`];
};

/** One C group: the members flattened (a nested namespace's members get its name in theirs). */
function flatten(members, prefix) {
  return members.flatMap((m) => (m.kind === "group" ? flatten(m.members, `${prefix}_${upperSnake(m.name)}`) : [{ ...m, cname: `${prefix}_${m.name}` }]));
}

function renderHeader(tree) {
  const out = [
    "/*",
    ` * stable-dio ABI: the numbers of ${REL}, generated from it by scripts/gen-abi.js`,
    " * at build time. Do not edit: rebuild. docs/abi.md says what each one means.",
    " * Names: SD_, the TypeScript name in upper snake case, then _MEMBER",
    " * (Counter.COW_COPIES is SD_COUNTER_COW_COPIES, of enum sd_counter).",
    " */",
    "#ifndef STABLE_DIO_ABI_H",
    "#define STABLE_DIO_ABI_H",
  ];
  for (const d of tree) {
    out.push("", ...cComment(d.doc));
    const base = `SD_${upperSnake(d.name)}`;
    if (d.kind === "const") {
      out.push(`#define ${base} ${cLiteral(d.value)}${d.note ? ` /* ${d.note.replaceAll("*/", "* /")} */` : ""}`);
      continue;
    }
    const members = flatten(d.members, base);
    const width = Math.max(0, ...members.map((m) => m.cname.length));
    // The items, then each one's comment in a column after the longest.
    let items;
    if (members.length > 0 && members.every((m) => Number.isInteger(m.value) && m.value >= INT32_MIN && m.value <= INT32_MAX)) {
      items = members.map((m, i) => `  ${m.cname.padEnd(width)} = ${cLiteral(m.value)}${i < members.length - 1 ? "," : ""}`);
      out.push(`enum sd_${upperSnake(d.name).toLowerCase()} {`);
    } else {
      items = members.map((m) => `#define ${m.cname.padEnd(width)} ${cLiteral(m.value)}`);
    }
    const column = Math.max(...items.map((it) => it.length));
    items.forEach((it, i) => {
      const note = members[i].note;
      out.push(note ? `${it.padEnd(column)} /* ${note.replaceAll("*/", "* /")} */` : it);
    });
    if (items[0]?.startsWith("  ")) out.push("};");
  }
  out.push("", "#endif /* STABLE_DIO_ABI_H */", "");
  return out.join("\n");
}

function renderJson(tree) {
  const value = (d) => (d.kind === "group" ? Object.fromEntries(d.members.map((m) => [m.name, value(m)])) : d.value);
  return `${JSON.stringify(Object.fromEntries(tree.map((d) => [d.name, value(d)])), null, 2)}\n`;
}

async function main() {
  try {
    const tree = await readAbi(readFileSync(SOURCE, "utf8"));
    mkdirSync(dirname(HEADER), { recursive: true });
    writeFileSync(HEADER, renderHeader(tree));
    writeFileSync(JSON_OUT, renderJson(tree));
  } catch (e) {
    if (!(e instanceof AbiError)) throw e;
    process.stderr.write(`gen-abi: ${e.message}\n`);
    process.exit(1);
  }
}

await main();
