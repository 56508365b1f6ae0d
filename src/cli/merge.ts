// `stable-dio report --from DIR...`: the journals of several sweep directories
// (shards of one sweep, run anywhere: sweep --shard K/N) merged into one
// report, the same points in the same order as the unsharded sweep's.
import { resolve } from "node:path";
import { writeReport } from "../report/write.js";
import { mergeSweeps } from "../sweep/merge.js";
import { sweepDoc } from "../sweep/sweep.js";
import { renderSummary } from "../report/summary-table.js";
import { EXIT_FAIL, EXIT_OK } from "../shared/io.js";
import type { CommandContext } from "./context.js";
import { profileOption } from "./profile.js";
import { reportTarget, writeReportTo, type ReportOptions } from "./report.js";

export async function mergeReport(dirs: readonly string[], o: ReportOptions & { profile?: string; json?: boolean }, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const from = dirs.map((d) => resolve(io.cwd ?? process.cwd(), d));
  const target = reportTarget(o, "report", io);
  const pending = profileOption(o.profile);
  const m = mergeSweeps(from, io);
  // The journals hold counts only: the projections are made here, from the profile given (default: this machine's).
  const profile = (await pending.choose(io)).profile;
  const doc = sweepDoc(m.grid, m.runs, profile, ctx.argv, {
    workers: 0, points: m.runs.length, computed: 0, resumed: m.runs.length, shard: null, merged: from,
  }, "report");
  if (o.json) io.out(JSON.stringify(doc, null, 2) + "\n");
  else io.out(`report: ${m.runs.length} points merged from ${from.length} sweep director${from.length === 1 ? "y" : "ies"}\n\n` +
    renderSummary(doc.summary ?? [], doc.profile.label));
  if (target) await writeReportTo(target, () => writeReport(target.dir, doc), io);
  const bad = m.runs.filter((x) => !x.balanceOk);
  for (const x of bad) io.err(`stable-dio: ${x.key}: frames do not balance (run it alone for the details)\n`);
  return bad.length ? EXIT_FAIL : EXIT_OK;
}
