// A JSON file kept with its positions, so every problem found later (by the
// schema, by the semantic checks) can name the line it is on. Strict JSON:
// no comments, no trailing commas, no duplicate keys.
import * as jsonc from "jsonc-parser";

/** A problem in a user's file: printed as `file:line: problem` (line 0: the file as a whole), exit code 2. */
export class SourceError extends Error {
  constructor(readonly file: string, readonly line: number, readonly problem: string) {
    super(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`);
    this.name = "SourceError";
  }
}

/** Where a JSON pointer of a document is, in the file it came from. */
export interface Located {
  readonly file: string;
  lineOf(pointer: string): number;
  /** How the source names the field at a pointer, when not as a workload file does (processes[0].threads[0].io.qd). */
  fieldName?(pointer: string): string;
}

export interface JsonSource extends Located {
  readonly value: unknown;
}

export function parseJsonSource(file: string, text: string): JsonSource {
  const errors: jsonc.ParseError[] = [];
  const root = jsonc.parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: true });
  const lineAt = (offset: number): number => lineOfOffset(text, offset);
  if (errors.length) {
    // A fio job given where a workload file goes: say which flag takes it.
    const hint = /\.fio$/i.test(file) ? " (a fio job file? give it with --fio)" : "";
    throw new SourceError(file, lineAt(errors[0].offset), `bad JSON: ${parseErrorText(errors[0].error)}${hint}`);
  }
  if (!root) throw new SourceError(file, 1, "bad JSON: the file is empty");
  checkDuplicateKeys(root, file, lineAt);
  checkNumbers(root, (node) => {
    const literal = text.slice(node.offset, node.offset + node.length);
    throw new SourceError(file, lineAt(node.offset), `bad JSON: ${literal} is too large for a number`);
  });
  return {
    file,
    value: jsonc.getNodeValue(root),
    lineOf: (pointer) => lineAt(offsetOf(root, pointer)),
  };
}

/** 1-based line of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** "/processes/0/name" -> ["processes", "0", "name"] (RFC 6901 escapes undone). */
export function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/**
 * Offset of the deepest node the pointer reaches: a property's key when the
 * pointer names a property (that is the line people look for), else the value.
 */
function offsetOf(root: jsonc.Node, pointer: string): number {
  let node = root;
  let at = root.offset;
  for (const seg of pointerSegments(pointer)) {
    if (node.type === "object") {
      const prop = node.children?.find((p) => p.children?.[0]?.value === seg);
      if (!prop?.children?.[1]) break;
      at = prop.offset;
      node = prop.children[1];
    } else if (node.type === "array") {
      const item = node.children?.[Number(seg)];
      if (!item) break;
      at = item.offset;
      node = item;
    } else break;
  }
  return at;
}

function checkDuplicateKeys(node: jsonc.Node, file: string, lineAt: (offset: number) => number): void {
  if (node.type === "object") {
    const seen = new Set<string>();
    for (const prop of node.children ?? []) {
      const key = String(prop.children?.[0]?.value);
      if (seen.has(key)) throw new SourceError(file, lineAt(prop.offset), `bad JSON: duplicate key "${key}"`);
      seen.add(key);
    }
  }
  for (const child of node.children ?? []) checkDuplicateKeys(child, file, lineAt);
}

/** A number literal beyond what a double holds (1e999) would be read as Infinity, and shown back as "null". */
function checkNumbers(node: jsonc.Node, tooLarge: (node: jsonc.Node) => never): void {
  if (node.type === "number" && !Number.isFinite(node.value)) tooLarge(node);
  for (const child of node.children ?? []) checkNumbers(child, tooLarge);
}

function parseErrorText(code: jsonc.ParseErrorCode): string {
  switch (code) {
    case jsonc.ParseErrorCode.InvalidSymbol: return "unexpected character";
    case jsonc.ParseErrorCode.InvalidNumberFormat: return "malformed number";
    case jsonc.ParseErrorCode.PropertyNameExpected: return "expected a property name in double quotes (a trailing comma?)";
    case jsonc.ParseErrorCode.ValueExpected: return "expected a value (a trailing comma?)";
    case jsonc.ParseErrorCode.ColonExpected: return "expected ':'";
    case jsonc.ParseErrorCode.CommaExpected: return "expected ',' (or the end of the object or array)";
    case jsonc.ParseErrorCode.CloseBraceExpected: return "expected '}'";
    case jsonc.ParseErrorCode.CloseBracketExpected: return "expected ']'";
    case jsonc.ParseErrorCode.EndOfFileExpected: return "unexpected text after the end of the document";
    case jsonc.ParseErrorCode.InvalidCommentToken: return "comments are not JSON (use a \"note\" field)";
    case jsonc.ParseErrorCode.UnexpectedEndOfComment: return "unterminated comment";
    case jsonc.ParseErrorCode.UnexpectedEndOfString: return "unterminated string";
    case jsonc.ParseErrorCode.UnexpectedEndOfNumber: return "unterminated number";
    case jsonc.ParseErrorCode.InvalidUnicode: return "invalid unicode escape";
    case jsonc.ParseErrorCode.InvalidEscapeCharacter: return "invalid escape character";
    case jsonc.ParseErrorCode.InvalidCharacter: return "invalid character in a string";
    default: return jsonc.printParseErrorCode(code);
  }
}
