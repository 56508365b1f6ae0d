// Sweep progress on stderr: a bar with the ETA when stderr is a terminal
// (cli-progress), otherwise one plain line per finished point, which logs and
// CI keep readably.
import { SingleBar } from "cli-progress";
import type { CliIo } from "../shared/io.js";

export interface Progress {
  /** A point finished; `done` counts every finished point of the grid. */
  tick(done: number, label: string): void;
  stop(): void;
}

/** count(1, "point") -> "1 point", count(3, "worker thread") -> "3 worker threads". */
export function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

/** 75 -> "1m15s", 8.2 -> "8s". */
export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const r = Math.round(s);
  return r >= 60 ? `${Math.floor(r / 60)}m${String(r % 60).padStart(2, "0")}s` : `${r}s`;
}

export function startProgress(io: CliIo, total: number, already: number): Progress {
  if (io.interactive) {
    const bar = new SingleBar({
      stream: io.errStream ?? process.stderr,
      format: "sweep [{bar}] {value}/{total} points | ETA {eta_formatted} | {label}",
      barsize: 30,
      etaBuffer: 16,
      hideCursor: true,
    });
    // The bar hides the cursor and line wrapping: give the terminal back on Ctrl-C, then die of the signal.
    const onSignal = (sig: NodeJS.Signals) => {
      bar.stop();
      process.kill(process.pid, sig);
    };
    process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
    bar.start(total, already, { label: "" });
    return {
      tick: (done, label) => bar.update(done, { label }),
      stop: () => {
        process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
        bar.stop();
      },
    };
  }
  const t0 = performance.now();
  return {
    tick(done, label) {
      const rate = (done - already) / ((performance.now() - t0) / 1000);
      io.err(`sweep: ${done}/${total} ${label} (eta ${fmtSeconds((total - done) / rate)})\n`);
    },
    stop() {},
  };
}
