// Processes and threads (docs/model.md section 2), as assembly/proc.ts. A
// process's cpumask is the set of CPUs its live threads are on; its runmask,
// those of them that run it (a RUNNING thread): the CPUs a shootdown
// interrupts. The others are lazy: a shootdown marks them stale (tlb.ts).
import { ThreadState } from "../../assembly/abi.js";
import { PMDS, type Proc, type State } from "./state.js";

/** A new process with the given flags, no threads and an empty page table. */
export function newProc(st: State, flags: number): Proc {
  const p: Proc = {
    pid: st.procs.length + 1, flags, pmd: new Uint32Array(PMDS), cpus: new Set(), running: new Set(), stale: new Set(),
  };
  st.procs.push(p);
  return p;
}

/** A new RUNNING thread of `p` on `cpu` (which joins the cpumask and the runmask); its tid. The caller flushes a stale CPU. */
export function newThread(st: State, p: Proc, cpu: number): number {
  const tid = st.threads.length + 1;
  st.threads.push({ tid, pid: p.pid, cpu, state: ThreadState.RUNNING });
  p.cpus.add(cpu);
  p.running.add(cpu);
  return tid;
}

/** sd_thread_state: the thread's state, and its process's runmask recomputed from its threads. */
export function setThreadState(st: State, tid: number, state: number): void {
  const t = st.threads[tid - 1];
  t.state = state;
  const p = st.procs[t.pid - 1];
  p.running = new Set(st.threads.filter((x) => x.pid === p.pid && x.state === ThreadState.RUNNING).map((x) => x.cpu));
}
