// Compiling and running native/calibrate.c: find the system C compiler,
// build the program into a temporary directory, run it, parse its
// "name value" lines.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { packageFile } from "../core/paths.js";

const COMPILERS = ["cc", "gcc", "clang"];

/** The compiler to use: $STABLE_DIO_CC if set, else the first of cc, gcc, clang on PATH; undefined if none. */
export function findCompiler(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const names = env.STABLE_DIO_CC ? [env.STABLE_DIO_CC] : COMPILERS;
  for (const name of names) {
    if (name.includes("/")) {
      if (executable(name)) return name;
      continue;
    }
    for (const dir of (env.PATH ?? "").split(delimiter)) {
      if (dir && executable(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

/** What findCompiler looked for and found nothing, and how to give it a compiler. */
export function noCompilerHelp(env: NodeJS.ProcessEnv = process.env): string {
  return env.STABLE_DIO_CC
    ? `STABLE_DIO_CC=${env.STABLE_DIO_CC} is not an executable file (set STABLE_DIO_CC to a C compiler's path, or unset it to use ${COMPILERS.join(", ")} on PATH)`
    : `none of ${COMPILERS.join(", ")} is on PATH (install one, or set STABLE_DIO_CC to a C compiler's path)`;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface NativeRun {
  readonly compiler: string;
  /** Figures by name, ns. */
  readonly figures: Record<string, number>;
  /** CPUs the program could run on. */
  readonly cpus: number;
  /** How the SIGSEGV handler resumes: "rip", "pc" or "siglongjmp". */
  readonly trapMethod: string;
  /** Why the userfaultfd figures are missing, if they are. */
  readonly uffdUnavailable?: string;
}

export class NativeError extends Error {}

/** The calibration program's source files (what a cached profile's key hashes). */
export const PROGRAM_FILES: readonly string[] = ["calibrate.c", "uffd-new.h"];

/** Compiles native/calibrate.c into `dir`; returns the binary's path. */
function compileProgram(compiler: string, dir: string): string {
  const bin = join(dir, "calibrate");
  const src = packageFile("native", "calibrate.c");
  const cc = spawnSync(compiler, ["-O2", "-pthread", "-o", bin, src], { encoding: "utf8", timeout: 120_000 });
  if (cc.status !== 0) {
    const why = (cc.stderr ?? "").trim().split("\n")[0] || cc.error?.message || `exit ${cc.status ?? cc.signal}`;
    throw new NativeError(`${compiler} could not compile ${src}: ${why}`);
  }
  return bin;
}

const failed = (status: number | null, signal: string | null, stderr: string): NativeError =>
  new NativeError(`the calibration program failed (${signal ?? `exit ${status}`}): ${stderr.trim()}`);

/** Compiles and runs the program with `args` (--quick, --validate). */
export function runNative(compiler: string, args: readonly string[]): NativeRun {
  const dir = mkdtempSync(join(tmpdir(), "stable-dio-calibrate-"));
  try {
    const bin = compileProgram(compiler, dir);
    const run = spawnSync(bin, [...args], { encoding: "utf8", timeout: 600_000, maxBuffer: 1 << 20 });
    if (run.status !== 0) throw failed(run.status, run.signal, run.stderr || "");
    return parse(compiler, run.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * runNative without blocking: `onFigure` hears each figure's name as the
 * program prints it (progress). On SIGINT or SIGTERM meanwhile, the program is
 * killed and its temporary directory removed before the process exits
 * (130 / 143), as it would have.
 */
export async function runNativeAsync(compiler: string, args: readonly string[], onFigure: (name: string) => void): Promise<NativeRun> {
  const dir = mkdtempSync(join(tmpdir(), "stable-dio-calibrate-"));
  let child: ChildProcess | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    child?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    const bin = compileProgram(compiler, dir);
    const started = spawn(bin, [...args], { stdio: ["ignore", "pipe", "pipe"] });
    child = started;
    let out = "";
    let err = "";
    let partial = "";
    started.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const [name, value] = line.trim().split(/\s+/);
        if (name && name !== "cpus" && Number.isFinite(Number(value))) onFigure(name);
      }
    });
    started.stderr.setEncoding("utf8").on("data", (chunk: string) => void (err += chunk));
    const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      started.once("error", (e) => reject(new NativeError(`cannot run the calibration program: ${e.message}`)));
      started.once("close", (code, sig) => resolve([code, sig]));
    });
    if (status !== 0) throw failed(status, signal, err);
    return parse(compiler, out);
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    rmSync(dir, { recursive: true, force: true });
  }
}

function parse(compiler: string, out: string): NativeRun {
  const figures: Record<string, number> = {};
  let cpus = 1;
  let trapMethod = "unknown";
  let uffdUnavailable: string | undefined;
  for (const line of out.split("\n")) {
    const [name, value] = line.trim().split(/\s+/);
    if (!name || value === undefined) continue;
    if (name === "uffd_unavailable") uffdUnavailable = line.trim().slice(name.length + 1);
    else if (name === "cpus") cpus = Number(value);
    else if (name === "trap_method") trapMethod = value;
    else if (Number.isFinite(Number(value))) figures[name] = Number(value);
  }
  if (!Object.keys(figures).length) throw new NativeError("the calibration program printed no figures");
  return { compiler, figures, cpus, trapMethod, uffdUnavailable };
}

/** Several runs as one: each figure's median over the runs (a burst of other work spoils one run, not the median). */
export function medianRuns(runs: readonly NativeRun[]): NativeRun {
  const figures: Record<string, number> = {};
  for (const k of Object.keys(runs[0].figures)) {
    const v = runs.map((r) => r.figures[k]).filter((x) => x !== undefined).sort((a, b) => a - b);
    figures[k] = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
  return { ...runs[0], figures };
}
