// This machine's cost profile, the default of the commands that project
// costs: the one cached for this machine (src/calibrate/cache.ts), else
// measured now, once (one run of native/calibrate.c: about 10 s, with
// progress on stderr), and cached. Without a C compiler, or when the
// measurement fails, the built-in profile, and the choice says why.
import { builtinProfile } from "../cost/builtin.js";
import type { ProfileChoice } from "../cost/choice.js";
import type { CliIo } from "../shared/io.js";
import { cacheFile, readCached, thisMachine, writeCached } from "./cache.js";
import { calibratedProfile } from "./measure.js";
import { findCompiler, NativeError, noCompilerHelp, runNativeAsync } from "./native.js";

/** Runs of the program behind a default profile: one (`stable-dio calibrate` takes the median of 3). */
export const AUTO_RUNS = 1;

const seconds = (t0: number): string => ((performance.now() - t0) / 1000).toFixed(1);

export async function machineProfile(io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<ProfileChoice> {
  const m = thisMachine();
  const file = cacheFile(m, env);
  const cached = readCached(file, m);
  if (cached && "profile" in cached)
    return { profile: cached.profile, here: true, why: `this machine's, calibrated ${cached.profile.date.slice(0, 10)}, cached` };
  if (cached) io.err(`stable-dio: not using the cached profile: ${cached.problem}; measuring this machine again\n`);
  const compiler = findCompiler(env);
  if (!compiler)
    return { profile: builtinProfile(), here: false, why: `no C compiler to measure this machine: ${noCompilerHelp(env)}` };

  io.err(`stable-dio: measuring this machine once for its cost profile (about 10 s; kept in ${file})\n`);
  const t0 = performance.now();
  let figures = 0;
  try {
    const run = await runNativeAsync(compiler, [], (name) => {
      figures++;
      if (io.interactive) io.err(`\r\x1b[K  ${seconds(t0)} s: ${figures} figures measured (${name})`);
    });
    if (io.interactive) io.err("\r\x1b[K");
    const profile = calibratedProfile(run, false, AUTO_RUNS).profile;
    try {
      writeCached(file, profile);
    } catch (e) {
      io.err(`stable-dio: cannot keep the profile in ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}; ` +
        "the next run measures again\n");
    }
    io.err(`stable-dio: measured ${figures} figures in ${seconds(t0)} s (stable-dio calibrate measures again and replaces it)\n`);
    return { profile, here: true, why: "this machine's, calibrated just now" };
  } catch (e) {
    if (!(e instanceof NativeError)) throw e;
    if (io.interactive) io.err("\r\x1b[K");
    io.err(`stable-dio: measuring this machine failed: ${e.message}; using the built-in profile\n`);
    return { profile: builtinProfile(), here: false, why: "measuring this machine failed (stderr says why)" };
  }
}
