// Numeric options of the measuring commands, checked: a bad value is a
// UsageError naming the option, the value and the allowed range.
import { UsageError } from "../shared/io.js";

export function pickNumber(opt: string, text: string | undefined, def: number, min: number, max: number, integer = false): number {
  if (text === undefined) return def;
  const v = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
    throw new UsageError(`bad value '${text}' for ${opt} (allowed: ${integer ? "an integer" : "a number"} ${min}..${max})`);
  return v;
}
