// `stable-dio native`: one workload on the real kernel with real O_DIRECT
// I/O and the policies at user level (docs/native.md), beside the Wasm core
// and the user-level projection. Needs root, a C compiler, libaio, a loop
// device (or --target) and, for the write-protect policies, userfaultfd;
// without one: one line naming it, exit code 2, nothing left behind.
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { cacheFile } from "../calibrate/cache.js";
import { calibratedProfile } from "../calibrate/measure.js";
import { findCompiler, noCompilerHelp, NativeError, runNative } from "../calibrate/native.js";
import { loadWasmCoreSync } from "../core/wasm.js";
import { profileLabel, readProfile, writeProfile, type CostProfile } from "../cost/profile.js";
import { POLICIES } from "../shared/names.js";
import { fmtBytes, MAX_IO, PAGE, SECTOR } from "../shared/units.js";
import { buildTwin, BuildError, probeUffd, sweepStaleBuilds } from "../native/build.js";
import { plansOf, runNativeJob, type NativeJob } from "../native/compare.js";
import { NATIVE_HTML, NATIVE_JSON, nativePage } from "../native/html.js";
import { renderNativeTable } from "../native/render.js";
import { TwinError } from "../native/run.js";
import { NativeMissing, Session } from "../native/session.js";
import { loopMissing, makeLoop, sweepStale, userTarget, type StaleDevice } from "../native/target.js";
import { writeFilesAtomic } from "../shared/atomic.js";
import { makeDir } from "../shared/make-dir.js";
import { parseNumber, resolveParams } from "../workloads/params.js";
import type { Workload } from "../workloads/types.js";
import { DEFAULT_WP, mergeWp, wpChanges, wpLabel, type WpChoices } from "../shared/wp.js";
import type { CommandContext } from "./context.js";
import { EXIT_FAIL, EXIT_OK, UsageError, type CliIo } from "../shared/io.js";
import { pickNumber } from "./numbers.js";
import { PROFILE_VALUES, profileOption, type ProfileOption } from "./profile.js";
import { reportTarget, shownPath } from "./report.js";
import { pickWp } from "./runs.js";
import { pickNamed, pickSeed, splitList } from "../shared/select.js";
import { pickParams } from "../workloads/select.js";
import { chooseWorkload, fioOption, WORKLOAD_FLAGS, WORKLOAD_HELP, type SourceOptions } from "./source.js";
import { subcommand } from "./subcommand.js";
import { join } from "node:path";

/** The policies built natively (opt-out and opt-out-inverse are direct or bounce by process flag: run those). */
export const NATIVE_POLICIES = ["direct", "bounce", "wp-wait", "wp-cow", "wp-cow-degrade", "verify"] as const;
const WP = ["wp-wait", "wp-cow", "wp-cow-degrade"];

interface NativeOptions extends SourceOptions {
  policy?: string;
  seed?: string;
  param?: string[];
  sizes?: string;
  repeat?: string;
  target?: string;
  offset?: string;
  profile?: string;
  json?: boolean;
  out?: string;
  report?: boolean;
  saveBase?: string;
  wp?: string;
}

export function registerNative(program: Command, ctx: CommandContext): void {
  fioOption(subcommand(program, "native")
    .description("run a workload on the real kernel: O_DIRECT I/O, the policies at user level (userfaultfd), beside the Wasm core")
    .option(WORKLOAD_FLAGS, WORKLOAD_HELP))
    .option("-p, --policy <ids>", `comma list of policies (default: ${NATIVE_POLICIES.join(",")})`)
    .option("-s, --seed <n>", "seed of the workload's random choices (default: 1)")
    .option("-P, --param <name=value>", "workload parameter, repeatable or comma list (e.g. ios=512,size=64k)", (v: string, p?: string[]) => [...(p ?? []), v])
    .option("--sizes <list>", "run at each I/O size (sets the size parameter), e.g. 4k,64k,1m")
    .option("--repeat <n>", "native runs per policy and size, taken in turn; CPU is their median (default 1)")
    .option("--target <path>", "a file or block device to write instead of a loop device (only [--offset, +length) is written)")
    .option("--offset <bytes>", "where the run's range starts on --target (multiple of 4096; default 0)")
    .option("--profile <name|file>", `cost profile for the projection: ${PROFILE_VALUES} ` +
      "(default: measure this machine now, as calibrate --quick; $STABLE_DIO_PROFILE does not apply)")
    .option("--save-base <profile.json|machine>", "record direct's CPU per I/O and per page (needs -p direct and two --sizes) in this profile, " +
      "or in this user's cached profile of this machine (machine)")
    .option("--wp <key=value,...>", "the write-protect's implementation choices: native builds only the defaults at user level (restore=eager,batch=1,walk=separate); any other is refused")
    .option("--json", "print the results as JSON")
    .option("-o, --out <dir>", `report directory: ${NATIVE_JSON} and ${NATIVE_HTML} (default: ./stable-dio-report)`)
    .option("--no-report", "write no report files")
    .action(async (o: NativeOptions) => ctx.exit(await native(o, ctx.io)));
}

