// The reference profiles the package ships (profiles/*.json): each a whole,
// well-formed cost profile with its source and date, its unit costs what the
// decomposition makes of its figures, the built-in profile among them, and
// docs/profiles.md listing every figure; `--profile` takes builtin, ref:NAME
// and FILE; and no file of the project cites a document the project lacks.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageFile, packageRoot } from "../src/core/paths.js";
import { builtinProfile } from "../src/cost/builtin.js";
import { decompose } from "../src/cost/decompose.js";
import { profileProblem, type CostProfile } from "../src/cost/profile.js";
import { readReference, readReferences, REFERENCE_IDS } from "../src/cost/reference.js";
import { cli } from "./support/cli.js";

const DIR = packageFile("profiles");
const refs = readReferences(DIR);

describe("the reference profiles", () => {
  it("are exactly the files of profiles/, each a well-formed profile naming itself, its source and its date", () => {
    expect(readdirSync(DIR).sort()).toEqual(REFERENCE_IDS.map((id) => `${id}.json`).sort());
    for (const [i, p] of refs.entries()) {
      const id = REFERENCE_IDS[i];
      expect(profileProblem(p), id).toBeUndefined();
      expect(p.name).toBe(`ref:${id}`);
      expect(p.reference?.id).toBe(id);
      expect(p.reference?.sources.length).toBeGreaterThan(0);
      expect(p.source.length).toBeGreaterThan(40);
      expect(p.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(Object.keys(p.measured).length).toBeGreaterThan(3);
    }
  });

  it("hold the unit costs the decomposition derives from their figures, the rest assumed from the built-in profile", () => {
    for (const p of refs) {
      const d = decompose(p.measured, builtinProfile().costs);
      expect(p.costs, p.name).toEqual(JSON.parse(JSON.stringify(d.costs)));
      expect([...p.assumed].sort(), p.name).toEqual([...d.assumed].sort());
    }
  });

  it("ref:epyc-vm is the built-in profile: same figures, costs, date and machine", () => {
    const epyc = readReference(DIR, "epyc-vm");
    const b = builtinProfile();
    expect(epyc.measured).toEqual(b.measured);
    expect(epyc.costs).toEqual(JSON.parse(JSON.stringify(b.costs)));
    expect([...epyc.assumed].sort()).toEqual([...b.assumed].sort());
    expect([epyc.date, epyc.machine]).toEqual([b.date, b.machine]);
  });

  it("give the per-PTE costs their sources imply, worked by hand", () => {
    const pte = (id: string) => readReference(DIR, id).costs.pte;
    // Xeon VM: (P(256) - P(16)) / (2 x 240).
    expect(pte("xeon-vm")).toBeCloseTo((12246 - 7680) / 480, 9);
    // Milan: slopes of the published per-call times from 10 to 1,000 pages (a pair is two calls, halved again).
    expect(pte("milan-6.16")).toBeCloseTo((18804 - 2071) / 990, 9);
    expect(pte("milan-6.17")).toBeCloseTo((44116 - 2362) / 990, 9);
    // Their flush_page: what a page adds between 1 and 10 pages, less pte.
    expect(readReference(DIR, "milan-6.16").costs.flush_page).toBeCloseTo((2071 - 1713) / 9 - (18804 - 2071) / 990, 9);
    // The EPYC VM: 256 pages against 1 (no 16-page figure).
    expect(pte("epyc-vm")).toBeCloseTo((48000 - 2800) / 255 / 2, 9);
  });

  it("an unknown or mislabelled reference is refused with the allowed names", () => {
    expect(() => readReference(DIR, "pdp-11")).toThrow(/no reference profile 'pdp-11' \(allowed: ref:epyc-vm, ref:xeon-vm, ref:milan-6\.16, ref:milan-6\.17\)/);
  });
});

describe("docs/profiles.md", () => {
  const doc = readFileSync(packageFile("docs", "profiles.md"), "utf8");
  const fmt = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 2 });

  it("lists every reference profile with its date, and every figure of it with its value", () => {
    for (const p of refs) {
      const id = p.reference?.id as string;
      expect(doc).toContain(`| \`ref:${id}\` |`);
      expect(doc).toContain(`| ${p.date} |`);
      // Each figure in the profile's own section (the two Milan profiles share one, a column each).
      const start = doc.search(new RegExp(`^### .*\`ref:${id.replace(/\./g, "\\.")}\``, "m"));
      expect(start, id).toBeGreaterThan(0);
      const section = doc.slice(start, doc.indexOf("\n## ", start) >= 0 ? doc.indexOf("\n## ", start) : undefined);
      for (const [k, v] of Object.entries(p.measured))
        expect(section, `${id} ${k}`).toMatch(new RegExp(`\\| \`${k.replace(/\./g, "\\.")}\` \\|[^\\n]*\\b${fmt(v).replace(/\./g, "\\.")}\\b`));
    }
  });

  it("gives each reference profile's pte and flush as the files hold them", () => {
    const row = (unit: string) => doc.split("\n").find((l) => l.startsWith(`| \`${unit}\` | `))?.split("|").slice(2, 6).map((c) => c.trim());
    const sig3 = (v: number) => (v >= 1000 ? Math.round(v).toLocaleString("en-US") : Number(v.toPrecision(3)).toString());
    for (const unit of ["pte", "flush"] as const) expect(row(unit)).toEqual(refs.map((p) => sig3(p.costs[unit])));
  });
});

