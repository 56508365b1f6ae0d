// Writing a run as a trace (docs/trace.md): the header, every sd_set key of
// the run, the ops the driver executed, the scrub it ended with, and the
// counters it produced as the footer a replay checks itself against.
import type { RunResult } from "../host/result.js";
import { HEX_ARGS, KEY_NAMES, OP_ARGS, TRACE_MAGIC, TRACE_VERSION, type TraceOp } from "./format.js";

/** The trace of a run made with `record: true`. */
export function formatTrace(r: RunResult): string {
  if (!r.trace) throw new Error("formatTrace: the run was not recorded (RunSpec.record)");
  const out: string[] = [
    `${TRACE_MAGIC} ${TRACE_VERSION}`,
    "# stable-dio operation trace (docs/trace.md); replay: stable-dio replay FILE",
    `# run: workload ${r.workload}, policy ${r.policy}, device ${r.device}, seed ${r.seed}, stable ${r.stable}, core ${r.core}`,
    `# params: ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(" ")}`,
  ];
  for (const name of KEY_NAMES) out.push(`set ${name} ${r.config[name]}`);
  out.push("reset");
  for (const op of r.trace) out.push(formatOp(op));
  // The driver scrubs the disk after the run; the counters are read after it.
  out.push("scrub", "# the counters the run produced: a replay must give the same");
  for (const [name, v] of Object.entries(r.counters)) out.push(`counter ${name} ${v}`);
  out.push("end", "");
  return out.join("\n");
}

export function formatOp(op: TraceOp): string {
  if (op.op === "set") return `set ${KEY_NAMES[op.key]} ${op.value}`;
  const fields = op as unknown as Record<string, number>;
  const args = OP_ARGS[op.op].map((a) => (HEX_ARGS.has(a) ? `0x${fields[a].toString(16)}` : String(fields[a])));
  return [op.op, ...args].join(" ");
}
