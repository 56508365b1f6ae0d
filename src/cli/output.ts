// Output files named on the command line (record -o, calibrate -o): resolved
// against the CLI's working directory, checked before any work is done (so a
// typo does not cost a whole measurement), and written atomically. Every
// problem is a UsageError: "cannot write 'FILE': CODE".
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { writeFileAtomic } from "../shared/atomic.js";
import { UsageError, type CliIo } from "../shared/io.js";

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

/** The absolute path of an output file the user named with `flag`, after checking that it can be written there. */
export function outputFile(flag: string, text: string, io: CliIo): string {
  if (text.trim() === "") throw new UsageError(`empty ${flag} file`);
  const file = resolve(io.cwd ?? process.cwd(), text);
  const dir = dirname(file);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new UsageError(`cannot write '${text}': ${code(e)}`);
  }
  if (!isDir) throw new UsageError(`cannot write '${text}': ENOTDIR`);
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`cannot write '${text}': EISDIR (a directory)`);
  return file;
}

/** Writes an output file atomically; a failure is a UsageError naming it, and leaves the file as it was. */
export function writeOutput(file: string, data: string): void {
  try {
    writeFileAtomic(file, data);
  } catch (e) {
    throw new UsageError(`cannot write '${file}': ${code(e)}`);
  }
}
