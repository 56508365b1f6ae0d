// A workload file's "params": each becomes a ParamSpec that --param can set.
// Names stable-dio knows (params.ts KNOWN) keep their kind and range; a file
// only gives them a default and maybe its own help. Other names need a kind.
import { parseNumber, paramError, KNOWN, MAX_DISK } from "./params.js";
import type { ParamDecl, Value, WorkloadSpec } from "./spec.js";
import type { ParamKind, ParamSpec } from "./types.js";
import { PlanError } from "./values.js";

const RANGES: Record<ParamKind, readonly [number, number]> = {
  count: [0, 2 ** 31 - 1],
  bytes: [0, MAX_DISK],
  fraction: [0, 1],
  flag: [0, 1],
};

export function declaredParams(spec: WorkloadSpec): ParamSpec[] {
  return Object.entries(spec.params ?? {}).map(([name, d]) => declare(name, d, `/params/${name}`));
}

function declare(name: string, d: Value | ParamDecl, at: string): ParamSpec {
  const decl: ParamDecl = typeof d === "object" ? d : { default: d };
  const known = KNOWN.find((k) => k.name === name);
  let base: Omit<ParamSpec, "default">;
  if (known) {
    for (const k of ["kind", "min", "max"] as const)
      if (decl[k] !== undefined) throw new PlanError(`${at}/${k}`, `"${name}" is a parameter stable-dio knows: only its default and help can be set`);
    base = { ...known, help: decl.help ?? known.help };
  } else {
    if (!decl.kind)
      throw new PlanError(at, `parameter "${name}" needs a "kind" (count, bytes, fraction or flag); known names: ${KNOWN.map((k) => k.name).join(", ")}`);
    const [min, max] = RANGES[decl.kind];
    base = { name, kind: decl.kind, min: decl.min ?? min, max: decl.max ?? max, help: decl.help ?? name };
  }
  const dat = typeof d === "object" ? `${at}/default` : at;
  const v = typeof decl.default === "number" ? decl.default : parseNumber(decl.default, base.kind);
  if (v === undefined) throw new PlanError(dat, `default ${JSON.stringify(decl.default)} is not a ${base.kind === "bytes" ? "byte count" : base.kind}`);
  const err = paramError({ ...base, default: v }, v);
  if (err) throw new PlanError(dat, `bad default: ${err}`);
  return { ...base, default: v };
}
