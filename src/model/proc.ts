// Processes and threads (docs/model.md section 2), as assembly/proc.ts. A
// process's cpumask is the set of CPUs its live threads run on: the CPUs a
// shootdown must reach.
import { PMDS, type Proc, type State } from "./state.js";

/** A new process with the given flags, no threads and an empty page table. */
export function newProc(st: State, flags: number): Proc {
  const p: Proc = { pid: st.procs.length + 1, flags, pmd: new Uint32Array(PMDS), cpus: new Set() };
  st.procs.push(p);
  return p;
}

/** A new thread of `p` on `cpu` (which joins the cpumask); its tid. */
export function newThread(st: State, p: Proc, cpu: number): number {
  const tid = st.threads.length + 1;
  st.threads.push({ tid, pid: p.pid, cpu });
  p.cpus.add(cpu);
  return tid;
}
