// The command lines the flag fuzzing draws: for each command, a valid and
// cheap starting point (its guards) and the flags it takes, each with values
// from its own pool (valid ones, and the ways to get them wrong: out of
// range, empty, negative, huge, NaN, unicode, a file that is not one). A
// drawn command line is the guards, some of them dropped, then a few items:
// one of the command's flags with a value, another command's flag, a bare
// word. Options given later win, so items override the guards.
//
// Pools keep valid values cheap (a bench sample of 10 us, not 10 s) and every
// output path inside the CLI's temporary directory (safeArgv), so that no
// drawn command line can take minutes or write outside it.
import fc from "fast-check";
import { join } from "node:path";
import { Policy } from "../../../assembly/abi.js";
import { loadWasmCoreSync } from "../../../src/core/wasm.js";
import { builtinProfile } from "../../../src/cost/builtin.js";
import { profileJson } from "../../../src/cost/profile.js";
import { runWorkload } from "../../../src/host/driver.js";
import { formatTrace } from "../../../src/trace/write.js";
import { findWorkload } from "../../../src/workloads/index.js";
import { cliCwd } from "../cli.js";
import { inputDir, inputFile, smallBuiltin } from "./files.js";
import { wordArb } from "./values.js";

/** Files the flags name: good ones, bad ones, and things that are not files. */
export function inputFiles() {
  const racer = findWorkload("racer")!;
  const trace = formatTrace(runWorkload(loadWasmCoreSync(), { workload: racer, policy: Policy.WP_COW, seed: 1, params: { ios: 8 }, record: true }));
  const aFile = inputFile("plain", ".txt", "not a directory\n");
  return {
    profile: inputFile("profile", ".json", profileJson(builtinProfile())),
    profileBad: inputFile("profile-bad", ".json", "{"),
    profileWrong: inputFile("profile-wrong", ".json", JSON.stringify({ ...builtinProfile(), costs: { pte: -1 } })),
    workload: inputFile("workload", ".json", JSON.stringify(smallBuiltin("db-writer"), null, 2)),
    workloadBad: inputFile("workload-bad", ".json", "{\n  \"format\": 2\n}\n"),
    fio: inputFile("job", ".fio", "[a]\nrw=randwrite\nsize=128k\niodepth=4\n"),
    fioBad: inputFile("job-bad", ".fio", "[a]\ncolour=red\n"),
    trace: inputFile("run", ".trace", trace),
    traceBad: inputFile("run-bad", ".trace", trace.replace(/^reset$/m, "rest")),
    grid: inputFile("grid", ".json", JSON.stringify({ workloads: ["racer"], policies: ["direct"], params: { ios: 8 } })),
    gridBad: inputFile("grid-bad", ".json", JSON.stringify({ workloads: ["racer"], sizez: [4096] })),
    aFile,
    aDir: cliCwd(),
    missing: join(cliCwd(), "no-such-file.json"),
    underAFile: join(aFile, "x"),
  };
}

type Files = ReturnType<typeof inputFiles>;

interface Flag {
  /** Its names, long first. */
  readonly names: readonly string[];
  /** Its values; none for a switch. */
  readonly values?: readonly string[];
}

export interface CommandSpec {
  readonly name: string;
  /** A valid, cheap command line: [flag, value?] pairs (a lone value is a positional argument). */
  readonly guards: ReadonlyArray<readonly string[]>;
  /** Guards that stay whatever is drawn (they keep the command cheap). */
  readonly fixed?: number;
  readonly flags: readonly Flag[];
}

const POLICIES = ["direct", "bounce", "wp-cow", "direct,bounce", "", ",", "nope", "DIRECT", " wp-wait ", "verify,verify"];
const WORKLOADS = ["racer", "db-writer", "sub-page", "racer,sub-page", "", "nope", "workloads/racer.json", ",racer,"];
const SEEDS = ["1", "0", "7", "-1", "9007199254740991", "9007199254740992", "1e3", "0x10", "abc", "", " 2 ", "1.5", "٣"];
const DEVICES = ["none", "pi", "parity", "fs-csum", "nvme", "", "PI"];
const PARAMS = [
  "ios=8", "size=4k", "size=512", "size=1000", "qd=0", "qd=257", "qd=2", "nope=1", "ios", "=", "ios=", "ios=abc", "p=0.5",
  "p=2", "threads=2", "threads=65", "region=4k", "ios=8,size=8k", "latency=0", "promise=1", "forks=1", "ios=1e3", "size=4M",
  "ios=-1", "size=0x1000", "ios=NaN", "size=4kk", "ios=1048577",
];
const STABLE = ["auto", "always", "never", "sometimes", ""];
const CORES = ["wasm", "model", "wasi", ""];
const OUT = ["out", "sub/out", "", " ", "out.json", "a b"];
const WP = [
  "restore=lazy", "batch=8", "walk=fused", "restore=lazy,batch=2,walk=fused", "RESTORE=Lazy", "", "restore", "restor=lazy",
  "batch=0", "batch=257", "batch=1.5", "restore=eager,restore=lazy", "walk=", "=fused", "restore=lazy,,walk=fused",
];

