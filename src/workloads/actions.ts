// What a workload's threads ask the host to do, one step at a time. A task is
// a generator: it yields an Action, the driver performs it (now, or when it
// can) and resumes the task with the call's result (an I/O id for a submit, a
// tid for a fork, 0 otherwise). The driver owns time: DMA points and
// completions are its business, never the workload's.
import { IoFlag, Op } from "../../assembly/abi.js";
import type { OpRecord } from "../core/ops.js";

/** A core call a thread makes (the driver issues dma/complete itself). */
export type CallAction = Exclude<OpRecord, { op: "dma" } | { op: "complete" } | { op: "complete_more" }>;

export type Action =
  | CallAction
  /** Block until this I/O has completed (io_getevents on one request). */
  | { op: "wait"; io: number }
  /** Block until every I/O this task submitted has completed. */
  | { op: "drain" }
  /** Let `steps` ticks pass (another thread runs, the device progresses). */
  | { op: "sleep"; steps: number };

export type Task = Generator<Action, void, number>;

export const store = (tid: number, va: number, len: number, byte: number): Action =>
  ({ op: "store", tid, va, len, byte });
export const load = (tid: number, va: number, len: number): Action => ({ op: "load", tid, va, len });
/** `more`: another I/O of the same submission call follows (IoFlag.MORE): the driver makes it at once, in the same step. */
export const write = (tid: number, va: number, len: number, sector: number, promise = false, more = false): Action =>
  ({ op: "submit", tid, dir: Op.WRITE, va, len, sector, flags: ioFlags(promise, more) });
export const read = (tid: number, va: number, len: number, sector: number, promise = false, more = false): Action =>
  ({ op: "submit", tid, dir: Op.READ, va, len, sector, flags: ioFlags(promise, more) });
const ioFlags = (promise: boolean, more: boolean): number => (promise ? IoFlag.PROMISE : 0) | (more ? IoFlag.MORE : 0);
export const fork = (tid: number, cpu: number): Action => ({ op: "fork", tid, cpu });
export const exit = (pid: number): Action => ({ op: "exit", pid });
export const wait = (io: number): Action => ({ op: "wait", io });
export const drain = (): Action => ({ op: "drain" });
export const sleep = (steps: number): Action => ({ op: "sleep", steps });
