// Runs in a child Node started with --wasm-max-mem-pages=N, so the core's
// memory cannot grow past N pages: the host refuses, as an embedder with a
// memory limit would. Plain JavaScript, no TypeScript loader needed.
//
//   node --wasm-max-mem-pages=N capped.child.mjs <wasm file> <scenario> [json]
//
// Prints one JSON object. A call that throws is reported, never rethrown.
import { readFileSync } from "node:fs";

const [wasmFile, scenario, json] = process.argv.slice(2);
const ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmFile)), {
  env: {
    abort() {
      throw new Error("stable-dio core: internal error (abort)");
    },
  },
}).exports;

/** Calls an export; a throw becomes the string "threw: ...". */
function call(name, args = []) {
  try {
    return ex[name](...args);
  } catch (e) {
    return `threw: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`;
  }
}

const state = () => {
  const counters = [];
  for (let i = 0; i < 50; i++) counters.push(ex.sd_counter(i));
  const frames = [];
  for (let k = 0; k < 8; k++) frames.push(ex.sd_frame_stats(k));
  return JSON.stringify({ counters, frames });
};

// Keys (assembly/abi.ts): POLICY 0, DEVICE 1, RAID_DISKS 2, DISK_BLOCKS 3, MAX_FRAMES 4, CPUS 5, STABLE 6,
// MAX_IOS 8, MAX_PROCS 9, IO_PAGES 10, TLB_ENTRIES 11, MAX_THREADS 13.
const scenarios = {
  /** A configuration too big for memory: sd_reset fails; then the given calls; then a reset that fits. */
  "failed-reset"() {
    const calls = JSON.parse(json ?? "[]");
    const set = [call("sd_set", [3, 262144]), call("sd_set", [10, 1048576])];
    const reset = call("sd_reset");
    const detail = call("sd_err_detail");
    const results = calls.map(([name, args]) => [name, args, call(name, args)]);
    // The random calls may have set any key: set every size back to something small.
    const small = [[2, 4], [3, 64], [4, 4096], [5, 4], [8, 16], [9, 8], [10, 64], [11, 16], [13, 16]];
    const resized = small.map(([k, v]) => call("sd_set", [k, v]));
    const recover = [resized.every((r) => r === 0) ? 0 : -1, 0, call("sd_reset"), call("sd_proc_create", [0]), call("sd_check")];
    return { set, reset, detail, results, recover };
  },

  /** Frames up to the memory limit: 4 MiB bounced reads, each needing 2048 frames, until one does not fit. */
  "memory-wall"() {
    [[0, 1], [6, 1], [3, 1024], [4, 1048576], [8, 1024], [10, 65536]].forEach(([k, v]) => call("sd_set", [k, v]));
    const reset = call("sd_reset");
    const pid = call("sd_proc_create", [0]);
    const tid = call("sd_thread_create", [pid, 0]);
    const map = call("sd_map", [pid, 0x1000_0000, 1 << 30, 1]);
    const ios = [];
    let failed;
    for (let i = 0; i < 512; i++) {
      const before = state();
      const r = call("sd_submit", [tid, 1, 0x1000_0000 + i * (4 << 20), 4 << 20, 0, 0]);
      if (typeof r !== "number" || r < 0) {
        failed = { r, detail: call("sd_err_detail"), unchanged: before === state(), check: call("sd_check"), pages: ex.memory.buffer.byteLength / 65536 };
        break;
      }
      ios.push(r);
    }
    const completes = ios.map((io) => call("sd_complete", [io]));
    const after = { check: call("sd_check"), pinned: call("sd_frame_stats", [6]), bounce: call("sd_frame_stats", [2]) };
    const again = call("sd_submit", [tid, 1, 0x1000_0000, 4 << 20, 0, 0]);
    return { reset, map, submitted: ios.length, failed, completes: completes.filter((r) => r !== 0).length, after, again, checkAgain: call("sd_check") };
  },
};

process.stdout.write(JSON.stringify(scenarios[scenario]()));
