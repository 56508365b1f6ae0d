// Runs the WASI command (build/wasi.wasm) under @wasmer/wasi and under Node's
// node:wasi, capturing exit code, stdout and stderr.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WASI as NodeWasi } from "node:wasi";
import { init, WASI as WasmerWasi } from "@wasmer/wasi";
import { wasiPath } from "../../src/core/wasm.js";

export interface WasiRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let module: WebAssembly.Module | undefined;

function wasiModule(): WebAssembly.Module {
  return (module ??= new WebAssembly.Module(readFileSync(wasiPath())));
}

let wasmerReady: Promise<void> | undefined;

/**
 * @wasmer/wasi 1.2.2: stdin from a string; files live in its in-memory file
 * system (it preopens "/" and "."; a path relative to "." opens).
 */
export async function runWasmer(args: readonly string[], stdin = "", files: Record<string, string | Uint8Array> = {}): Promise<WasiRun> {
  await (wasmerReady ??= init());
  const wasi = new WasmerWasi({ args: ["replay.wasm", ...args], env: {} });
  for (const [path, text] of Object.entries(files)) {
    const f = wasi.fs.open(path, { read: true, write: true, create: true });
    if (typeof text === "string") f.writeString(text);
    else f.write(text);
  }
  wasi.instantiate(wasiModule(), {});
  wasi.setStdinString(stdin);
  const code = wasi.start();
  const run = { code, stdout: wasi.getStdoutString(), stderr: wasi.getStderrString() };
  wasi.free();
  return run;
}

/**
 * node:wasi (preview1): stdin, stdout and stderr are real files; preopens
 * map guest directories to host ones.
 *
 * The imports are wrapped in plain JS functions: Node 20 calls node:wasi
 * through V8 fast API calls, which can see a stale memory after the module
 * grows its memory inside _start (the core grows it at every reset), and then
 * crash the process or lose output. A JS frame in between avoids that path.
 */
export function runNodeWasi(args: readonly string[], stdin: string | Uint8Array = "", preopens: Record<string, string> = {}): WasiRun {
  const dir = mkdtempSync(join(tmpdir(), "stable-dio-wasi-"));
  const inPath = join(dir, "stdin");
  writeFileSync(inPath, stdin);
  const fds = [openSync(inPath, "r"), openSync(join(dir, "stdout"), "w"), openSync(join(dir, "stderr"), "w")];
  try {
    const wasi = new NodeWasi({
      version: "preview1",
      args: ["replay.wasm", ...args],
      env: {},
      preopens,
      stdin: fds[0],
      stdout: fds[1],
      stderr: fds[2],
      returnOnExit: true,
    });
    const imports = wasi.getImportObject() as { wasi_snapshot_preview1: Record<string, (...a: unknown[]) => unknown> };
    const ns = imports.wasi_snapshot_preview1;
    for (const name of Object.keys(ns)) {
      const f = ns[name];
      ns[name] = (...a: unknown[]) => f(...a);
    }
    const instance = new WebAssembly.Instance(wasiModule(), imports as unknown as WebAssembly.Imports);
    const code = wasi.start(instance);
    for (const fd of fds) closeSync(fd);
    fds.length = 0;
    return {
      code,
      stdout: readFileSync(join(dir, "stdout"), "utf8"),
      stderr: readFileSync(join(dir, "stderr"), "utf8"),
    };
  } finally {
    for (const fd of fds) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}
