// `stable-dio calibrate`: measures this machine natively (native/calibrate.c,
// compiled with the system C compiler) and writes a cost profile; without a
// compiler, says so and uses the built-in profile. --validate also runs the
// user-level emulation of wp-cow and bounce and sets the model beside it; it
// needs the compiler, so without one it is an error and nothing is written.
import type { Command } from "commander";
import { cacheFile, writeCached } from "../calibrate/cache.js";
import { calibratedProfile, type Calibration } from "../calibrate/measure.js";
import { findCompiler, noCompilerHelp, medianRuns, NativeError, runNative } from "../calibrate/native.js";
import { renderProfile, renderValidation } from "../calibrate/render.js";
import { validationRows, type ValidationRow } from "../calibrate/validate.js";
import { loadWasmCoreSync } from "../core/wasm.js";
import { builtinProfile } from "../cost/builtin.js";
import { profileJson } from "../cost/profile.js";
import type { CommandContext } from "./context.js";
import { subcommand } from "./subcommand.js";
import { EXIT_FAIL, EXIT_OK, UsageError, type CliIo } from "../shared/io.js";
import { outputFile, writeOutput } from "./output.js";
import { pickNumber } from "./numbers.js";

export const DEFAULT_PROFILE_FILE = "stable-dio-profile.json";

interface CalibrateOptions {
  out?: string;
  quick?: boolean;
  repeat?: string;
  validate?: boolean;
  json?: boolean;
}

export function registerCalibrate(program: Command, ctx: CommandContext): void {
  subcommand(program, "calibrate")
    .description("measure this machine natively (mprotect, SIGSEGV, COW faults, memcpy, IPIs) and write a cost profile")
    .option("-o, --out <file>", `where to write the profile (default ./${DEFAULT_PROFILE_FILE})`)
    .option("--validate", "also emulate wp-cow and bounce natively and print the model's prediction beside them")
    .option("--quick", "fewer, shorter measurements (noisier; for tests)")
    .option("--repeat <n>", "run the measurements n times and keep each figure's median (default 3; --quick: 1)")
    .option("--json", "print the profile (and the validation) as JSON")
    .action(async (opts: CalibrateOptions) => ctx.exit(calibrate(opts, ctx.io)));
}

function calibrate(o: CalibrateOptions, io: CliIo): number {
  const file = outputFile("--out", o.out ?? DEFAULT_PROFILE_FILE, io); // checked before measuring
  const repeat = pickNumber("--repeat", o.repeat, o.quick ? 1 : 3, 1, 100, true);
  const compiler = findCompiler();
  // Validation is a native run: without a compiler there is nothing to validate, so no profile either.
  if (!compiler && o.validate)
    throw new UsageError(`calibrate --validate needs a C compiler, and ${noCompilerHelp()}`);
  let cal: Calibration;
  let rows: ValidationRow[] | undefined;
  if (!compiler) {
    io.err("stable-dio: no C compiler (cc, gcc or clang on PATH, or $STABLE_DIO_CC): cannot measure this machine; " +
      "using the built-in profile\n");
    cal = { profile: builtinProfile(), checks: [] };
  } else {
    const quick = o.quick ? ["--quick"] : [];
    try {
      if (io.interactive) io.err("measuring (a few seconds)...");
      const runs = (args: string[]) => medianRuns(Array.from({ length: repeat }, () => runNative(compiler, args)));
      const measured = runs(quick);
      if (measured.uffdUnavailable) io.err(`stable-dio: no userfaultfd write-protect figures: ${measured.uffdUnavailable}; going on with mprotect's\n`);
      cal = calibratedProfile(measured, o.quick === true, repeat);
      if (o.validate) {
        if (io.interactive) io.err("\r\x1b[Kemulating wp-cow and bounce...");
        const v = runs(["--validate", ...quick]);
        rows = validationRows(v.figures, cal.profile.costs, loadWasmCoreSync());
      }
      if (io.interactive) io.err("\r\x1b[K");
    } catch (e) {
      if (!(e instanceof NativeError)) throw e;
      io.err(`stable-dio: ${e.message}\n`);
      return EXIT_FAIL;
    }
  }
  writeOutput(file, profileJson(cal.profile));
  // A full measurement is also this machine's profile from now on (docs/profiles.md); --quick's is too noisy for that.
  if (compiler && !o.quick) {
    const cached = cacheFile();
    try {
      writeCached(cached, cal.profile);
      io.err(`stable-dio: also kept as this machine's profile (the default of the projecting commands): ${cached}\n`);
    } catch (e) {
      io.err(`stable-dio: cannot keep the profile in ${cached}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    }
  }
  if (o.json) {
    io.out(JSON.stringify({ file, profile: cal.profile, checks: cal.checks, ...(rows ? { validation: rows } : {}) }, null, 2) + "\n");
  } else {
    io.out(renderProfile(cal.profile, cal.checks, file));
    if (rows) io.out("\n" + renderValidation(rows));
  }
  return EXIT_OK;
}
