// The machine a measurement ran on, as measured figures must name it: CPU
// model, cores, OS and kernel, and the JavaScript engine for Wasm timings.
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, release, type } from "node:os";

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly os: string;
  readonly kernel: string;
  readonly node?: string;
  readonly v8?: string;
}

/** The CPU's model name ("AMD EPYC"), with "(hypervisor)" when /proc/cpuinfo says it runs under one. */
function cpuModel(): string {
  const model = cpus()[0]?.model?.trim() || "unknown CPU";
  try {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "";
    if (/\bhypervisor\b/.test(flags)) return `${model} (virtual machine)`;
  } catch {
    // not Linux: the model alone
  }
  return model;
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1];
    if (pretty) return pretty;
  } catch {
    // no os-release
  }
  return type();
}

export function describeMachine(): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    os: osName(),
    kernel: `${type()} ${release()}`,
    node: process.versions.node,
    v8: process.versions.v8,
  };
}

/** One line: "AMD EPYC (virtual machine), 2 cores, Linux 6.18.44, Debian GNU/Linux 12, Node 20.20.2 (V8 11.3)". */
export function machineLine(m: MachineInfo): string {
  const js = m.node ? `, Node ${m.node}${m.v8 ? ` (V8 ${m.v8.split(".").slice(0, 2).join(".")})` : ""}` : "";
  return `${m.cpu}, ${m.cores} cores, ${m.kernel}, ${m.os}${js}`;
}
