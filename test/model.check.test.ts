// The reference model's sd_check catches each invariant of docs/model.md
// section 7 (and the two it adds: no reference to a free frame, and only
// process memory is mapped or pinned): a consistent state is corrupted in
// one place and check() must name the invariant. A checker that never fails
// would pass every model-based run; these show it can fail.
import { describe, expect, test } from "vitest";
import { FrameKind, Invariant, IoFlag, Key, MapFlag, Op, Policy, Stable } from "../assembly/abi.js";
import { RefCore } from "../src/model/index.js";
import { P, W, entry, frameOf, pageFrame, setSlot, slotOf } from "../src/model/pagetable.js";
import type { State } from "../src/model/state.js";

const BASE = 0x10_0000;

/** A state with a protected write in flight on page 0, a bounce freed (a free frame), pages 2.. mapped, not present. */
function world(): { core: RefCore; st: State; protectedFrame: number } {
  const core = new RefCore();
  for (const [k, v] of [[Key.POLICY, Policy.WP_COW], [Key.STABLE, Stable.ALWAYS], [Key.DISK_BLOCKS, 64], [Key.MAX_FRAMES, 512]]) core.set(k, v);
  core.reset();
  const pid = core.procCreate(0);
  const tid = core.threadCreate(pid, 0);
  expect(core.map(pid, BASE, 8 * 4096, MapFlag.WRITE)).toBe(0);
  expect(core.store(tid, BASE, 2 * 4096, 1)).toBe(0);
  expect(core.submit(tid, Op.WRITE, BASE, 4096, 0, IoFlag.PROMISE)).toBeGreaterThan(0);
  core.set(Key.POLICY, Policy.BOUNCE);
  const bounced = core.submit(tid, Op.WRITE, BASE + 4096, 4096, 8, 0);
  expect(core.complete(bounced)).toBe(0); // its bounce frame is free now
  expect(core.load(tid, BASE, 16)).toBeInstanceOf(Uint8Array); // a TLB entry for page 0
  const st = (core as unknown as { st: State }).st;
  expect(core.check()).toBe(0);
  const p = st.procs[0];
  return { core, st, protectedFrame: pageFrame(slotOf(st, p, BASE >>> 12), BASE >>> 12) };
}

const vpn = (page: number) => (BASE >>> 12) + page;

describe("the model's sd_check names each broken invariant", () => {
  test("REFCOUNT: one reference too many", () => {
    const { core, st, protectedFrame } = world();
    st.pool.frames[protectedFrame].ref++;
    expect(core.check()).toBe(-Invariant.REFCOUNT);
  });

  test("REFCOUNT: a leaked bounce frame no I/O holds", () => {
    const { core, st } = world();
    st.pool.alloc4k(FrameKind.BOUNCE, 1);
    expect(core.check()).toBe(-Invariant.REFCOUNT);
  });

  test("MAPCOUNT: a mapping the page tables do not have", () => {
    const { core, st, protectedFrame } = world();
    st.pool.frames[protectedFrame].map++;
    st.pool.frames[protectedFrame].ref++;
    expect(core.check()).toBe(-Invariant.MAPCOUNT);
  });

  test("MAPCOUNT: a PTE table mapped into a process", () => {
    const { core, st } = world();
    const p = st.procs[0];
    const table = frameOf(p.pmd[vpn(0) >>> 9]);
    setSlot(st, p, vpn(5), entry(table, (slotOf(st, p, vpn(5)).e & 0xfff) | P));
    st.pool.frames[table].map++;
    st.pool.frames[table].ref++;
    expect(core.check()).toBe(-Invariant.MAPCOUNT);
  });

  test("PINCOUNT, WPCOUNT, SECTOR_PINS: counts the in-flight I/Os do not explain", () => {
    for (const [field, inv] of [["pin", Invariant.PINCOUNT], ["wp", Invariant.WPCOUNT]] as const) {
      const { core, st, protectedFrame } = world();
      st.pool.frames[protectedFrame][field]++;
      if (field === "pin") st.pool.frames[protectedFrame].ref++;
      expect(core.check(), field).toBe(-inv);
    }
    const { core, st, protectedFrame } = world();
    st.pool.frames[protectedFrame].secpins[3]++;
    expect(core.check()).toBe(-Invariant.SECTOR_PINS);
  });

  test("WRITABLE_PINNED: a protected write source made writable", () => {
    const { core, st } = world();
    const p = st.procs[0];
    setSlot(st, p, vpn(0), slotOf(st, p, vpn(0)).e | W);
    expect(core.check()).toBe(-Invariant.WRITABLE_PINNED);
  });

  test("FREE_LIST: a frame on the free list that is still mapped", () => {
    const { core, st, protectedFrame } = world();
    st.pool.free4k.push(protectedFrame);
    expect(core.check()).toBe(-Invariant.FREE_LIST);
  });

  test("FREE_LIST: a page table entry that maps a free frame (use after free)", () => {
    const { core, st } = world();
    const p = st.procs[0];
    const free = st.pool.free4k[st.pool.free4k.length - 1];
    setSlot(st, p, vpn(6), entry(free, (slotOf(st, p, vpn(6)).e & 0xfff) | P));
    expect(core.check()).toBe(-Invariant.FREE_LIST);
  });

  test("TLB: a cached W the page table does not grant", () => {
    const { core, st, protectedFrame } = world();
    st.tlb.fill(0, 1, vpn(0), protectedFrame, true);
    expect(core.check()).toBe(-Invariant.TLB);
  });

  test("IO: page records in use that no I/O owns", () => {
    const { core, st } = world();
    st.ioPagesUsed++;
    expect(core.check()).toBe(-Invariant.IO);
  });
});
