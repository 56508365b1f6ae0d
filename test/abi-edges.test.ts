// Hand-picked edge arguments, each with the one answer docs/model.md gives,
// on both builds and the reference model: unknown, completed and repeated
// I/O ids; zero-length requests; 4 GiB requests as the u32 the ABI reads
// (2^32 -> 0, 0xFFFFFFFF, -1); the last page of the address space; a huge
// fault with no aligned folio left. Each refused call changes nothing.
import { describe, expect, test } from "vitest";
import { Err, IoState, Key, MapFlag, Op, Stable } from "../assembly/abi.js";
import type { Core } from "../src/core/core.js";
import { Both } from "./support/abi/both.js";
import { BUILDS } from "./support/abi/raw.js";

const PAGE = 4096;
const GiB4 = 2 ** 32;

/** A process with a thread and 16 touched pages at 0x100000, a write in flight on the first page. */
function world(build: (typeof BUILDS)[number]) {
  const b = new Both(build);
  b.configure([[Key.MAX_FRAMES, 512], [Key.DISK_BLOCKS, 64], [Key.MAX_IOS, 16], [Key.IO_PAGES, 1024], [Key.STABLE, Stable.ALWAYS]]);
  const pid = b.call("proc", (c) => c.procCreate(0));
  const tid = b.call("thread", (c) => c.threadCreate(pid, 0));
  b.call("map", (c) => c.map(pid, 0x10_0000, 16 * PAGE, MapFlag.WRITE));
  b.call("touch", (c) => c.store(tid, 0x10_0000, 16 * PAGE, 1));
  const io = b.call("submit", (c) => c.submit(tid, Op.WRITE, 0x10_0000, PAGE, 0, 0));
  return { b, pid, tid, io };
}

for (const build of BUILDS) {
  describe(`${build}: I/O ids`, () => {
    test("completing or DMA-ing an id never issued: NO_IO", () => {
      const { b, io } = world(build);
      for (const id of [0, -1, io + 1, 0x7fffffff, -0x80000000, GiB4 + io + 1]) {
        b.refused(`complete(${id})`, Err.NO_IO, 0, (c) => c.complete(id));
        b.refused(`dma(${id})`, Err.NO_IO, 0, (c) => c.dma(id));
        expect(b.call(`io_state(${id})`, (c) => c.ioState(id))).toBe(IoState.UNKNOWN);
      }
    });

    test("DMA twice: IO_STATE; complete twice, or DMA after completion: IO_DONE", () => {
      const { b, io } = world(build);
      expect(b.call("dma", (c) => c.dma(io))).toBe(0);
      b.refused("dma again", Err.IO_STATE, 0, (c) => c.dma(io));
      expect(b.call("complete", (c) => c.complete(io))).toBe(0);
      b.refused("complete again", Err.IO_DONE, 0, (c) => c.complete(io));
      b.refused("dma after completion", Err.IO_DONE, 0, (c) => c.dma(io));
      expect(b.call("io_state", (c) => c.ioState(io))).toBe(IoState.COMPLETED);
    });
  });

  describe(`${build}: zero-length and 4 GiB requests`, () => {
    // 2^32 reaches the core as 0 (ToInt32), 0xFFFFFFFF and -1 as the same u32.
    const lengths = [0, GiB4, 0xffff_ffff, -1];

    test("map, unmap, store, write, load, submit and disk reads refuse them", () => {
      const { b, pid, tid } = world(build);
      for (const len of lengths) {
        const zero = (len >>> 0) === 0;
        b.refused(`map len ${len}`, zero ? Err.INVAL : Err.ALIGN, undefined, (c) => c.map(pid, 0x20_0000, len, MapFlag.WRITE));
        b.refused(`unmap len ${len}`, zero ? Err.INVAL : Err.ALIGN, undefined, (c) => c.unmap(tid, 0x10_0000, len));
        b.refused(`submit len ${len}`, Err.INVAL, undefined, (c) => c.submit(tid, Op.WRITE, 0x10_0000, len, 0, 0));
        b.refused(`load len ${len}`, Err.INVAL, undefined, (c) => c.load(tid, 0x10_0000, len) as number);
        b.refused(`disk_read count ${len}`, Err.INVAL, undefined, (c) => c.diskRead(0, len) as number);
      }
      b.refused("store len 0", Err.INVAL, undefined, (c) => c.store(tid, 0x10_0000, 0, 1));
      b.refused("store len 2^32 (0)", Err.INVAL, undefined, (c) => c.store(tid, 0x10_0000, GiB4, 1));
      b.refused("write of nothing", Err.INVAL, undefined, (c) => c.write(tid, 0x10_0000, new Uint8Array(0)));
      // A store of 0xFFFFFFFF bytes from 0x100000 runs past 4 GiB.
      b.refused("store len 0xFFFFFFFF", Err.RANGE, undefined, (c) => c.store(tid, 0x10_0000, 0xffff_ffff, 1));
      // Just above the largest I/O, and the largest I/O itself on a mapping too small for it.
      b.refused("submit of 4 MiB + 512", Err.INVAL, undefined, (c) => c.submit(tid, Op.WRITE, 0x10_0000, (4 << 20) + 512, 0, 0));
      b.refused("submit of 4 MiB", Err.DISK_RANGE, undefined, (c) => c.submit(tid, Op.WRITE, 0x10_0000, 4 << 20, 0, 0));
    });

    test("a range ending exactly at 4 GiB is valid; one byte more is RANGE", () => {
      const { b, pid, tid } = world(build);
      b.call("map the last page", (c) => c.map(pid, 0xffff_f000, PAGE, MapFlag.WRITE));
      expect(b.call("store the last byte", (c) => c.store(tid, 0xffff_ffff, 1, 9))).toBe(0);
      b.refused("two bytes from the last", Err.RANGE, undefined, (c) => c.store(tid, 0xffff_ffff, 2, 9));
      b.refused("map past 4 GiB", Err.RANGE, undefined, (c) => c.map(pid, 0xffff_f000, 2 * PAGE, MapFlag.WRITE));
      expect(b.call("submit the last sector", (c) => c.submit(tid, Op.WRITE, 0xffff_fe00, 512, 0, 0))).toBeGreaterThan(0);
      b.refused("submit past 4 GiB", Err.RANGE, undefined, (c) => c.submit(tid, Op.WRITE, 0xffff_fe00, 1024, 0, 0));
      // The whole space but page 0, in a new process: 2048 PTE tables do not fit 512 frames.
      const other = b.call("proc", (c) => c.procCreate(0));
      b.refused("map 4 GiB - 4 KiB", Err.NOMEM, 2048, (c: Core) => c.map(other, PAGE, 0xffff_f000, MapFlag.WRITE));
    });
  });

  describe(`${build}: frames`, () => {
    test("a huge fault with no aligned folio left: NOMEM, detail 512, the store stops there", () => {
      const { b, pid, tid } = world(build);
      b.call("map huge", (c) => c.map(pid, 0x4000_0000, 2 << 20, MapFlag.WRITE | MapFlag.HUGE));
      expect(b.call("huge fault", (c) => c.store(tid, 0x4000_0000, 1, 1))).toBe(-Err.NOMEM);
      expect(b.wasm.errDetail()).toBe(512);
    });
  });
}
