// Reading a report directory back: results.json checked against the shipped
// JSON Schema (ajv, draft 2020-12), and results.csv parsed (RFC 4180).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ajvModule from "ajv/dist/2020.js";
import type { ResultsDoc } from "../../src/report/document.js";

const Ajv2020 = ajvModule.default;
const schema = JSON.parse(readFileSync(new URL("../../schema/results.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true, strict: true, strictTypes: false }).compile(schema);

/** results.json of a report directory, after checking it against the schema. */
export function readResults(dir: string): ResultsDoc {
  const doc = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as unknown;
  if (!validate(doc)) throw new Error(`results.json does not match the schema: ${JSON.stringify(validate.errors?.slice(0, 5))}`);
  return doc as ResultsDoc;
}

/** Rows of fields; quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(field), (field = "");
    else if (c === "\n") row.push(field), rows.push(row), (row = []), (field = "");
    else if (c !== "\r") field += c;
  }
  if (field !== "" || row.length) row.push(field), rows.push(row);
  return rows;
}

/** results.csv as one record per row, keyed by the header. */
export function readCsv(dir: string): { header: string[]; records: Array<Record<string, string>> } {
  const [header, ...rows] = parseCsv(readFileSync(join(dir, "results.csv"), "utf8"));
  return { header, records: rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))) };
}