export function commands(f: Files): CommandSpec[] {
  // machine: no compiler under the fuzz (STABLE_DIO_CC points nowhere), so the built-in profile, at once.
  const profiles = [f.profile, f.profileBad, f.profileWrong, f.missing, f.aDir, "", "builtin", "machine", "ref:xeon-vm", "ref:nope", "ref:"];
  const outs = [...OUT, f.underAFile, f.aDir, f.aFile];
  const runFlags: Flag[] = [
    { names: ["--policy", "-p"], values: POLICIES },
    { names: ["--workload", "-w"], values: WORKLOADS },
    { names: ["--seed", "-s"], values: SEEDS },
    { names: ["--device", "-d"], values: DEVICES },
    { names: ["--param", "-P"], values: PARAMS },
    { names: ["--stable"], values: STABLE },
    { names: ["--core"], values: CORES },
    { names: ["--wp"], values: WP },
  ];
  const quick = [["-w", "racer"], ["-p", "direct"], ["-P", "ios=8"]];
  return [
    {
      name: "", // the main job
      guards: [["--no-report"], ...quick],
      fixed: 1,
      flags: [...runFlags, { names: ["--profile"], values: profiles }, { names: ["--json"] }, { names: ["--out", "-o"], values: outs }],
    },
    {
      name: "run",
      guards: [["-p", "direct"], ["--workload", f.workload]],
      fixed: 1,
      flags: [
        ...runFlags.filter((x) => x.names[0] !== "--workload"),
        { names: ["--workload", "-w"], values: [f.workload, f.workloadBad, f.missing, f.aDir, "racer", "nope", "x.json", ""] },
        { names: ["--fio"], values: [f.fio, f.fioBad, f.missing, f.aDir, ""] },
        { names: ["--profile"], values: profiles },
        { names: ["--json"] },
      ],
    },
    {
      name: "bench",
      guards: [["--samples", "1"], ["--sample-ms", "0.01"], ["--warmup-ms", "0"], ["--only", "wp-pte-1"], ["--no-model"]],
      fixed: 4,
      flags: [
        { names: ["--samples"], values: ["1", "2", "0", "-1", "100001", "1.5", "abc", "", "1e0", "NaN"] },
        { names: ["--sample-ms"], values: ["0.01", "0.02", "0", "0.001", "10001", "abc", "-1", "NaN", " ", "Infinity"] },
        { names: ["--warmup-ms"], values: ["0", "0.01", "-1", "600001", "abc", "", "-0"] },
        { names: ["--only"], values: ["wp-pte-1", "store-raw", "csum-pi", "cow", "wp-pte-1,csum-pi", "nope", "", ",", "wp-pte-1,nope"] },
        { names: ["--no-model"] },
        { names: ["--json"] },
        { names: ["--wasm", "--against"], values: [f.missing, f.aDir, f.aFile, f.profile, "build/release.wasm", "build/wasi.wasm", ""] },
      ],
    },
    {
      name: "calibrate", // with no compiler to find: the built-in profile, written (fuzz-flags sets STABLE_DIO_CC)
      guards: [["-o", "profile.json"]],
      flags: [
        { names: ["--out", "-o"], values: outs },
        { names: ["--repeat"], values: ["1", "0", "101", "1.5", "abc", "-1", "3", ""] },
        { names: ["--quick"] },
        { names: ["--validate"] },
        { names: ["--json"] },
      ],
    },
    {
      name: "crossover",
      guards: [["--ios", "1"], ["--threads", "1"], ["--rates", "0"]],
      flags: [
        { names: ["--threads"], values: ["1", "1,2", "0", "65", "a", "", "1,,2", "64"] },
        { names: ["--rates"], values: ["0", "0.5", "1", "1.5", "-0.1", "NaN", "", "0,1"] },
        { names: ["--ios"], values: ["1", "2", "0", "65", "x", "1.5"] },
        { names: ["--bw"], values: ["1", "0", "1e7", "1e8", "x", ""] },
        { names: ["--iops"], values: ["1", "0", "1e9", "1e10", "-5"] },
        { names: ["--qd"], values: ["1", "65536", "65537", "0", "x"] },
        { names: ["--cpus"], values: ["1", "4096", "4097", "0"] },
        { names: ["--base-us"], values: ["0", "1e6", "1e7", "-1", "x"] },
        { names: ["--base-page-ns"], values: ["0", "125", "1e7", "1e8", "-1", "x"] },
        { names: ["--latency-us"], values: ["0", "1e7", "1e8", "-5"] },
        { names: ["--wp"], values: WP },
        { names: ["--profile"], values: profiles },
        { names: ["--json"] },
      ],
    },
    {
      name: "record",
      guards: [...quick, ["-o", "run.trace"]],
      flags: [
        ...runFlags.filter((x) => x.names[0] !== "--workload"),
        { names: ["--workload", "-w"], values: [...WORKLOADS, f.workload, f.workloadBad, f.missing, f.aDir] },
        { names: ["--fio"], values: [f.fio, f.fioBad, f.missing, f.aDir, ""] },
        { names: ["--output", "-o"], values: outs },
      ],
    },
    {
      name: "replay",
      guards: [[f.trace]],
      flags: [
        { names: ["--core"], values: CORES },
        { names: ["--json"] },
        { names: [""], values: [f.trace, f.traceBad, f.missing, f.aDir, "", "-x", f.workload] }, // the trace, positional
      ],
    },
    {
      name: "report",
      guards: [...quick, ["-o", "report"]],
      flags: [...runFlags, { names: ["--profile"], values: profiles }, { names: ["--out", "-o"], values: outs }],
    },
    {
      name: "sweep",
      guards: [["--workers", "1"], ["--no-report"], ...quick, ["-o", "sweep"]],
      fixed: 2,
      flags: [
        ...runFlags,
        { names: ["--grid"], values: [f.grid, f.gridBad, f.missing, f.aDir, f.workload, ""] },
        { names: ["--sizes"], values: ["4k", "512", "1000", "", "4k,8k", "4M", "0", "-4k"] },
        { names: ["--threads"], values: ["1", "2", "0", "65", "1,2", "x"] },
        { names: ["--seeds"], values: ["1", "1..2", "2..1", "0..10000", "x", "", "1,1", "1..", "..2"] },
        { names: ["--workers"], values: ["1", "2", "0", "257", "x", "1.5"] },
        { names: ["--profile"], values: profiles },
        { names: ["--out", "-o"], values: outs },
        { names: ["--no-report"] },
      ],
    },
    { name: "wasi-path", guards: [], flags: [] },
  ];
}