describe("--profile builtin, ref:NAME and FILE", () => {
  it("crossover names the profile and why; a reference's pte is in its row", async () => {
    const r = await cli("crossover", "--threads", "1", "--rates", "0", "--profile", "ref:xeon-vm");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/^stable-dio crossover: projected kernel CPU per I\/O, costs from the ref:xeon-vm \(Intel Xeon Processor \(virtual machine\), 2 CPUs, 2026-12-03\) profile\n\(chosen by --profile ref:xeon-vm\)/);
    expect(r.out).toMatch(/^ref:xeon-vm +9\.51 +936 +from 256K +from 128K$/m);
    expect(r.out).toMatch(/^ref:milan-6\.17 +42\.2 +1,542 +never +from 256K$/m);
    expect(r.out).toMatch(/^Across the 4 reference profiles: 4K PTEs from 256K to never; 2M PMDs from 128K to 256K\.$/m);
    // Its measured base CPU drives the throughput projection.
    expect(r.out).toMatch(/base CPU outside the policy 5\.59 us per I\/O \+ 125 ns per 4 KiB page, measured \(the profile's base_cpu, 2026-12-03\)/);
  });

  it("bad values are one-line usage errors, from the flag or from $STABLE_DIO_PROFILE", async () => {
    const r = await cli("crossover", "--profile", "ref:nope");
    expect([r.code, r.err]).toEqual([2, "stable-dio: no reference profile 'nope' (allowed: ref:epyc-vm, ref:xeon-vm, ref:milan-6.16, ref:milan-6.17)\n"]);
    const saved = process.env.STABLE_DIO_PROFILE;
    process.env.STABLE_DIO_PROFILE = "/nonexistent/p.json";
    try {
      const e = await cli("-w", "racer", "-p", "bounce", "-P", "ios=4", "--no-report");
      expect([e.code, e.out, e.err]).toEqual([2, "", "stable-dio: $STABLE_DIO_PROFILE: cannot read profile /nonexistent/p.json: ENOENT " +
        "(allowed: machine, builtin, ref:epyc-vm, ref:xeon-vm, ref:milan-6.16, ref:milan-6.17, or a FILE from stable-dio calibrate)\n"]);
      // The flag overrides the variable.
      expect((await cli("-w", "racer", "-p", "bounce", "-P", "ios=4", "--no-report", "--profile", "builtin")).code).toBe(0);
    } finally {
      process.env.STABLE_DIO_PROFILE = saved;
    }
  });

  it("a reference file is a profile FILE too", async () => {
    const r = await cli("crossover", "--threads", "1", "--rates", "0", "--profile", join(DIR, "milan-6.16.json"), "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { profile: CostProfile; profileChoice: { why: string } };
    expect(doc.profile.name).toBe("ref:milan-6.16");
    expect(doc.profileChoice.why).toBe(`chosen by --profile ${join(DIR, "milan-6.16.json")}`);
  });
});

describe("no file of the project cites a document it does not contain", () => {
  it("every *.md a source, doc or data file names exists (beside it, at the root, or in docs/)", () => {
    const root = packageRoot();
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(md|ts|c|h|json|js|fio)$/.test(e)) files.push(p);
      }
    };
    for (const d of ["src", "docs", "native", "schema", "profiles", "workloads", "examples", "assembly", "scripts", "bin"]) walk(join(root, d));
    files.push(...["README.md", "BENCHMARKS.md", "RELIABILITY.md", "CHANGELOG.md"].map((f) => join(root, f)));
    const exists = (p: string) => { try { return statSync(p).isFile(); } catch { return false; } };
    const missing: string[] = [];
    for (const f of files) {
      for (const m of readFileSync(f, "utf8").matchAll(/[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b/g)) {
        const name = m[0];
        if (![join(dirname(f), name), join(root, name), join(root, "docs", name)].some(exists)) missing.push(`${f.slice(root.length + 1)}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
