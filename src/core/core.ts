// The one interface the host drives: the Wasm core (src/core/wasm.ts) and the
// TypeScript reference model (src/model/) both implement it, call for call,
// with the semantics of docs/model.md. Every method returns what the ABI
// function of the same name returns: a non-negative result, or -Err.

export interface Core {
  /** Which implementation this is: "wasm" or "model". */
  readonly kind: string;

  set(key: number, value: number): number;
  get(key: number): number;
  reset(): number;

  procCreate(flags: number): number;
  procFlags(pid: number): number;
  threadCreate(pid: number, cpu: number): number;
  threadPid(tid: number): number;
  /** sd_thread_state: ThreadState RUNNING or IDLE (docs/model.md section 12). */
  threadState(tid: number, state: number): number;

  map(pid: number, va: number, len: number, flags: number): number;
  /** sd_map_alias: [va, va+len) of pid maps the frames [srcVa, srcVa+len) of srcPid maps (MAP_SHARED, present). */
  mapAlias(pid: number, va: number, len: number, srcPid: number, srcVa: number): number;
  /** sd_ring: [va, va+len) of pid is its completion ring of `kind` (Ring): the kernel writes each completion's event there. */
  ring(pid: number, va: number, len: number, kind: number): number;
  unmap(tid: number, va: number, len: number): number;

  store(tid: number, va: number, len: number, byte: number): number;
  /** sd_write: the bytes go through the staging area at offset 0. */
  write(tid: number, va: number, bytes: Uint8Array): number;
  /** sd_load: returns the bytes, or -Err. */
  load(tid: number, va: number, len: number): Uint8Array | number;

  submit(tid: number, op: number, va: number, len: number, sector: number, flags: number): number;
  dma(io: number): number;
  /** sd_complete; with `more`, sd_complete_more: another completion of the same reap follows. */
  complete(io: number, more?: boolean): number;
  ioState(io: number): number;

  fork(tid: number, cpu: number): number;
  exit(pid: number): number;

  scrub(): number;
  check(): number;

  counter(index: number): number;
  frameStats(kind: number): number;
  warnCount(): number;
  warnField(index: number, field: number): number;
  errDetail(): number;

  /** sd_disk_read: count sectors from `sector`, or -Err. */
  diskRead(sector: number, count: number): Uint8Array | number;
  /** sd_parity_read: one stripe's parity chunk, or -Err. */
  parityRead(stripe: number): Uint8Array | number;
  diskMeta(kind: number, index: number): number;
  /** sd_disk_unwritten (fs-csum): blocks that were never written: zeros, no checksum. */
  diskUnwritten(block: number, count: number): number;
}
