// Mutations of valid inputs, as plain data that fast-check draws and shrinks:
// text mutations for every format (truncate, delete, duplicate or swap lines,
// flip a character, replace a token, insert a line) and structural ones for
// JSON (a value of the wrong type or out of range, a field deleted, renamed
// or added). Indices are taken modulo what the input has, so any drawn
// number applies to any input.
import fc from "fast-check";
import { jsonValueArb, numberArb, wordArb } from "./values.js";

export type TextMutation =
  | { readonly k: "truncate"; readonly at: number }
  | { readonly k: "delete"; readonly line: number }
  | { readonly k: "duplicate"; readonly line: number }
  | { readonly k: "swap"; readonly line: number; readonly other: number }
  | { readonly k: "flip"; readonly at: number; readonly ch: string }
  | { readonly k: "token"; readonly line: number; readonly token: number; readonly to: string }
  | { readonly k: "insert"; readonly line: number; readonly text: string };

const nat = fc.nat({ max: 1 << 20 });

/** A line's worth of garbage: words of the value pool and characters that mean something in some format. */
const garbageLineArb = fc
  .tuple(
    fc.array(fc.oneof(wordArb, fc.constantFrom("[", "]", "{", "}", "=", ":", "#", ";", "\"", "[global]", "end", "reset", "set")), { maxLength: 4 }),
    fc.constantFrom(" ", "", "="),
  )
  .map(([words, sep]) => words.join(sep));

export function textMutationArb(tokens: fc.Arbitrary<string> = wordArb): fc.Arbitrary<TextMutation> {
  return fc.oneof(
    fc.record({ k: fc.constant("truncate" as const), at: nat }),
    fc.record({ k: fc.constant("delete" as const), line: nat }),
    fc.record({ k: fc.constant("duplicate" as const), line: nat }),
    fc.record({ k: fc.constant("swap" as const), line: nat, other: nat }),
    fc.record({ k: fc.constant("flip" as const), at: nat, ch: fc.oneof(fc.string({ minLength: 1, maxLength: 1, unit: "binary" }), fc.constantFrom("\n", "\r", "\t", "\u0000", "\"", "#", "=", " ")) }),
    { weight: 4, arbitrary: fc.record({ k: fc.constant("token" as const), line: nat, token: nat, to: tokens }) },
    fc.record({ k: fc.constant("insert" as const), line: nat, text: garbageLineArb }),
  );
}

/** Words, numbers, quoted strings: what a token mutation replaces. */
const TOKEN = /"(?:[^"\\\n]|\\.)*"|[A-Za-z0-9_.$+-]+/g;

export function applyText(text: string, m: TextMutation): string {
  const lines = text.split("\n");
  const at = (i: number) => i % lines.length;
  switch (m.k) {
    case "truncate":
      return text.slice(0, m.at % (text.length + 1));
    case "delete":
      lines.splice(at(m.line), 1);
      break;
    case "duplicate": {
      const i = at(m.line);
      lines.splice(i, 0, lines[i]);
      break;
    }
    case "swap": {
      const [i, j] = [at(m.line), at(m.other)];
      [lines[i], lines[j]] = [lines[j], lines[i]];
      break;
    }
    case "flip": {
      const i = m.at % Math.max(1, text.length);
      return text.slice(0, i) + m.ch + text.slice(i + 1);
    }
    case "token": {
      const i = at(m.line);
      const found = [...lines[i].matchAll(TOKEN)];
      if (!found.length) lines[i] = m.to;
      else {
        const t = found[m.token % found.length];
        lines[i] = lines[i].slice(0, t.index) + m.to + lines[i].slice(t.index + t[0].length);
      }
      break;
    }
    case "insert":
      lines.splice(at(m.line), 0, m.text);
      break;
  }
  return lines.join("\n");
}

export function mutateText(text: string, ms: readonly TextMutation[]): string {
  return ms.reduce(applyText, text);
}

export type JsonMutation =
  | { readonly k: "set"; readonly node: number; readonly to: unknown }
  | { readonly k: "delete"; readonly node: number }
  | { readonly k: "rename"; readonly node: number; readonly name: string }
  | { readonly k: "add"; readonly node: number; readonly name: string; readonly to: unknown }
  | { readonly k: "copy"; readonly node: number; readonly from: number }
  /** A value of the same JSON type: so the file gets past the schema and meets the engine's checks. */
  | { readonly k: "same"; readonly node: number; readonly num: number; readonly word: string };

/**
 * Field names: the format's own (so a field lands where it does not belong)
 * and strangers; `words`: strings a field of the format might hold.
 */
export function jsonMutationArb(names: readonly string[], words: fc.Arbitrary<string> = wordArb): fc.Arbitrary<JsonMutation> {
  const name = fc.oneof(fc.constantFrom(...names), fc.constantFrom("", "__proto__", "constructor", "é", "💥", "note"), fc.string({ maxLength: 6 }));
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ k: fc.constant("same" as const), node: nat, num: numberArb, word: words }) },
    { weight: 5, arbitrary: fc.record({ k: fc.constant("set" as const), node: nat, to: jsonValueArb }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant("delete" as const), node: nat }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("rename" as const), node: nat, name }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("add" as const), node: nat, name, to: jsonValueArb }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("copy" as const), node: nat, from: nat }) },
  );
}

type Container = Record<string, unknown> | unknown[];
interface Slot { readonly parent: Container; readonly key: string | number; }

/** Every place in a document that holds a value, parents before children. */
function slots(doc: unknown): Slot[] {
  const out: Slot[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => (out.push({ parent: v, key: i }), walk(x)));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) (out.push({ parent: v as Container, key: k }), walk(x));
  };
  walk(doc);
  return out;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

export function applyJson(doc: unknown, m: JsonMutation): unknown {
  const root = clone(doc);
  const all = slots(root);
  if (!all.length) return m.k === "set" ? m.to : root;
  const s = all[m.node % all.length];
  const p = s.parent as Record<string | number, unknown>;
  switch (m.k) {
    case "set":
      p[s.key] = clone(m.to);
      break;
    case "delete":
      if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
      else delete p[s.key];
      break;
    case "rename":
      if (!Array.isArray(s.parent)) {
        const v = p[s.key];
        delete p[s.key];
        setKey(s.parent, m.name, v);
      }
      break;
    case "add": {
      const target = p[s.key];
      if (Array.isArray(target)) target.push(clone(m.to));
      else if (target !== null && typeof target === "object") setKey(target as Record<string, unknown>, m.name, clone(m.to));
      else if (!Array.isArray(s.parent)) setKey(s.parent, m.name, clone(m.to));
      break;
    }
    case "copy": {
      const from = all[m.from % all.length];
      p[s.key] = clone((from.parent as Record<string | number, unknown>)[from.key]);
      break;
    }
    case "same": {
      const v = p[s.key];
      if (typeof v === "number") p[s.key] = m.num;
      else if (typeof v === "string") p[s.key] = m.word;
      else if (typeof v === "boolean") p[s.key] = !v;
      break;
    }
  }
  return root;
}

/** The mutated document as a file: two-space JSON, so problems have lines to name. */
export function mutateJson(doc: unknown, ms: readonly JsonMutation[]): string {
  return JSON.stringify(ms.reduce(applyJson, doc), null, 2) + "\n";
}
