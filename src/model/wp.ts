// The write-protect of an I/O's pages at submit and their restore at
// completion (docs/model.md 6.7 step 4, 6.10 step 3), with their bookkeeping,
// as assembly/wp.ts: a protect count per frame (wp), canWrite per page, and
// the other processes that map a MAP_SHARED page at the same address (a fork
// of the submitter); the mappings at other addresses (sd_map_alias) are the
// rmap walk's (rmap.ts), as folio_mkclean's. The flips are change_protection's
// (mprotect.ts); one shootdown per process. The implementation choices
// (docs/model.md section 12) act here, as there.
import { Counter, Key, ProcFlag, Restore, Walk } from "../../assembly/abi.js";
import type { Io } from "./io.js";
import { changeJoin, changeProtection, flushChange, NO_CHANGE } from "./mprotect.js";
import { canWrite, canWritePmd, DWP, P, pageFrame, SHR, slotOf, W } from "./pagetable.js";
import { rmapWalk } from "./rmap.js";
import type { Proc, State } from "./state.js";

/**
 * 6.7 step 4: every page's frame gets wp++, every writable entry of the
 * buffer loses W and gains DWP (a huge PMD once), one shootdown over what
 * changed; then the sharers of a MAP_SHARED buffer.
 */
export function protectIo(st: State, io: Io): void {
  const p = st.procs[io.pid - 1];
  for (const r of io.pages) st.pool.frames[r.frame].wp++;
  if (st.cfg[Key.WP_WALK] === Walk.SEPARATE) st.c[Counter.WP_WALKS]++; // fused: GUP's walk flips them as it pins
  const last = io.pages[io.pages.length - 1].vpn;
  flushChange(st, p.pid, io.cpu, changeProtection(st, p, io.pages[0].vpn, last, DWP));
  if (io.shared) {
    protectSharers(st, io); // pinUserPages saw a MAP_SHARED page
    if (st.aliases.length) rmapWalk(st, io, false); // and its frames' mappings at other addresses
  }
}

/**
 * 6.10 step 3: every page's frame gets wp--; then, if the submitter is alive,
 * its entries that still map the pinned frame, have DWP and pass canWrite get
 * W back, one shootdown; then the sharers, if a page is MAP_SHARED or the
 * submitter has exited (its table is gone: look regardless).
 */
export function restoreIo(st: State, io: Io): void {
  const p = st.procs[io.pid - 1];
  for (const r of io.pages) st.pool.frames[r.frame].wp--;
  if (st.cfg[Key.WP_RESTORE] === Restore.LAZY) return; // the entries stay read-only: the next store reuses each
  const alive = !(p.flags & ProcFlag.DEAD);
  if (alive) {
    st.c[Counter.WP_WALKS]++;
    if (!restoreIn(st, p, io)) return;
  }
  for (const q of st.procs) {
    if (q === p || q.flags & ProcFlag.DEAD) continue;
    if (mapsPinned(st, q, io)) st.c[Counter.WP_WALKS]++; // the rmap finds this mapping
    restoreIn(st, q, io);
  }
  if (st.aliases.length && io.shared) rmapWalk(st, io, true);
}

/** Does `q` map one of the I/O's pinned frames at its page (present)? The rmap walk would visit it. */
function mapsPinned(st: State, q: Proc, io: Io): boolean {
  return io.pages.some((r) => {
    const s = slotOf(st, q, r.vpn);
    return (s.e & P) !== 0 && pageFrame(s, r.vpn) === r.frame;
  });
}

/**
 * The sharers of 6.7 step 4: each other live process, ascending pid, whose
 * entry for a page of the buffer is present, MAP_SHARED, writable and maps
 * the pinned frame gets the same change, and one shootdown of its own.
 */
function protectSharers(st: State, io: Io): void {
  for (const q of st.procs) {
    if (q.pid === io.pid || q.flags & ProcFlag.DEAD) continue;
    let c = NO_CHANGE;
    let found = false; // the rmap finds a mapping of a pinned frame here: a walk of its own
    for (const r of io.pages) {
      const s = slotOf(st, q, r.vpn);
      if (!(s.e & P) || pageFrame(s, r.vpn) !== r.frame) continue;
      found = true;
      if (!(s.e & SHR) || !(s.e & W)) continue;
      c = changeJoin(c, changeProtection(st, q, r.vpn, r.vpn, DWP)); // a huge PMD once: then it has no W
    }
    if (found) st.c[Counter.WP_WALKS]++;
    flushChange(st, q.pid, io.cpu, c);
  }
}

/**
 * The restore of 6.10 step 3 in `q`'s table, after wp--: each entry that
 * still maps the pinned frame, has DWP and passes canWrite gets W back (a
 * huge PMD once), one shootdown for all. Returns whether any of the entries
 * is MAP_SHARED.
 */
function restoreIn(st: State, q: Proc, io: Io): boolean {
  let c = NO_CHANGE;
  let shared = false;
  const donePmds = new Set<number>();
  for (const r of io.pages) {
    const s = slotOf(st, q, r.vpn);
    if (s.e & SHR) shared = true;
    if (!(s.e & P) || !(s.e & DWP) || pageFrame(s, r.vpn) !== r.frame) continue;
    if (s.huge) {
      if (donePmds.has(r.vpn >>> 9)) continue;
      donePmds.add(r.vpn >>> 9);
      if (!canWritePmd(st, s.e)) continue;
    } else if (!canWrite(s.e, st.pool.frames[r.frame])) continue;
    c = changeJoin(c, changeProtection(st, q, r.vpn, r.vpn, W));
  }
  flushChange(st, q.pid, io.cpu, c);
  return shared;
}
