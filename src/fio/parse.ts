// fio's job file format, the INI level (fio's HOWTO, "Job file format"):
// [section] headers, `name=value` or bare `name` options one per line, lines
// whose first character is ';' or '#' are comments. A [global] section sets
// defaults for the jobs below it (only those). Every option keeps its line.
import { SourceError } from "../workloads/json-source.js";

export interface FioOption {
  readonly name: string;
  /** undefined for a bare option (`thread`). */
  readonly value: string | undefined;
  readonly line: number;
}

export interface FioJob {
  readonly name: string;
  readonly line: number;
  /** The [global] options above it, then its own, in file order (later ones win). */
  readonly options: readonly FioOption[];
}

export function parseJobFile(file: string, text: string): FioJob[] {
  const jobs: FioJob[] = [];
  const globals: FioOption[] = [];
  // A job's options: the globals so far, then its own.
  let current: { name: string; line: number; options: FioOption[] } | "global" | undefined;
  const flush = () => {
    if (current && current !== "global") jobs.push(current);
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const t = stripComment(raw).trim();
    if (!t) return;
    if (t.startsWith("[")) {
      if (!t.endsWith("]")) throw new SourceError(file, line, `bad section header '${t}' (expected [name])`);
      const name = t.slice(1, -1).trim();
      if (!name) throw new SourceError(file, line, "empty section name");
      flush();
      current = name === "global" ? "global" : { name, line, options: [...globals] };
      return;
    }
    if (/^include\s/.test(t)) throw new SourceError(file, line, "include is not supported: put the options in this file");
    if (!current) throw new SourceError(file, line, `option '${t}' outside a section (start with [global] or [jobname])`);
    const eq = t.indexOf("=");
    const name = (eq < 0 ? t : t.slice(0, eq)).trim();
    const value = eq < 0 ? undefined : t.slice(eq + 1).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new SourceError(file, line, `bad option name '${name}'`);
    if (value?.includes("${")) throw new SourceError(file, line, `${name}: environment variables (\${...}) are not expanded`);
    const opt = { name, value, line };
    if (current === "global") globals.push(opt);
    else current.options.push(opt);
  });
  flush();
  // Named on the line where the input ends, as a trace's missing 'end' is (docs/trace.md).
  if (!jobs.length) throw new SourceError(file, lines.length, "no job section (a [name] section with options or [global] ones above it)");
  return jobs;
}

/** A whole-line comment starts with ';' or '#'; after a value, one needs a blank before it. */
function stripComment(line: string): string {
  const t = line.trimStart();
  if (t.startsWith(";") || t.startsWith("#")) return "";
  const m = /\s[;#]/.exec(line);
  return m ? line.slice(0, m.index) : line;
}
