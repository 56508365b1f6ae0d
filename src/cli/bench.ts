// `stable-dio bench`: times the Wasm core's primitives with loops inside
// Wasm, and the same operations on the reference model.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { benchCases } from "../bench/cases.js";
import { renderBench } from "../bench/render.js";
import { runBench } from "../bench/run.js";
import { DEFAULT_SAMPLES } from "../bench/sampler.js";
import type { CommandContext } from "./context.js";
import { subcommand } from "./subcommand.js";
import { EXIT_OK, UsageError, type CliIo } from "../shared/io.js";
import { pickNumber } from "./numbers.js";
import { splitList } from "../shared/select.js";
import { unknown } from "../shared/io.js";

interface BenchOptions {
  samples?: string;
  sampleMs?: string;
  warmupMs?: string;
  only?: string;
  model?: boolean;
  json?: boolean;
  wasm?: string;
  against?: string;
}

export function registerBench(program: Command, ctx: CommandContext): void {
  subcommand(program, "bench")
    .description("time the Wasm core's primitives (loops inside Wasm) and the same work on the reference model")
    .option("--samples <n>", `samples per operation (default ${DEFAULT_SAMPLES.samples})`)
    .option("--sample-ms <ms>", `target length of one sample (default ${DEFAULT_SAMPLES.sampleMs})`)
    .option("--warmup-ms <ms>", `warm-up per operation (default ${DEFAULT_SAMPLES.warmupMs})`)
    .option("--only <ids>", "comma list of operation ids or groups (wp, cow, copy, csum, store, dio)")
    .option("--no-model", "skip the reference model")
    .option("--wasm <file>", "time this build of the core instead of build/release.wasm")
    .option("--against <file>", "also time this other build of the core, alternating samples with the first (old against new)")
    .option("--json", "print the full report as JSON")
    .action(async (opts: BenchOptions) => ctx.exit(bench(opts, ctx.io)));
}

function bench(o: BenchOptions, io: CliIo): number {
  const options = {
    samples: pickNumber("--samples", o.samples, DEFAULT_SAMPLES.samples, 1, 100000, true),
    sampleMs: pickNumber("--sample-ms", o.sampleMs, DEFAULT_SAMPLES.sampleMs, 0.01, 10000),
    warmupMs: pickNumber("--warmup-ms", o.warmupMs, DEFAULT_SAMPLES.warmupMs, 0, 600000),
  };
  let cases = benchCases();
  if (o.only !== undefined) {
    const want = splitList(o.only, "--only");
    const allowed = [...new Set(cases.map((c) => c.group)), ...cases.map((c) => c.id)];
    for (const w of want) if (!allowed.includes(w)) throw unknown("benchmark", w, allowed);
    cases = cases.filter((c) => want.includes(c.id) || want.includes(c.group));
  }
  if (o.wasm !== undefined) checkCore("--wasm", o.wasm);
  if (o.against !== undefined) checkCore("--against", o.against);
  const progress = io.interactive ? (line: string) => io.err(`\r\x1b[K${line}`) : undefined;
  const report = runBench(cases, options, o.model !== false, progress, o.wasm, o.against);
  if (io.interactive) io.err("\r\x1b[K");
  io.out(o.json ? JSON.stringify(report, null, 2) + "\n" : renderBench(report));
  return EXIT_OK;
}

/** --wasm FILE, --against FILE: a build of the core that has the benchmark loops. */
function checkCore(flag: string, file: string): void {
  let ex: WebAssembly.ModuleExportDescriptor[];
  try {
    ex = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(file)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : "not a WebAssembly module";
    throw new UsageError(`${flag} ${file}: ${why}`);
  }
  if (!ex.some((x) => x.name === "sd_bench_wp_io")) {
    throw new UsageError(`${flag} ${file}: not a stable-dio core with benchmark loops (no sd_bench_wp_io export)`);
  }
}
