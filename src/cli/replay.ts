// `stable-dio replay TRACE`: replays a trace on the Wasm core (or the model)
// and says in one line whether the counters match the trace's footer (exit
// 0), or which differ (exit 1); 2 for a malformed trace (file:line: problem).
// --counters prints every counter, replayed and recorded.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { ABI_VERSION } from "../../assembly/abi.js";
import { TRACE_VERSION, TraceError } from "../trace/format.js";
import { replayTrace, type Replay } from "../trace/replay.js";
import { loadCore, pickCore } from "../host/cores.js";
import type { CommandContext } from "./context.js";
import { EXIT_FAIL, EXIT_OK, UsageError, type CliIo } from "../shared/io.js";
import { subcommand } from "./subcommand.js";

interface ReplayOptions {
  core?: string;
  json?: boolean;
  counters?: boolean;
}

export function registerReplay(program: Command, ctx: CommandContext): void {
  subcommand(program, "replay")
    .description("replay an operation trace (docs/trace.md; '-' reads stdin) and check the counters against its footer")
    .argument("<trace>", "trace file written by `stable-dio record`, or '-' for stdin")
    .option("--core <id>", "wasm (default) or model")
    .option("--counters", "print every counter, replayed and recorded, after the verdict")
    .option("--json", "print the counters, the recorded ones and the differences as JSON")
    .action(async (file: string, opts: ReplayOptions) => ctx.exit(await replay(file, opts, ctx.io)));
}

async function replay(file: string, o: ReplayOptions, io: CliIo): Promise<number> {
  const coreId = pickCore(o.core);
  const text = readText(file);
  const name = file === "-" ? "<stdin>" : file; // as the WASI command names stdin
  const core = await loadCore(coreId);
  let r: Replay;
  try {
    r = replayTrace(core, text, name);
  } catch (e) {
    if (e instanceof TraceError) throw new UsageError(e.message);
    throw e;
  }
  if (o.json) io.out(renderJson(name, core.kind, r));
  else {
    io.out(verdict(name, core.kind, r));
    if (o.counters) io.out("\n" + renderTable(r));
  }
  if (!r.mismatches.length) return EXIT_OK;
  const list = r.mismatches.map((m) => `${m.counter} ${m.got} (recorded ${m.expected})`).join(", ");
  io.err(`stable-dio: ${name}: the replay differs from the recording: ${list}\n`);
  return EXIT_FAIL;
}

function readText(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new UsageError(`cannot read trace '${file}': ${code}`);
  }
}

/** "replay: racer.trace: the 49 counters match the recording (wasm core, 70,214 calls)" */
function verdict(name: string, core: string, r: Replay): string {
  const n = Object.keys(r.counters).length;
  if (!r.expected) return `replay: ${name}: replayed on the ${core} core; the trace records no counters to compare (--counters prints them)\n`;
  if (!r.mismatches.length) return `replay: ${name}: all ${n} counters match the recording (${core} core)\n`;
  return `replay: ${name}: ${r.mismatches.length} of ${n} counters differ from the recording (${core} core): ` +
    `${r.mismatches.map((m) => m.counter).join(", ")}\n`;
}

function renderTable(r: Replay): string {
  const rows = Object.entries(r.counters).map(([name, v]) => {
    const rec = r.expected?.[name];
    return [name, String(v), rec === undefined ? "" : String(rec), rec !== undefined && rec !== v ? "differs" : ""];
  });
  const head = ["counter", "replayed", r.expected ? "recorded" : "", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n") + "\n";
}

function renderJson(file: string, core: string, r: Replay): string {
  const doc = {
    tool: "stable-dio",
    traceVersion: TRACE_VERSION,
    abi: ABI_VERSION,
    trace: file,
    core,
    match: r.mismatches.length === 0,
    counters: r.counters,
    recorded: r.expected,
    mismatches: r.mismatches,
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
