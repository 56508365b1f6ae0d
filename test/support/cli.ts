// The command line in process: main() with captured output. Relative output
// paths (the main job's report directory) resolve in a temporary directory of
// this test process, never in the working tree.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIo } from "../../src/shared/io.js";
import { main } from "../../src/cli/main.js";

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

let cwd: string | undefined;

/** The directory relative output paths of cli() resolve in. */
export function cliCwd(): string {
  return (cwd ??= mkdtempSync(join(tmpdir(), "stable-dio-cli-")));
}

export async function cli(...argv: string[]): Promise<CliRun> {
  return cliWith({ interactive: false }, ...argv);
}

/** cli() as if stderr were a terminal (`interactive`), drawing on `errStream`. */
export async function cliWith(tty: Pick<CliIo, "interactive" | "errStream">, ...argv: string[]): Promise<CliRun> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), ...tty, cwd: cliCwd() };
  const code = await main(argv, io);
  return { code, out, err };
}
