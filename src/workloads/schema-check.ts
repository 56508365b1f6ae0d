// Validates a parsed workload file against schema/workload.schema.json (the
// schema the package ships, JSON Schema draft 2020-12, checked by ajv) and
// turns ajv's first problem in file order into one readable line.
import { readFileSync } from "node:fs";
import ajvModule, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { packageFile } from "../core/paths.js";
import { pointerSegments, SourceError, type JsonSource } from "./json-source.js";

const Ajv2020 = ajvModule.default;

let validator: ValidateFunction | undefined;

export function schemaPath(): string {
  return packageFile("schema", "workload.schema.json");
}

/** The compiled schema (compiled once per process). */
export function workloadValidator(): ValidateFunction {
  if (!validator) {
    // strictTypes off: range keywords beside a $ref to a union type are intended (they only apply to numbers).
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictTypes: false });
    validator = ajv.compile(JSON.parse(readFileSync(schemaPath(), "utf8")) as object);
  }
  return validator;
}

/** Throws a SourceError for the first schema violation in the file (by line). */
export function checkSchema(src: JsonSource): void {
  const validate = workloadValidator();
  if (validate(src.value)) return;
  // A bad property name gives a pattern error without the name, then a propertyNames error with it: keep the latter.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== "if" && !e.schemaPath.includes("/propertyNames/"));
  const first = errors
    .map((e) => ({ e, at: errorPointer(e), line: src.lineOf(errorPointer(e)) }))
    .sort((a, b) => a.line - b.line || b.at.length - a.at.length)[0];
  if (!first) throw new SourceError(src.file, 1, "does not match the workload schema");
  const field = first.e.keyword === "propertyNames" ? first.e.instancePath : first.at;
  throw new SourceError(src.file, first.line, `${fieldName(field)}${describe(first.e)}`);
}

/** The pointer a problem is about: the offending property itself for unknown, missing or misnamed ones. */
function errorPointer(e: ErrorObject): string {
  const escaped = (name: unknown) => String(name).replace(/~/g, "~0").replace(/\//g, "~1");
  if (e.keyword === "additionalProperties") return `${e.instancePath}/${escaped(e.params.additionalProperty)}`;
  if (e.keyword === "propertyNames") return `${e.instancePath}/${escaped(e.params.propertyName)}`;
  return e.instancePath;
}

/** "/processes/0/threads/1/cpu" -> "processes[0].threads[1].cpu: " */
export function fieldName(pointer: string): string {
  const segs = pointerSegments(pointer);
  if (!segs.length) return "";
  return segs.map((s, i) => (/^[0-9]+$/.test(s) ? `[${s}]` : i ? `.${s}` : s)).join("") + ": ";
}

/** What a $defs type accepts, for type and pattern errors. */
const ACCEPTS: Record<string, string> = {
  name: "a name (letters, digits, '_', '.', '-'; starting with a letter)",
  param: "a parameter reference such as \"$size\"",
  count: "a whole number or a \"$param\"",
  state: "\"running\", \"idle\" or a \"$param\"",
  cpu: "a CPU number 0..63 or a \"$param\"",
  bytes: "a byte count such as 4096, \"64k\", \"4M\" or a \"$param\"",
  fraction: "a number from 0 to 1 or a \"$param\"",
  flag: "true, false, 0, 1 or a \"$param\"",
  byte: "a byte value 0..255 or a \"$param\"",
  size: "a byte count (\"16k\"), a \"$param\", or {\"min\": ..., \"max\": ...}",
  paramDecl: "a default value or {\"default\": ..., \"help\": ...}",
  note: "a string or a list of strings",
};

/** What other patterns of the schema accept. */
const PATTERNS: Record<string, string> = {
  "^[a-z0-9][a-z0-9-]*$": "lower case letters, digits and '-', starting with a letter or digit",
  "^[a-z][a-z0-9_]*$": "lower case letters, digits and '_', starting with a letter",
  "^(\\$[a-z][a-z0-9_]*|[0-9]+(\\.[0-9]+)?\\s*([kKmMgG]?([iI]?[bB])?))$": "a number, a byte count such as \"64k\" or a \"$param\"",
};

const TYPES: Record<string, string> = {
  object: "an object", array: "a list", string: "a string", number: "a number", integer: "a whole number",
  boolean: "true or false", null: "null",
};

/** The $defs entry an error's schema is (ajv reports paths inside a $ref'd schema relative to it). */
function defName(e: ErrorObject): string | undefined {
  const defs = (workloadValidator().schema as { $defs?: Record<string, unknown> }).$defs ?? {};
  return Object.keys(defs).find((k) => defs[k] === e.parentSchema) ?? /^#\/\$defs\/([A-Za-z]+)\/[A-Za-z]+$/.exec(e.schemaPath)?.[1];
}

/** A value as the message quotes it: JSON, cut short. */
function quote(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function describe(e: ErrorObject): string {
  const got = quote(e.data);
  const def = defName(e);
  const accepts = def ? ACCEPTS[def] : undefined;
  switch (e.keyword) {
    case "additionalProperties": {
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      return `unknown field (allowed: ${allowed.join(", ")})`;
    }
    case "required":
      return `missing required field "${String(e.params.missingProperty)}"`;
    case "type": {
      const types = ([] as unknown[]).concat(e.params.type).map((t) => TYPES[String(t)] ?? String(t));
      return `expected ${accepts ?? types.join(" or ")}, got ${got}`;
    }
    case "pattern": {
      const pattern = String(e.params.pattern);
      return `expected ${accepts ?? PATTERNS[pattern] ?? `text matching ${pattern}`}, got ${got}`;
    }
    case "enum":
      return `${got} is not allowed (allowed: ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")})`;
    case "const":
      return `must be ${JSON.stringify(e.params.allowedValue)}, got ${got}`;
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return `${got} is out of range (${e.message ?? ""})`;
    case "minItems":
      return `needs at least ${String(e.params.limit)} item(s)`;
    case "propertyNames": {
      const pattern = String((e.parentSchema as { propertyNames?: { pattern?: string } }).propertyNames?.pattern ?? "");
      return `bad name ${quote(e.params.propertyName)}: expected ${PATTERNS[pattern] ?? `a name matching ${pattern}`}`;
    }
    default:
      return `${e.message ?? e.keyword}${e.data !== undefined ? `, got ${got}` : ""}`;
  }
}
