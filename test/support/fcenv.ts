// fast-check parameters from the environment, shared by the property tests.
//
//   FC_RUNS=N      runs N cases in each property (default: the property's own)
//   FC_SEED=S      a seed (default: the property's fixed seed, so CI is
//                  reproducible); FC_SEED=random draws a new one each run
//   FC_PATH=P      with FC_SEED: replays the shrunk counterexample at path P
//   FC_REPLAY=R    with FC_SEED and FC_PATH, for command sequences: the
//                  replayPath that fast-check prints as /*replayPath="R"*/
//
// Replay one property only (-t), since a path belongs to one property:
//   FC_SEED=S FC_PATH=P FC_REPLAY=R npx vitest run <file> -t "<name>"
import fc from "fast-check";

const env = process.env;

export function runs(defaultRuns: number): number {
  const n = Number(env.FC_RUNS ?? defaultRuns);
  return Number.isInteger(n) && n > 0 ? n : defaultRuns;
}

/** The commands' replayPath, when replaying a counterexample. */
export function replayPath(): string | undefined {
  return env.FC_REPLAY || undefined;
}

function seed(defaultSeed: number): number {
  if (env.FC_SEED === "random") return (Date.now() ^ (Math.random() * 2 ** 32)) | 0;
  if (env.FC_SEED !== undefined && env.FC_SEED !== "") return Number(env.FC_SEED) | 0;
  return defaultSeed;
}

/**
 * fc.assert parameters: runs, seed, path, verbose, and a reporter whose
 * failure message ends with the command line that replays the failure.
 */
export function fcParams<T = never>(name: string, file: string, defaultRuns: number, defaultSeed: number): fc.Parameters<T> {
  const path = env.FC_PATH || undefined;
  return {
    numRuns: path ? 1 : runs(defaultRuns),
    seed: seed(defaultSeed),
    ...(path ? { path } : {}),
    verbose: fc.VerbosityLevel.Verbose,
    endOnFailure: path !== undefined,
    reporter(details) {
      if (!details.failed) return;
      const message = fc.defaultReportMessage(details) ?? "property failed";
      const replay = /replayPath="([^"]*)"/.exec(message)?.[1];
      const vars = [`FC_SEED=${details.seed}`, `FC_PATH=${details.counterexamplePath ?? ""}`];
      if (replay !== undefined) vars.push(`FC_REPLAY='${replay}'`);
      const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(
        `${message}\n\nThe shrunk counterexample failed with:\n${error}\n\nReplay: ${vars.join(" ")} npx vitest run ${file} -t ${JSON.stringify(name)}`,
      );
    },
  };
}