/** Every flag name of every command, and a few no command has. */
function allNames(cmds: readonly CommandSpec[]): string[] {
  return [...new Set([...cmds.flatMap((c) => c.flags.flatMap((x) => x.names)).filter((n) => n), "--help", "-h", "--version", "-V", "--", "-x", "--no-json"])];
}

export type Item =
  | { readonly k: "own"; readonly flag: number; readonly name: number; readonly value: number; readonly equals: boolean }
  | { readonly k: "other"; readonly name: number; readonly value: string }
  | { readonly k: "bare"; readonly word: string }
  | { readonly k: "drop"; readonly guard: number };

const nat = fc.nat({ max: 1 << 16 });

export const itemArb: fc.Arbitrary<Item> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant("own" as const), flag: nat, name: nat, value: nat, equals: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("other" as const), name: nat, value: wordArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("bare" as const), word: wordArb }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("drop" as const), guard: nat }) },
);

/** The command line for a command and drawn items. */
export function argvOf(cmd: CommandSpec, items: readonly Item[], cmds: readonly CommandSpec[]): string[] {
  const fixed = cmd.fixed ?? 0;
  const dropped = new Set(items.flatMap((i) => (i.k === "drop" && cmd.guards.length > fixed ? [fixed + (i.guard % (cmd.guards.length - fixed))] : [])));
  const argv = [...(cmd.name ? [cmd.name] : []), ...cmd.guards.filter((_, i) => !dropped.has(i)).flat()];
  const names = allNames(cmds);
  for (const i of items) {
    if (i.k === "own" && cmd.flags.length) {
      const f = cmd.flags[i.flag % cmd.flags.length];
      const name = f.names[i.name % f.names.length];
      const value = f.values?.[i.value % f.values.length];
      if (value === undefined) argv.push(name);
      else if (!name) argv.push(value);
      else if (i.equals && name.startsWith("--")) argv.push(`${name}=${value}`);
      else argv.push(name, value);
    } else if (i.k === "other") argv.push(names[i.name % names.length], i.value);
    else if (i.k === "bare") argv.push(i.word);
  }
  return safeArgv(argv);
}

const OUTPUT_FLAGS = ["-o", "--out", "--output"];

/**
 * Keeps every output path in the CLI's temporary directory (no absolute
 * paths, no ".."), and keeps `replay` off stdin ("-"): whatever a drawn
 * command line says, it writes nowhere else and waits for nothing.
 */
export function safeArgv(argv: readonly string[]): string[] {
  const dirs = [cliCwd(), inputDir()];
  const safe = (p: string) => (dirs.some((d) => p.startsWith(d)) && !p.includes("..") ? p : p.replace(/\.\./g, "__").replace(/^[/\\]+/, "_"));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-") out.push("./-");
    else if (OUTPUT_FLAGS.includes(a) && i + 1 < argv.length) out.push(a, safe(argv[++i]));
    else if (/^--(out|output)=/.test(a)) out.push(a.replace(/=(.*)$/s, (_, p: string) => `=${safe(p)}`));
    else if (/^-o./s.test(a)) out.push(`-o${safe(a.slice(2))}`);
    else out.push(a);
  }
  return out;
}
