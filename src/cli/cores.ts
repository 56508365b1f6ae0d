// Which core the CLI runs on: the Wasm core (the default, what stable-dio is
// about) or the TypeScript reference model (slow, obviously correct).
import type { Core } from "../core/core.js";

export const CORE_IDS = ["wasm", "model"] as const;
export type CoreId = (typeof CORE_IDS)[number];

export async function loadCore(id: CoreId): Promise<Core> {
  if (id === "model") {
    const { RefCore } = await import("../model/index.js");
    return new RefCore();
  }
  const { loadWasmCore } = await import("../core/wasm.js");
  return loadWasmCore();
}
