// The semantic properties of a whole run, checked at a scrub and at the end:
// the device saw changed bytes only when some write was unprotected (DIRECT
// or VERIFY mode) or a read and a write overlapped in flight; warnings,
// degrades, stalls and faults on protected pages only under the policies that
// make them; after every I/O completes nothing is pinned, bounced or
// scratched; after every process exits no user frame or PTE table is left.
import { Counter, Device, FrameKind, IoState, Mode, Policy } from "../../../assembly/abi.js";
import type { Model } from "./model.js";
import { sameBytes, type Pair } from "./pair.js";

/**
 * After a scrub: corruption needs an unprotected write, a read racing a write
 * (on one frame, at one address or through an alias), or a store by the
 * kernel into a sector an I/O had pinned (a completion ring's event).
 */
export function checkIntegrity(m: Model, r: Pair, where: string): void {
  const c = r.last.counters;
  if (m.unprotectedWrites > 0 || m.readWriteOverlap || c[Counter.KERNEL_STORES_INFLIGHT] > 0) return;
  for (const k of [Counter.DMA_MISMATCHES, Counter.CORRUPTIONS, Counter.TORN_SECTORS, Counter.VERIFY_FAILURES]) {
    if (c[k] !== 0) r.fail(`${where}: ${Counter[k]} = ${c[k]} though every write was protected (WP or BOUNCE) and no read overlapped one`);
  }
}

/** Counters that only some policies may move. */
function checkPolicyEffects(m: Model, r: Pair): void {
  const c = r.last.counters;
  const cow = m.wpPolicies.has(Policy.WP_COW) || m.wpPolicies.has(Policy.WP_COW_DEGRADE);
  const need = (ok: boolean, k: Counter, why: string) => {
    if (!ok && c[k] !== 0) r.fail(`${Counter[k]} = ${c[k]}, but ${why}`);
  };
  need(m.wpPolicies.size > 0, Counter.VIOLATIONS, "no I/O was write-protected");
  need(m.wpPolicies.size > 0, Counter.FALSE_POSITIVES, "no I/O was write-protected");
  need(m.wpPolicies.size > 0, Counter.STALLS, "no I/O was write-protected");
  need(cow, Counter.SHARED_WAITS, "no I/O was protected under wp-cow or wp-cow-degrade");
  need(cow || m.verifyWrites > 0, Counter.WARNINGS, "no I/O was protected under a COW policy or verified");
  need(m.wpPolicies.has(Policy.WP_COW_DEGRADE) || m.verifyWrites > 0, Counter.DEGRADED, "nothing ran under wp-cow-degrade or verify");
  need(m.verifyWrites > 0, Counter.VERIFY_FAILURES, "no write was in VERIFY mode");
  need(m.cfg.device === Device.FS_CSUM, Counter.READ_VERIFY_FAILURES, "the device is not fs-csum");
  need(m.unwrittenCalls > 0, Counter.UNWRITTEN_READS, "no block was made unwritten (sd_disk_unwritten)");
  need(m.wpPolicies.size > 0, Counter.GUP_WRITE_FAULTS, "no I/O was write-protected");
  need(m.rings > 0, Counter.KERNEL_STORES, "no completion ring was registered");
  if (c[Counter.GUP_WRITE_FAULTS] > c[Counter.FAULTS]) r.fail("GUP_WRITE_FAULTS > FAULTS: each is a write fault");
  if (c[Counter.KERNEL_STORES_INFLIGHT] > c[Counter.KERNEL_STORES]) r.fail("KERNEL_STORES_INFLIGHT > KERNEL_STORES");
  if (c[Counter.LOST_READS] > m.nonBounceReads) r.fail(`LOST_READS ${c[Counter.LOST_READS]} > reads that were not bounced (${m.nonBounceReads})`);
  if (c[Counter.PROTECTED_IOS] !== m.ios.filter((io) => io.mode === Mode.WP).length) r.fail("PROTECTED_IOS differs from the WP-mode I/Os submitted");
}

/** Completes every I/O, checks, exits every process, checks that no frame leaked. */
export function finish(m: Model, r: Pair): void {
  for (const io of m.inFlight()) {
    r.expected = (id, s) => id === io.id && s === IoState.COMPLETED;
    if (r.call(`complete(${io.id}) [drain]`, "other", (c) => c.complete(io.id)) !== 0) r.fail(`drain: complete(${io.id}) failed`);
  }
  r.call("scrub() [end]", "other", (c) => c.scrub());
  checkIntegrity(m, r, "end");
  checkPolicyEffects(m, r);
  const c = r.last.counters;
  const f = r.last.frames;
  for (const k of [FrameKind.PINNED, FrameKind.BOUNCE, FrameKind.SCRATCH]) {
    if (f[k] !== 0) r.fail(`every I/O completed, yet ${FrameKind[k]} frames = ${f[k]}`);
  }
  if (c[Counter.PINS] !== c[Counter.UNPINS]) r.fail(`PINS ${c[Counter.PINS]} != UNPINS ${c[Counter.UNPINS]} after every I/O completed`);
  if (c[Counter.WRITES] + c[Counter.READS] !== c[Counter.COMPLETIONS]) r.fail("WRITES + READS != COMPLETIONS after every I/O completed");
  compareDisks(m, r);
  for (const p of m.procs) {
    if (!p.alive) continue;
    r.call(`exit(${p.pid}) [end]`, "other", (x) => x.exit(p.pid));
    p.alive = false;
  }
  const g = r.last.frames;
  if (g[FrameKind.USER] !== 0 || g[FrameKind.PGTABLE] !== 0 || g[FrameKind.MAPPED] !== 0 || g[FrameKind.FREE] !== g[FrameKind.TOTAL]) {
    r.fail(`leak after every process exited: user ${g[FrameKind.USER]}, pgtable ${g[FrameKind.PGTABLE]}, free ${g[FrameKind.FREE]} of ${g[FrameKind.TOTAL]}`);
  }
  if (r.last.counters[Counter.FRAMES_ALLOCATED] !== r.last.counters[Counter.FRAMES_FREED]) r.fail("FRAMES_ALLOCATED != FRAMES_FREED at the end");
  const w = r.wasm.check();
  if (w !== 0) r.fail(`the Wasm core's sd_check returned ${w} at the end`);
}

/** The disk, byte for byte, and the parity chunks. */
function compareDisks(m: Model, r: Pair): void {
  const sectors = m.diskSectors;
  const a = r.wasm.diskRead(0, sectors), b = r.ref.diskRead(0, sectors);
  if (typeof a === "number" || typeof b === "number") r.fail(`diskRead: ${String(a)} / ${String(b)}`);
  if (!sameBytes(a, b)) r.fail("the disks differ");
  if (m.cfg.device !== Device.PARITY) return;
  const stripes = Math.ceil(m.cfg.diskBlocks / m.cfg.raidDisks);
  for (let s = 0; s < stripes; s++) {
    const pa = r.wasm.parityRead(s), pb = r.ref.parityRead(s);
    if (typeof pa === "number" || typeof pb === "number" || !sameBytes(pa, pb)) r.fail(`parity of stripe ${s} differs`);
  }
}
