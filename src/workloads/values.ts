// Turning a workload file's field values into numbers for one run: literal
// numbers, byte counts ("64k"), and "$param" references resolved against the
// run's parameters, each checked against the range of the field it is in.
import { fmtBytes } from "../shared/units.js";
import { fieldName } from "./schema-check.js";
import { parseNumber } from "./params.js";
import type { FlagValue, Value } from "./spec.js";
import type { ParamKind, ParamSpec, Params } from "./types.js";

/**
 * A problem with the workload as resolved for a run; `at` is the JSON pointer
 * it is about. `field`: the message starts with the field's name (as a
 * workload file names it), so a source that names fields otherwise (a fio
 * job's options) can put its own name there.
 */
export class PlanError extends Error {
  constructor(readonly at: string, message: string, readonly field?: string) {
    super(message);
    this.name = "PlanError";
  }
}

export interface FieldRange {
  readonly kind: ParamKind;
  readonly min: number;
  readonly max: number;
  /** bytes: the value must be a multiple of this. */
  readonly multiple?: number;
}

/** The parameter kinds a field of each kind may refer to. */
const ACCEPTS: Record<ParamKind, readonly ParamKind[]> = {
  bytes: ["bytes", "count"],
  count: ["count", "flag"],
  fraction: ["fraction"],
  flag: ["flag"],
};

export class Values {
  private readonly specs: Map<string, ParamSpec>;

  constructor(private readonly params: Params, specs: readonly ParamSpec[]) {
    this.specs = new Map(specs.map((s) => [s.name, s]));
  }

  /** The field's number; `fallback` when the field is absent. */
  get(v: Value | FlagValue | undefined, at: string, r: FieldRange, fallback: number): number {
    if (v === undefined) return fallback;
    const n = this.raw(v, at, r.kind);
    const name = fieldName(at).replace(/: $/, "");
    const show = (x: number) => (r.kind === "bytes" ? fmtBytes(x) : String(x));
    if (r.kind !== "fraction" && !Number.isInteger(n)) throw new PlanError(at, `${name} ${n} is not a whole number`, name);
    if (n < r.min || n > r.max) throw new PlanError(at, `${name} ${show(n)} is out of range (${show(r.min)}..${show(r.max)})`, name);
    if (r.multiple && n % r.multiple !== 0) throw new PlanError(at, `${name} ${show(n)} is not a multiple of ${r.multiple}`, name);
    return n;
  }

  private raw(v: Value | FlagValue, at: string, kind: ParamKind): number {
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "number") return v;
    if (v.startsWith("$")) {
      const name = v.slice(1);
      const spec = this.specs.get(name);
      if (!spec) throw new PlanError(at, `unknown parameter "${v}" (declared: ${[...this.specs.keys()].map((k) => `$${k}`).join(", ")})`);
      if (!ACCEPTS[kind].includes(spec.kind))
        throw new PlanError(at, `"${v}" is a ${spec.kind} parameter; this field takes ${kind === "bytes" ? "bytes" : `a ${kind}`}`);
      return this.params[name];
    }
    const n = parseNumber(v, "bytes");
    if (n === undefined || kind !== "bytes") throw new PlanError(at, `"${v}" is not ${kind === "bytes" ? "a byte count" : `a ${kind}`}`);
    return n;
  }
}
