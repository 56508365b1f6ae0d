// The command line, in process: usage errors are one line and exit 2, --json
// parses, --help documents everything, and the main job runs clean.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEVICES, POLICIES } from "../src/shared/names.js";
import type { JsonReport } from "../src/report/json.js";
import { COLUMNS } from "../src/report/columns.js";
import { WORKLOADS } from "../src/workloads/index.js";
import { cli } from "./support/cli.js";

const ALL_POLICIES = POLICIES.map((p) => p.id).join(", ");
const ALL_WORKLOADS = WORKLOADS.map((w) => w.id).join(", ");

describe("usage errors: one line naming the bad value and the allowed ones, exit 2", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--policy", "wp-co"], new RegExp(`^stable-dio: unknown policy 'wp-co'; did you mean 'wp-cow'\\? \\(allowed: ${ALL_POLICIES}\\)\\n$`)],
    [["--policy", "wp-cwo"], new RegExp(`^stable-dio: unknown policy 'wp-cwo'; did you mean 'wp-cow'\\? \\(allowed: ${ALL_POLICIES}\\)\\n$`)],
    [["--policy", "cow"], new RegExp(`^stable-dio: unknown policy 'cow' \\(allowed: ${ALL_POLICIES}\\)\\n$`)], // nothing close enough
    [["--policy", "direct,nope"], /^stable-dio: unknown policy 'nope' \(allowed: direct, bounce, .*verify\)\n$/],
    [["--workload", "racr"], /^stable-dio: unknown workload 'racr'; did you mean 'racer'\? \(allowed: db-writer, racer, .*huge-pages, or a \.json workload file\)\n$/],
    [["--workload", "Racer,RACER", "--polcy", "direct"], /^stable-dio: unknown option '--polcy'; did you mean '--policy'\? \(allowed: --version, --policy, .*--help\)\n$/],
    [["--device", "partiy"], /^stable-dio: unknown device 'partiy'; did you mean 'parity'\? \(allowed: none, pi, parity, fs-csum\)\n$/],
    [["--device", "nvme"], /^stable-dio: unknown device 'nvme' \(allowed: none, pi, parity, fs-csum\)\n$/],
    [["--seed", "-3"], /^stable-dio: bad seed '-3' \(allowed: an integer 0\.\.\d+\)\n$/],
    [["--core", "gpu"], /^stable-dio: unknown core 'gpu' \(allowed: wasm, model\)\n$/],
    [["--stable", "sometimes"], /^stable-dio: unknown stable mode 'sometimes' \(allowed: auto, always, never\)\n$/],
    [["--param", "colour=red"], /^stable-dio: unknown parameter 'colour' \(allowed: .*size.*\)\n$/],
    [["--param", "size=huge"], /^stable-dio: bad value 'huge' for size \(allowed: a byte count.*\)\n$/],
    [["--param", "size=8M"], /^stable-dio: bad value '8M' for size: size 8M out of range \(512B\.\.4M\)\n$/],
    [["--bogus"], /^stable-dio: unknown option '--bogus' \(allowed: --version, --policy, .*--help\)\n$/],
    [["swep"], /^stable-dio: unknown command 'swep'; did you mean 'sweep'\? \(allowed: .*sweep.*\)\n$/],
    [["--policy"], /^stable-dio: option '-p, --policy <ids>' argument missing \(allowed: direct, bounce, .*verify\)\n$/],
    [["frobnicate"], /^stable-dio: unknown command 'frobnicate' \(allowed: .*replay.*; none runs the comparison\)\n$/],
    // commander's help command printed the whole help, then "stable-dio: (outputHelp)", for an unknown name.
    [["help", "nosuchcmd"], /^stable-dio: unknown command 'nosuchcmd' \(allowed: bench, calibrate, .*sweep, native\)\n$/],
    // report --from merges journals: a flag that chooses runs was ignored without a word.
    [["report", "--from", "sweep-dir", "-w", "racer", "--seed", "3"], /^stable-dio: report --from merges sweeps' journals and takes only --out, --no-report, --profile, --json; not --workload, --seed \(the sweeps chose the runs\)\n$/],
    [["help", "swep"], /^stable-dio: unknown command 'swep'; did you mean 'sweep'\? \(allowed: bench, .*native\)\n$/],
    [["--workload", "sub-page", "--device", "fs-csum"], /^stable-dio: workload 'sub-page' cannot run on fs-csum: .*4 KiB.*\n$/],
    // Found by test/fuzz-flags.test.ts: these listed the main job's options ("unknown option '--device' (allowed: ... --device ...)").
    [["crossover", "--device", "pi"], /^stable-dio: unknown option '--device' \(allowed: --profile, --threads, .*--latency-us, --wp, --json, --help\)\n$/],
    // --wp: the write-protect's implementation choices (docs/model.md section 12).
    [["--wp", "restore=lazzy"], /^stable-dio: --wp: bad value 'lazzy' for restore \(allowed: eager, lazy\)\n$/],
    [["--wp", "restor=lazy"], /^stable-dio: unknown --wp key 'restor'; did you mean 'restore'\? \(allowed: restore, batch, walk\)\n$/],
    [["--wp", "batch=257"], /^stable-dio: --wp: bad value '257' for batch \(allowed: an integer 1\.\.256\)\n$/],
    [["--wp", "walk"], /^stable-dio: --wp: 'walk' is not key=value \(allowed keys: restore, batch, walk\)\n$/],
    // A fio job given as a workload file: the line says which flag takes it.
    [["run", "-w", join(import.meta.dirname, "..", "examples", "fio", "randwrite.fio")], /^stable-dio: .*randwrite\.fio:\d+: bad JSON: .* \(a fio job file\? give it with --fio\)\n$/],
    [["--wp", "walk=fused,walk=separate"], /^stable-dio: --wp: walk given twice \('fused', then 'separate'\): give each of restore, batch, walk once\n$/],
    [["run", "-w", "racer", "--wp", ""], /^stable-dio: --wp: empty \(allowed: restore=\.\.\., batch=\.\.\., walk=\.\.\.\)\n$/],
    [["crossover", "--wp", "batch=x"], /^stable-dio: --wp: bad value 'x' for batch \(allowed: an integer 1\.\.256\)\n$/],
    [["native", "-w", "racer", "--wp", "restore=lazy"], /^stable-dio: --wp asks for restore=lazy: native builds only today's write-protect at user level \(restore=eager,batch=1,walk=separate\); run the other choices on the core \(stable-dio run --wp \.\.\.\)\n$/],
    [["bench", "--quick"], /^stable-dio: unknown option '--quick' \(allowed: --samples, --sample-ms, --warmup-ms, --only, --no-model, --wasm, --against, --json, --help\)\n$/],
    [["calibrate", "--ios", "1"], /^stable-dio: unknown option '--ios' \(allowed: --out, --validate, --quick, --repeat, --json, --help\)\n$/],
    // A required option with a fixed set of values, missing or without its value, lists the values.
    [["record", "-w", "racer"], new RegExp(`^stable-dio: required option '-p, --policy <id>' not specified \\(allowed: ${ALL_POLICIES}\\)\\n$`)],
    [["record", "-w", "racer", "-p"], new RegExp(`^stable-dio: option '-p, --policy <id>' argument missing \\(allowed: ${ALL_POLICIES}\\)\\n$`)],
    [["record", "-p", "direct"], new RegExp(`^stable-dio: record takes one of --workload FILE\\|ID or --fio JOB\\.fio \\(workloads: ${ALL_WORKLOADS}, or a \\.json workload file\\)\\n$`)],
    [["run"], new RegExp(`^stable-dio: run takes one of --workload FILE\\|ID or --fio JOB\\.fio \\(workloads: ${ALL_WORKLOADS}, or a \\.json workload file\\)\\n$`)],
    // A workload that no flag combination lets run: one line with every reason, not a note per workload first.
    [["--param", "size=512", "--device", "fs-csum"], /^stable-dio: no workload can run with these settings \(db-writer, racer, .*, huge-pages on fs-csum: fs-csum does 4 KiB-aligned I\/O only, and size is 512B\)\n$/],
  ];
  for (const [argv, line] of cases) {
    it(argv.join(" "), async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(line);
      expect(r.err.trim().split("\n")).toHaveLength(1);
    });
  }
});