/**
 * native's user-level write-protect (userfaultfd) is today's: one
 * UFFDIO_WRITEPROTECT per I/O at submit and one at completion. A lazy restore,
 * a batched shootdown or a write-protect inside GUP's walk have no user-level
 * twin, so a run that asks for one (--wp, or its workload file's "wp") is
 * refused rather than compared with a core run of different choices.
 */
function nativeWp(workload: Workload, flag: Partial<WpChoices> | undefined, file: string | undefined): void {
  const own = workload.wp?.(resolveParams(workload, workload.device), workload.device);
  const asked = wpChanges(mergeWp(own, flag));
  if (!asked) return;
  const from = flag && wpChanges(mergeWp(flag)) ? "--wp" : `${file ?? workload.id}: its "wp"`;
  throw new UsageError(`${from} asks for ${asked}: native builds only today's write-protect at user level ` +
    `(${wpLabel(DEFAULT_WP)}); run the other choices on the core (stable-dio run --wp ...)`);
}

function pickSizes(text: string | undefined): number[] {
  if (text === undefined) return [];
  const out = splitList(text, "--sizes").map((s) => {
    const v = parseNumber(s, "bytes");
    if (v === undefined || !Number.isInteger(v) || v < SECTOR || v > MAX_IO || v % SECTOR)
      throw new UsageError(`bad size '${s}' in --sizes (allowed: multiples of 512 from 512 to ${fmtBytes(MAX_IO)}, e.g. 4k,64k,1m)`);
    return v;
  });
  if (!out.length) throw new UsageError("empty --sizes list (allowed: sizes such as 4k,64k,1m)");
  return out;
}

