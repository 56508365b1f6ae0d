// Configuration: the values sd_set takes (abi.ts's KeyMin, KeyMax and
// POW2_KEYS) and the defaults a fresh core starts with (KeyDefault). The
// State a reset builds reads them from its cfg array.
import { Key, KeyDefault, KeyMax, KeyMin, POW2_KEYS } from "../../assembly/abi.js";

type KeyName = keyof typeof KeyMin;
const name = (key: number): KeyName => Key[key] as KeyName;

/** What `new RefCore()` starts with: KeyDefault, in Key order. */
export const DEFAULT_CONFIG: readonly number[] = Array.from({ length: Key.COUNT }, (_, k) => KeyDefault[name(k)]);

/** May `key` take `v`? False for an unknown key. */
export function validKey(key: number, v: number): boolean {
  if (!Number.isInteger(key) || key < 0 || key >= Key.COUNT) return false;
  const k = name(key);
  if (!Number.isInteger(v) || v < KeyMin[k] || v > KeyMax[k]) return false;
  return !(POW2_KEYS & (1 << key)) || (v & (v - 1)) === 0;
}