describe("required options", () => {
  it("every required option in src/cli is declared through requiredChoice, so a missing one lists its values", () => {
    const dir = join(import.meta.dirname, "..", "src", "cli");
    const offenders: string[] = [];
    for (const f of readdirSync(dir).filter((p) => p.endsWith(".ts"))) {
      const text = readFileSync(join(dir, f), "utf8");
      for (const m of text.matchAll(/\.requiredOption\(|makeOptionMandatory\(|mandatory\s*[:=]/g))
        if (!(f === "subcommand.ts" && m[0] === "makeOptionMandatory(")) offenders.push(`${f}: ${m[0]}`);
    }
    expect(offenders).toEqual([]);
  });

  // An option that takes a name, given with none: the line lists the names, on every command that has it.
  const NAMES = {
    "-p": /\(allowed: direct, bounce, .*, verify\)/,
    "-d": /\(allowed: none, pi, parity, fs-csum\)/,
    "--stable": /\(allowed: auto, always, never\)/,
    "--core": /\(allowed: wasm, model\)/,
    "-w": /\(allowed: db-writer, racer, .*, huge-pages(, or a workload file)?\)/,
  } as const;
  for (const command of [[], ["run"], ["record"], ["report"], ["sweep"]]) {
    it(`${command[0] ?? "the main job"}: a name option given without its value lists the names`, async () => {
      for (const [flag, names] of Object.entries(NAMES)) {
        if (command[0] === "record" && flag === "-p") continue; // required there: the test above
        const r = await cli(...command, flag);
        expect(r.code, `${flag}: ${r.err}`).toBe(2);
        expect(r.err).toMatch(new RegExp(`^stable-dio: option '[^']*${flag}[^']*' argument missing ${names.source}\n$`));
      }
    });
  }
});

describe("what the user typed is quoted back safely", () => {
  it("control characters and bidirectional overrides come back escaped, on one line", async () => {
    // Found by fuzzing: a right-to-left override in a value reversed the rest of the error line on the terminal.
    const r = await cli("--policy", "wp\u202ecow\n\x1b[2J");
    expect(r.code).toBe(2);
    expect(r.err).toBe(`stable-dio: unknown policy 'wp\\u202ecow\\u000a\\u001b[2J' (allowed: ${ALL_POLICIES})\n`);
  });
});

describe("conventions: --version, help CMD, names in any case", () => {
  it("--version prints the package's version; help CMD prints that command's help", async () => {
    const v = await cli("--version");
    expect(v.code).toBe(0);
    expect(v.out).toBe(`${(JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version}\n`);
    const h = await cli("help", "sweep");
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^Usage: stable-dio sweep \[options\]/);
    expect(h.out).toContain("--shard <k/n>");
    expect((await cli("help")).out).toMatch(/^Usage: stable-dio \[options\] \[command\]/);
  });

  it("ids match whatever their case, and once each", async () => {
    const r = await cli("-p", "Bounce,bounce,WP-COW", "-w", "Racer", "-d", "FS-CSUM", "--stable", "Always", "-P", "ios=16", "--json", "--no-report");
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as JsonReport;
    expect(doc.results.map((x) => `${x.workload}/${x.policy}/${x.device}/${x.stable}`)).toEqual(["racer/bounce/fs-csum/always", "racer/wp-cow/fs-csum/always"]);
  });
});

describe("--help", () => {
  it("lists every flag, policy, device, workload and column, and exits 0", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    for (const flag of ["--policy", "--workload", "--seed", "--device", "--param", "--stable", "--core", "--json"])
      expect(r.out).toContain(flag);
    for (const p of POLICIES) expect(r.out).toMatch(new RegExp(`^  ${p.id} +\\S`, "m"));
    for (const d of DEVICES) expect(r.out).toMatch(new RegExp(`^  ${d.id} +\\S`, "m"));
    for (const w of WORKLOADS) expect(r.out).toMatch(new RegExp(`^  ${w.id} +\\S`, "m"));
    for (const c of COLUMNS) expect(r.out).toMatch(new RegExp(`^  ${c.header} +\\S`, "m"));
  });
});

