// `stable-dio wasi-path`: where the WASI command (build/wasi.wasm) is, so other
// tools can run it: wasmtime "$(stable-dio wasi-path)" < run.trace
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { wasiPath } from "../core/wasm.js";
import type { CommandContext } from "./context.js";
import { EXIT_FAIL, EXIT_OK } from "../shared/io.js";
import { subcommand } from "./subcommand.js";

export function registerWasiPath(program: Command, ctx: CommandContext): void {
  subcommand(program, "wasi-path")
    .description("print the absolute path of the WASI command that replays a trace (docs/trace.md)")
    .action(() => {
      const path = wasiPath();
      if (!existsSync(path)) {
        ctx.io.err(`stable-dio: ${path} is missing; run \`npm run build\` first\n`);
        return ctx.exit(EXIT_FAIL);
      }
      ctx.io.out(path + "\n");
      ctx.exit(EXIT_OK);
    });
}
