// The installed command as a process of its own (dist/, built by npm test):
// for what only a real process shows, a kill, a signal, a second process.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/stable-dio.js", import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Runs `stable-dio ARGS`; `started` gets the child before it exits and may return a clean-up for its exit. */
export function runProcess(args: readonly string[], started?: (child: ChildProcess) => (() => void) | void): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (d: Buffer) => void (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => void (err += d.toString()));
    child.on("error", reject);
    const done = started?.(child);
    child.on("exit", (code, signal) => {
      done?.();
      // stdio may still hold a last chunk
      setImmediate(() => resolve({ code, signal, out, err }));
    });
  });
}