describe("--json", () => {
  it("is one parseable document with every counter of every run", async () => {
    const r = await cli("--workload", "db-writer,racer", "--policy", "direct,bounce", "--param", "ios=32", "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as JsonReport;
    expect(doc.tool).toBe("stable-dio");
    expect(doc.results.map((x) => `${x.workload}/${x.policy}`)).toEqual([
      "db-writer/direct", "db-writer/bounce", "racer/direct", "racer/bounce",
    ]);
    for (const x of doc.results) {
      expect(x.core).toBe("wasm");
      expect(x.seed).toBe(1);
      expect(x.params.ios).toBe(32);
      expect(x.balance.ok).toBe(true);
      expect(Object.keys(x.counters)).toContain("bytes_copied");
      expect(x.counters.writes).toBe(32);
    }
  });

  it("the model core gives the same counters as the Wasm core", async () => {
    const args = ["--workload", "qemu-guest,fork-during-io", "--policy", "wp-cow,verify", "--param", "ios=48", "--json"];
    const wasm = JSON.parse((await cli(...args)).out) as JsonReport;
    const model = JSON.parse((await cli(...args, "--core", "model")).out) as JsonReport;
    expect(model.results.map((x) => x.core)).toEqual(["model", "model", "model", "model"]);
    expect(model.results.map((x) => x.counters)).toEqual(wasm.results.map((x) => x.counters));
  });

  it("--seed and --device reach the runs", async () => {
    const r = await cli("-w", "racer", "-p", "direct", "-P", "ios=64", "--seed", "42", "--device", "parity", "--json");
    const doc = JSON.parse(r.out) as JsonReport;
    expect(doc.results[0].seed).toBe(42);
    expect(doc.results[0].device).toBe("parity");
  });
});

describe("the main job", () => {
  it("runs every policy on every workload and prints one table", async () => {
    const r = await cli();
    // stderr says where the report went (test/report.test.ts checks the report itself).
    expect(r.err).toBe("stable-dio: report: stable-dio-report/index.html (results.json and results.csv beside it)\n");
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^workload +device +policy +corrupt +lost .* stall +proj_us$/);
    // The table, a blank line, the projected column's footnote and the crossover verdict.
    expect(lines).toHaveLength(1 + WORKLOADS.length * POLICIES.length + 3);
    expect(lines.at(-2)).toMatch(/^proj_us: projected kernel CPU per I\/O \(us\) from the built-in .* profile/);
    // The tests project with the built-in profile ($STABLE_DIO_PROFILE, test/support/setup-env.ts): the line says so.
    expect(lines.at(-1)).toMatch(new RegExp("^Crossover \\(projected; 1 thread, hot buffers, no violations\\): wp-cow beats bounce " +
      "on 4 KiB PTEs .* with the built-in profile, .* across the 4 reference profiles; on 2 MiB PMDs .* with the built-in profile, .* across them\\. " +
      "Profile: built-in \\(.*\\), chosen by \\$STABLE_DIO_PROFILE=builtin\\. Details: stable-dio crossover\\.$"));
    for (const w of WORKLOADS) expect(r.out).toMatch(new RegExp(`^${w.id} `, "m"));
  });

  it("skips a workload the forced device cannot run, with a note, when it was not named", async () => {
    const r = await cli("--device", "fs-csum", "--policy", "direct", "--param", "ios=16", "--no-report");
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^stable-dio: skipping sub-page on fs-csum: .*\n$/);
    expect(r.out).not.toMatch(/^sub-page/m);
  });
});
