// placeholder, replaced below
import type { CommandContext } from "./context.js";
import type { ReportOptions } from "./report.js";
export async function mergeReport(_dirs: string[], _o: ReportOptions & { profile?: string; json?: boolean }, _ctx: CommandContext): Promise<number> {
  return 0;
}
