// `stable-dio crossover`: the projected cost of wp-cow, bounce, wp-wait and
// direct over I/O sizes, threads, cache states, mappings and violation rates,
// and where wp-cow becomes cheaper than bounce.
import type { Command } from "commander";
import { loadWasmCoreSync } from "../core/wasm.js";
import { baseOf, DEFAULT_THROUGHPUT } from "../cost/throughput.js";
import { breakEvens, unitValue } from "../crossover/breakeven.js";
import { DEFAULT_GRID, runGrid, type GridSpec, WP_COW_BEST } from "../crossover/grid.js";
import { crossoversWith } from "../crossover/range.js";
import { renderCrossover } from "../crossover/render.js";
import type { CommandContext } from "./context.js";
import { subcommand } from "./subcommand.js";
import { EXIT_OK, type CliIo, UsageError } from "../shared/io.js";
import { pickNumber } from "./numbers.js";
import { chooseProfile, PROFILE_HELP, referenceProfiles } from "./profile.js";
import { splitList } from "../shared/select.js";
import { mergeWp } from "../shared/wp.js";
import { pickWp, WP_OPTION_HELP } from "./runs.js";

interface CrossoverOptions {
  profile?: string;
  threads?: string;
  rates?: string;
  ios?: string;
  bw?: string;
  iops?: string;
  qd?: string;
  cpus?: string;
  baseUs?: string;
  basePageNs?: string;
  latencyUs?: string;
  wp?: string;
  json?: boolean;
}

export function registerCrossover(program: Command, ctx: CommandContext): void {
  subcommand(program, "crossover")
    .description("projected cost of wp-cow, bounce, wp-wait and direct over sizes, threads, caches, mappings, violations")
    .option("--profile <name|file>", PROFILE_HELP)
    .option("--threads <list>", `threads of the process running (default ${DEFAULT_GRID.threads.join(",")})`)
    .option("--rates <list>", `violation rates, fractions of I/Os (default ${DEFAULT_GRID.rates.join(",")})`)
    .option("--ios <n>", "I/Os per core run (default 2)")
    .option("--bw <MiB/s>", `device bandwidth for the throughput projection (default ${DEFAULT_THROUGHPUT.bandwidthMiBs})`)
    .option("--iops <n>", `device IOPS limit (default ${DEFAULT_THROUGHPUT.iops})`)
    .option("--qd <n>", `I/Os in flight (default ${DEFAULT_THROUGHPUT.qd})`)
    .option("--cpus <n>", `CPUs doing I/O (default ${DEFAULT_THROUGHPUT.cpus})`)
    .option("--base-us <us>", `CPU per I/O outside the policy (default: the profile's base_cpu, else ${DEFAULT_THROUGHPUT.baseUs})`)
    .option("--base-page-ns <ns>", `and what each 4 KiB page of the I/O adds (default: the profile's base_cpu, else ${DEFAULT_THROUGHPUT.basePageNs})`)
    .option("--latency-us <us>", `device latency per I/O; a stalled writer waits half of it (default ${DEFAULT_THROUGHPUT.latencyUs})`)
    .option("--wp <key=value,...>", `${WP_OPTION_HELP}; batch: each run submits its --ios I/Os in calls of min(batch, --ios), --ios rounded up to a multiple of that`)
    .option("--json", "print the grid, every projection and the crossovers as JSON")
    .action(async (opts: CrossoverOptions) => ctx.exit(await crossover(opts, ctx.io)));
}

function list(opt: string, text: string | undefined, def: readonly number[], min: number, max: number, integer: boolean): number[] {
  if (text === undefined) return [...def];
  const items = splitList(text, opt);
  if (!items.length) throw new UsageError(`empty list for ${opt}`);
  return [...new Set(items.map((x) => pickNumber(opt, x, 0, min, max, integer)))].sort((a, b) => a - b);
}

async function crossover(o: CrossoverOptions, io: CliIo): Promise<number> {
  const base = baseOf(undefined);
  const tp0 = {
    bandwidthMiBs: pickNumber("--bw", o.bw, DEFAULT_THROUGHPUT.bandwidthMiBs, 1, 1e7),
    iops: pickNumber("--iops", o.iops, DEFAULT_THROUGHPUT.iops, 1, 1e9),
    qd: pickNumber("--qd", o.qd, DEFAULT_THROUGHPUT.qd, 1, 65536, true),
    cpus: pickNumber("--cpus", o.cpus, DEFAULT_THROUGHPUT.cpus, 1, 4096, true),
    baseUs: pickNumber("--base-us", o.baseUs, base.baseUs, 0, 1e6),
    basePageNs: pickNumber("--base-page-ns", o.basePageNs, base.basePageNs, 0, 1e7),
    latencyUs: pickNumber("--latency-us", o.latencyUs, DEFAULT_THROUGHPUT.latencyUs, 0, 1e7),
  };
  const wp = mergeWp(pickWp(o.wp));
  const ios = pickNumber("--ios", o.ios, 2, 1, 64, true);
  const spec: GridSpec = {
    ...DEFAULT_GRID,
    threads: list("--threads", o.threads, DEFAULT_GRID.threads, 1, 64, true),
    rates: list("--rates", o.rates, DEFAULT_GRID.rates, 0, 1, false),
    // Submission calls of min(batch, ios) I/Os, whole calls only: every I/O's counts are then alike.
    ios: Math.ceil(ios / Math.min(wp.batch, ios)) * Math.min(wp.batch, ios),
    stallWaitNs: (tp0.latencyUs * 1000) / 2,
    ...(o.wp === undefined ? {} : { wp }),
    best: true,
  };
  // Every flag is checked before a first run on this machine measures it.
  const choice = await chooseProfile(o.profile, io);
  const profile = choice.profile;
  const measured = baseOf(profile.base_cpu);
  const tp = {
    ...tp0,
    baseUs: o.baseUs === undefined ? measured.baseUs : tp0.baseUs,
    basePageNs: o.basePageNs === undefined ? measured.basePageNs : tp0.basePageNs,
  };
  // Where each part of the base came from: its flag, the profile's measured base_cpu, or the assumed default.
  const from = (flag: string, given: string | undefined) => (given !== undefined ? flag
    : profile.base_cpu ? `measured (the profile's base_cpu, ${profile.base_cpu.date.slice(0, 10)})`
    : "assumed (the profile has no base_cpu: stable-dio native --save-base measures it)");
  const [perIo, perPage] = [from("--base-us", o.baseUs), from("--base-page-ns", o.basePageNs)];
  const source = perIo === perPage ? perIo : `per I/O ${perIo}, per page ${perPage}`;
  const references = referenceProfiles();
  if (io.interactive) io.err("running the core over the grid...");
  const g = runGrid(loadWasmCoreSync(), spec, profile.costs);
  if (io.interactive) io.err("\r\x1b[K");
  if (o.json) {
    io.out(JSON.stringify({
      tool: "stable-dio", kind: "crossover", profile, profileChoice: { here: choice.here, why: choice.why }, throughputParams: tp,
      note: "counts measured by runs of the Wasm core; costs projected from the profile (ns per I/O)",
      ...g,
      breakEvens: breakEvens(g, profile.costs),
      references: references.map((r) => ({
        name: r.name, pte: r.costs.pte, flush: unitValue(r.costs, "flush"), crossovers: crossoversWith(g, r), bestCrossovers: crossoversWith(g, r, WP_COW_BEST),
      })),
    }, null, 2) + "\n");
  } else io.out(renderCrossover(g, choice, references, tp, { source }));
  return EXIT_OK;
}
