// docs/abi.md's key table and limits say what assembly/abi.ts says: each
// key's number, range, power-of-two rule and default, the staging area and the
// warnings kept. Both cores validate sd_set against the same constants
// (assembly/config.ts, src/model/config.ts), and both are asked here too.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Key, KeyDefault, KeyMax, KeyMin, POW2_KEYS, STAGING_BYTES, WARN_KEEP } from "../assembly/abi.js";
import { loadWasmCoreSync } from "../src/core/wasm.js";
import { RefCore } from "../src/model/index.js";
import { packageFile } from "../src/core/paths.js";

type KeyName = keyof typeof KeyMin;
const doc = readFileSync(packageFile("docs", "abi.md"), "utf8");

/** The rows of the table under "## Configuration keys": [#, key, values, default, meaning]. */
function keyRows(): string[][] {
  const at = doc.indexOf("## Configuration keys");
  const lines = doc.slice(at).split("\n");
  const start = lines.findIndex((l) => l.startsWith("| 0 |"));
  const rows: string[][] = [];
  for (let i = start; i < lines.length && lines[i].startsWith("|"); i++) {
    rows.push(lines[i].split("|").slice(1, -1).map((c) => c.trim()));
  }
  return rows;
}

describe("docs/abi.md's key table", () => {
  const rows = keyRows();

  test("one row per key, in Key order", () => {
    expect(rows.map((r) => [Number(r[0]), r[1]])).toEqual(
      Array.from({ length: Key.COUNT }, (_, k) => [k, Key[k]]),
    );
  });

  for (let k = 0; k < Key.COUNT; k++) {
    const name = Key[k] as KeyName;
    test(`${name}: range, power of two and default as abi.ts`, () => {
      const [, , values, def] = rows[k];
      const range = /(\d+)\.\.(\d+)/.exec(values);
      const pair = /^(\d+), (\d+)$/.exec(values);
      const enumName = /^`(\w+)`$/.exec(values);
      if (range) expect([Number(range[1]), Number(range[2])]).toEqual([KeyMin[name], KeyMax[name]]);
      else if (pair) expect([Number(pair[1]), Number(pair[2])]).toEqual([KeyMin[name], KeyMax[name]]);
      else {
        // An enum: its values are 0..COUNT-1 (or the last member), as the enum table below lists them.
        expect(enumName, `values of ${name}: ${values}`).not.toBeNull();
        expect(KeyMin[name]).toBe(0);
      }
      expect(values.includes("power of two"), `power of two: ${name}`).toBe((POW2_KEYS & (1 << k)) !== 0);
      expect(Number(/^\d+/.exec(def)?.[0])).toBe(KeyDefault[name]);
    });
  }

  test("the staging area and the warnings kept", () => {
    expect(doc).toContain(`| \`sd_staging_size()\` | bytes | ${STAGING_BYTES} |`);
    expect(doc).toContain(`(at most ${WARN_KEEP};`);
  });
});

describe("both cores take exactly KeyMin..KeyMax", () => {
  const cores = [
    ["release.wasm", () => loadWasmCoreSync()],
    ["debug.wasm", () => loadWasmCoreSync({ debug: true })],
    ["model", () => new RefCore()],
  ] as const;
  for (const [label, make] of cores) {
    test(`${label}: each key's default, bounds, one past them, and a non-power of two`, () => {
      const c = make();
      for (let k = 0; k < Key.COUNT; k++) {
        const name = Key[k] as KeyName;
        const lo = KeyMin[name];
        const hi = KeyMax[name];
        expect(c.get(k), `default of ${name}`).toBe(KeyDefault[name]);
        expect(c.set(k, lo), `${name} = ${lo}`).toBe(0);
        expect(c.set(k, hi), `${name} = ${hi}`).toBe(0);
        if (lo > 0) expect(c.set(k, lo - 1), `${name} = ${lo - 1}`).toBeLessThan(0);
        expect(c.set(k, hi + 1), `${name} = ${hi + 1}`).toBeLessThan(0);
        if (POW2_KEYS & (1 << k)) expect(c.set(k, lo * 2 + 1), `${name} = ${lo * 2 + 1}`).toBeLessThan(0);
        expect(c.set(k, KeyDefault[name])).toBe(0);
      }
    });
  }
});
