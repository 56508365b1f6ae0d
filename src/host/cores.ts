// Which core a run uses: the Wasm core (the default, what stable-dio is
// about) or the TypeScript reference model (slow, obviously correct). The
// CLI and the sweep's workers pick and load it here.
import type { Core } from "../core/core.js";
import { unknown } from "../shared/io.js";

export const CORE_IDS = ["wasm", "model"] as const;
export type CoreId = (typeof CORE_IDS)[number];

export function pickCore(text: string | undefined): CoreId {
  if (text === undefined) return "wasm";
  const id = CORE_IDS.find((c) => c === text.trim().toLowerCase());
  if (!id) throw unknown("core", text, CORE_IDS);
  return id;
}

export async function loadCore(id: CoreId): Promise<Core> {
  if (id === "model") {
    const { RefCore } = await import("../model/index.js");
    return new RefCore();
  }
  const { loadWasmCore } = await import("../core/wasm.js");
  return loadWasmCore();
}