async function native(o: NativeOptions, io: CliIo): Promise<number> {
  // Every flag first: a mistake costs nothing and leaves nothing.
  const { workload, source } = chooseWorkload("native", o);
  const policies = pickNamed("policy", POLICIES.filter((p) => (NATIVE_POLICIES as readonly string[]).includes(p.id)), o.policy ?? NATIVE_POLICIES.join(","));
  const seed = pickSeed(o.seed);
  const params = pickParams(o.param ?? [], [workload]);
  nativeWp(workload, pickWp(o.wp), source?.file);
  if (params.size !== undefined && o.sizes !== undefined) throw new UsageError("--param size and --sizes both set the I/O size: give one");
  const sizes = pickSizes(o.sizes);
  // As every command takes it; read now (a bad one costs nothing), `machine` looked up or measured when chosen.
  const profileChoice = o.profile === undefined ? undefined : profileOption(o.profile);
  const repeat = pickNumber("--repeat", o.repeat, 1, 1, 100, true);
  const offset = o.offset === undefined ? 0 : parseNumber(o.offset, "bytes");
  if (offset === undefined || !Number.isInteger(offset) || offset % PAGE) throw new UsageError(`bad --offset '${o.offset}' (allowed: a byte count, a multiple of 4096)`);
  if (o.offset !== undefined && o.target === undefined) throw new UsageError("--offset is a place on --target: give --target too");
  // Beside the main report (which then includes it): its index.html is not replaced, so no note.
  const dir = reportTarget(o, "native", io)?.dir;
  // "machine": the profile the projecting commands use by default (docs/profiles.md), as this user's cache holds it.
  const saveBase = o.saveBase === "machine" ? cacheFile() : o.saveBase;
  if (saveBase !== undefined) {
    if (o.saveBase === "machine" && !existsSync(saveBase))
      throw new UsageError(`--save-base machine: no cached profile of this machine for this user yet (${saveBase}): run stable-dio calibrate first`);
    try {
      readProfile(saveBase);
    } catch (e) {
      throw new UsageError(`--save-base: ${(e as Error).message} (a profile from stable-dio calibrate)`);
    }
    if (!policies.some((p) => p.id === "direct") || new Set(sizes).size < 2)
      throw new UsageError("--save-base fits direct's CPU by size: give -p with direct and --sizes with two sizes or more");
  }
  const job0 = { workload, params, seed, policies, repeat, sizes };
  let plans;
  try {
    plans = plansOf(job0);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const why = e.message.startsWith(`${workload.id}: `) ? e.message.slice(workload.id.length + 2) : e.message;
    throw new UsageError(`${source?.file ?? workload.id}: cannot run natively: ${why}`);
  }
  const length = Math.max(...plans.map((p) => p.plan.length));
  const named = o.target !== undefined ? userTarget(o.target, offset, length) : undefined;
  // Then what the machine must have, before anything is made.
  const missing = (what: string) => new UsageError(`native needs ${what}`);
  if (process.getuid?.() !== 0) throw missing("root (O_DIRECT on a loop device it makes, userfaultfd); run it as root");
  const compiler = findCompiler();
  if (!compiler) throw missing(`a C compiler: ${noCompilerHelp()}`);
  if (o.target === undefined) {
    const why = loopMissing();
    if (why) throw missing(why);
  }
  const session = new Session((t) => io.err(t));
  try {
    sweepStaleBuilds(); // a killed run's compiled program: nothing to say, it held nothing
    const bin = buildTwin(compiler, session);
    if (policies.some((p) => WP.includes(p.id))) {
      const why = probeUffd(bin);
      if (why) throw new NativeMissing(why);
    }
    const profile = await measuredProfile(profileChoice, compiler, io);
    for (const s of sweepStale()) io.err(staleLine(s));
    const target = named ?? makeLoop(length, session);
    const job: NativeJob = { ...job0, profile, profileLabel: profileLabel(profile) };
    const progress = (t: string) => io.interactive && io.err(`\r\x1b[K${t}`);
    const doc = await runNativeJob(job, loadWasmCoreSync(), bin, target, session, progress);
    if (io.interactive) io.err("\r\x1b[K");
    io.out(o.json ? JSON.stringify(doc, null, 2) + "\n" : renderNativeTable(doc));
    if (dir) {
      try {
        makeDir(dir);
        writeFilesAtomic([
          { file: join(dir, NATIVE_JSON), data: JSON.stringify(doc, null, 2) + "\n" },
          { file: join(dir, NATIVE_HTML), data: nativePage(doc) },
        ]);
      } catch (e) {
        throw new UsageError(`cannot write the report to '${dir}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      io.err(`stable-dio: report: ${shownPath(dir, io)}/${NATIVE_HTML} (${NATIVE_JSON} beside it; the main report includes it)\n`);
    }
    if (saveBase !== undefined && doc.base_cpu) {
      writeProfile(saveBase, { ...readProfile(saveBase), base_cpu: doc.base_cpu });
      io.err(`stable-dio: direct's base CPU recorded in ${saveBase} (base_cpu)\n`);
    }
    return EXIT_OK;
  } catch (e) {
    if (e instanceof NativeMissing) throw missing(e.what);
    if (e instanceof TwinError || e instanceof BuildError || e instanceof NativeError) {
      io.err(`stable-dio: ${e.message}\n`);
      return EXIT_FAIL;
    }
    throw e;
  } finally {
    session.close();
  }
}

/** What the run says of a loop device a killed run left: detached only if it is gone from the list. */
function staleLine(s: StaleDevice): string {
  const program = s.killed === undefined ? "" : ` (its program, pid ${s.killed}, was still running on it: killed)`;
  return s.detached
    ? `stable-dio: detached ${s.dev}: left by a native run that was killed${program}\n`
    : `stable-dio: ${s.dev}, left by a native run that was killed, is still open in a process stable-dio cannot name: ` +
      `marked for detach when its last user closes it (losetup -a lists it until then)\n`;
}

/** --profile's, or this machine measured now (the userfaultfd units need a calibration as root). */
async function measuredProfile(choice: ProfileOption | undefined, compiler: string, io: CliIo): Promise<CostProfile> {
  if (choice !== undefined) return (await choice.choose(io)).profile;
  if (io.interactive) io.err("measuring this machine's unit costs (as calibrate --quick)...");
  const p = calibratedProfile(runNative(compiler, ["--quick"]), true).profile;
  if (io.interactive) io.err("\r\x1b[K");
  return p;
}
