// docs/architecture.md's "Adding an implementation choice", held to what it
// says: every choice key of assembly/abi.ts (WP_*) has its bounds and
// default, its row in assembly/config.ts, its name in src/shared/wp.ts (whose
// defaults are the keys' defaults), its field in the workload schema, its
// sd_wp_* fio option, its place among the keys older traces may lack (host
// and WASI), and its word in the docs.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Key, KeyDefault, KeyMax, KeyMin } from "../assembly/abi.js";
import { packageFile } from "../src/core/paths.js";
import { SUPPORTED } from "../src/fio/options.js";
import { DEFAULT_WP, WP_KEYS, wpKeys, wpOfConfig, type WpKey } from "../src/shared/wp.js";
import { OPTIONAL_KEYS } from "../src/trace/format.js";

const text = (...p: string[]) => readFileSync(packageFile(...p), "utf8");
const keyOf = (name: WpKey) => Key[`WP_${name.toUpperCase()}` as keyof typeof Key] as Key;
const member = (name: WpKey) => `WP_${name.toUpperCase()}` as keyof typeof KeyMin;

describe.each(WP_KEYS.map((k) => [k]))("the choice %s", (name) => {
  const key = keyOf(name);
  test("has its key, bounds and default in abi.ts, and its row in assembly/config.ts", () => {
    expect(key, `Key.${member(name)}`).toBeTypeOf("number");
    expect(KeyMin[member(name)]).toBeTypeOf("number");
    expect(KeyMax[member(name)]).toBeGreaterThanOrEqual(KeyMin[member(name)]);
    expect(text("assembly", "config.ts")).toContain(`row(Key.${member(name)}, KeyMin.${member(name)}, KeyMax.${member(name)}, KeyDefault.${member(name)});`);
  });
  test("its default in src/shared/wp.ts is the key's default: today's behaviour", () => {
    expect(wpKeys(DEFAULT_WP).find(([k]) => k === key)?.[1]).toBe(KeyDefault[member(name)]);
    expect(wpOfConfig({ [`wp_${name}`]: KeyDefault[member(name)] })[name]).toBe(DEFAULT_WP[name]);
  });
  test("workload files, fio jobs and traces take it", () => {
    const schema = JSON.parse(text("schema", "workload.schema.json")) as { $defs: { wp: { properties: Record<string, unknown> } } };
    expect(Object.keys(schema.$defs.wp.properties)).toContain(name);
    expect(SUPPORTED).toContain(`sd_wp_${name}`);
    expect(OPTIONAL_KEYS).toContain(key);
    expect(text("assembly", "wasi", "names.ts")).toContain(`"wp_${name}"`);
    expect(text("assembly", "wasi", "main.ts")).toContain(`(1 << Key.${member(name)})`);
  });
  test("the docs name it", () => {
    const model = text("docs", "model.md");
    expect(model.slice(model.indexOf("## 12.")), "docs/model.md section 12").toMatch(new RegExp(`### ${name}\\b`));
    expect(text("docs", "workloads.md")).toContain(`"${name}"`);
    expect(text("docs", "fio.md")).toContain(`sd_wp_${name}`);
    expect(text("docs", "trace.md")).toContain(`wp_${name}`);
    expect(text("docs", "abi.md")).toMatch(new RegExp(`^\\| ${key} \\| ${member(name)} \\|`, "m"));
  });
});
