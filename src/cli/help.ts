// The reference part of --help: every policy, device, workload (with its
// parameters and defaults) and table column, one line each; and the help
// command (`stable-dio help [command]`).
import type { Command } from "commander";
import { unknown } from "../shared/io.js";
import type { CommandContext } from "./context.js";
import { subcommand } from "./subcommand.js";
import { DEVICES, deviceId, POLICIES } from "../shared/names.js";
import { COLUMNS } from "../report/columns.js";
import { WORKLOADS } from "../workloads/index.js";
import { COMMON, fmtParam } from "../workloads/params.js";
import type { ParamSpec } from "../workloads/types.js";

export function referenceHelp(): string {
  const out: string[] = [];
  const pad = (s: string, n: number) => s.padEnd(n);
  const width = (xs: readonly string[]) => Math.max(...xs.map((x) => x.length)) + 2;

  out.push("", "Policies (--policy):");
  const pw = width(POLICIES.map((p) => p.id));
  for (const p of POLICIES) out.push(`  ${pad(p.id, pw)}${p.summary}`);

  out.push("", "Devices (--device; each workload has a default):");
  const dw = width(DEVICES.map((d) => d.id));
  for (const d of DEVICES) out.push(`  ${pad(d.id, dw)}${d.summary}`);

  out.push("", "Workloads (--workload), default device, and parameters (--param name=value):");
  const ww = width(WORKLOADS.map((w) => w.id));
  for (const w of WORKLOADS) {
    out.push(`  ${pad(w.id, ww)}${w.summary}`);
    const defaults = w.params.map((s) => `${s.name}=${fmtDefault(s)}`).join(" ");
    out.push(`  ${pad("", ww)}on ${deviceId(w.device)}; ${defaults}`);
  }

  out.push("", "Parameters:");
  const seen = new Map<string, string>();
  for (const w of WORKLOADS) for (const s of w.params) if (!seen.has(s.name)) seen.set(s.name, generic(s));
  for (const s of COMMON) seen.set(s.name, `${s.help} (default ${fmtDefault(s)})`);
  const nw = width([...seen.keys()]);
  for (const [name, help] of seen) out.push(`  ${pad(name, nw)}${help}`);

  out.push("", "Columns (every counter is in --json):");
  const cw = width(COLUMNS.map((c) => c.header));
  for (const c of COLUMNS) out.push(`  ${pad(c.header, cw)}${c.help}`);

  out.push(
    "",
    "Examples:",
    "  stable-dio                                   every policy on every workload",
    "  stable-dio --workload racer --policy direct,wp-cow",
    "  stable-dio --workload db-writer --param size=4k,qd=32 --device fs-csum",
    "  stable-dio --json > results.json",
    "  stable-dio run --workload my-guest.json        a workload file (copy one of the package's workloads/)",
    "  stable-dio run --fio job.fio                   a fio job file",
    "",
    "The model behind the numbers: docs/model.md. The Wasm ABI: docs/abi.md.",
    "Workload files: docs/workloads.md. fio job files: docs/fio.md.",
  );
  return out.join("\n") + "\n";
}

function fmtDefault(s: ParamSpec): string {
  return typeof s.default === "function" ? "auto" : fmtParam(s, s.default);
}

/** Help for a parameter name that several workloads share (their texts may differ). */
function generic(s: ParamSpec): string {
  switch (s.name) {
    case "p": return "fraction of in-flight buffers the workload modifies (see the workload)";
    case "ios": return "I/Os submitted in total";
    case "threads": return "submitting threads";
    case "size": return "bytes per I/O (512 B..4 MiB, multiples of 512; fs-csum needs 4 KiB multiples)";
    default: return s.help;
  }
}

/** `help [command]`: the program's help, a command's, or one line naming an unknown command (registered last). */
export function registerHelp(program: Command, ctx: CommandContext): void {
  subcommand(program, "help")
    .description("help for a command (stable-dio help sweep)")
    .argument("[command]")
    .action((name: string | undefined) => {
      if (name === undefined) return void program.outputHelp();
      const cmd = program.commands.find((c) => c.name() === name);
      if (!cmd) throw unknown("command", name, ctx.subcommands());
      cmd.outputHelp();
    });
}
