// The counters of docs/model.md section 9: u64 each, in static memory, so the
// host can also read them all at once (sd_counters_ptr). Incremented at the
// place the event happens, never computed afterwards.
import { Counter } from "./abi";

export const COUNTERS: usize = memory.data(Counter.COUNT * 8, 8);

@inline export function count(c: i32): void {
  let p = COUNTERS + (<usize>c << 3);
  store<u64>(p, load<u64>(p) + 1);
}

@inline export function countN(c: i32, n: u64): void {
  let p = COUNTERS + (<usize>c << 3);
  store<u64>(p, load<u64>(p) + n);
}

@inline export function counter(c: i32): u64 {
  return load<u64>(COUNTERS + (<usize>c << 3));
}

@inline export function setCounter(c: i32, v: u64): void {
  store<u64>(COUNTERS + (<usize>c << 3), v);
}

export function resetCounters(): void {
  memory.fill(COUNTERS, 0, Counter.COUNT * 8);
}
