// The simulated disk: data, what each device stores beside it, and the scrub
// (docs/model.md sections 2, 4, 6.13, 10). Blocks are kept sparsely: a block
// never written holds zeros and the checks of zeros, exactly as after reset.
import { Device } from "../../assembly/abi.js";
import { crc16t10, crc32c, oracleHash } from "./checksum.js";
import { PAGE } from "./frames.js";

export const SECTOR = 512;
const ZERO_PAGE = new Uint8Array(PAGE);

export class Disk {
  private readonly data = new Map<number, Uint8Array>(); // block -> bytes
  private readonly guards = new Map<number, number>(); // pi: sector -> guard
  private readonly crcs = new Map<number, number>(); // fs-csum: block -> crc32c
  private readonly hashes = new Map<number, number>(); // oracle: sector -> hash
  private readonly parity = new Map<number, Uint8Array>(); // stripe -> parity chunk
  private readonly unwritten = new Set<number>(); // fs-csum: blocks never written (a hole, a preallocated extent): no crc
  readonly zeroGuard = crc16t10(ZERO_PAGE, 0, SECTOR);
  readonly zeroCrc = crc32c(ZERO_PAGE);
  readonly zeroHash = oracleHash(ZERO_PAGE, 0);

  constructor(
    readonly device: number,
    readonly raidDisks: number,
    readonly blocks: number,
    readonly oracle: boolean,
  ) {}

  get sectors(): number {
    return this.blocks * 8;
  }

  get stripes(): number {
    return Math.ceil(this.blocks / this.raidDisks);
  }

  /** The stored bytes of a block (a shared zero page if never written: do not modify). */
  peek(b: number): Uint8Array {
    return this.data.get(b) ?? ZERO_PAGE;
  }

  private block(b: number): Uint8Array {
    let d = this.data.get(b);
    if (!d) this.data.set(b, (d = new Uint8Array(PAGE)));
    return d;
  }

  private parityChunk(stripe: number): Uint8Array {
    let p = this.parity.get(stripe);
    if (!p) this.parity.set(stripe, (p = new Uint8Array(PAGE)));
    return p;
  }

  /**
   * Writes one sector. For parity, `parity ^= disk_old ^ pnew` first: `pnew` is
   * what md computed parity from (the snapshot at DMA, the new bytes on rewrite).
   */
  writeSector(s: number, src: Uint8Array, srcOff: number, pnew: Uint8Array, pnewOff: number): void {
    const b = s >>> 3;
    const at = (s & 7) * SECTOR;
    const d = this.block(b);
    if (this.device === Device.PARITY) {
      const p = this.parityChunk(Math.floor(b / this.raidDisks));
      for (let i = 0; i < SECTOR; i++) p[at + i] ^= d[at + i] ^ pnew[pnewOff + i];
    }
    d.set(src.subarray(srcOff, srcOff + SECTOR), at);
  }

  readSector(s: number, dst: Uint8Array, dstOff: number): void {
    const at = (s & 7) * SECTOR;
    dst.set(this.peek(s >>> 3).subarray(at, at + SECTOR), dstOff);
  }

  setGuard(s: number, g: number): void {
    this.guards.set(s, g);
  }
  /** fs-csum: the block's checksum, stored with its bytes: the block is written now. */
  setCrc(b: number, c: number): void {
    this.crcs.set(b, c);
    this.unwritten.delete(b);
  }

  /** fs-csum: has the block no checksum (never written)? */
  isUnwritten(b: number): boolean {
    return this.unwritten.has(b);
  }

  /** sd_disk_unwritten: the block reads zeros and has no checksum until a write lands (oracle: the hash of zeros). */
  markUnwritten(b: number): void {
    this.data.delete(b);
    this.crcs.delete(b);
    for (let i = 0; i < 8; i++) this.hashes.delete(b * 8 + i);
    this.unwritten.add(b);
  }
  setHash(s: number, h: number): void {
    this.hashes.set(s, h);
  }

  guard(s: number): number {
    return this.guards.get(s) ?? this.zeroGuard;
  }
  crc(b: number): number {
    return this.crcs.get(b) ?? this.zeroCrc;
  }
  hash(s: number): number {
    return this.hashes.get(s) ?? this.zeroHash;
  }

  parityOf(stripe: number): Uint8Array {
    return this.parity.get(stripe) ?? ZERO_PAGE;
  }

  /** Blocks whose data or stored checks were ever written; every other block is consistent zeros. */
  private touched(): number[] {
    const t = new Set<number>(this.data.keys());
    for (const b of this.crcs.keys()) t.add(b);
    for (const s of this.guards.keys()) t.add(s >>> 3);
    for (const s of this.hashes.keys()) t.add(s >>> 3);
    return [...t].sort((a, b) => a - b);
  }

  /** Section 6.13: returns [corruptions, torn sectors]. */
  scrub(): [number, number] {
    const blocks = this.touched();
    let bad = 0;
    if (this.device === Device.PI) {
      for (const b of blocks) {
        const d = this.peek(b);
        for (let i = 0; i < 8; i++) {
          if (this.guard(b * 8 + i) !== crc16t10(d, i * SECTOR, SECTOR)) {
            bad++;
            break;
          }
        }
      }
    } else if (this.device === Device.FS_CSUM) {
      for (const b of blocks) if (!this.unwritten.has(b) && this.crc(b) !== crc32c(this.peek(b))) bad++;
    } else if (this.device === Device.PARITY) {
      const stripes = new Set<number>(this.parity.keys());
      for (const b of blocks) stripes.add(Math.floor(b / this.raidDisks));
      for (const st of stripes) {
        const x = new Uint8Array(PAGE);
        for (let k = 0; k < this.raidDisks; k++) {
          const b = st * this.raidDisks + k;
          if (b >= this.blocks) break; // a short last stripe: missing chunks are zero
          const d = this.peek(b);
          for (let i = 0; i < PAGE; i++) x[i] ^= d[i];
        }
        const p = this.parityOf(st);
        for (let i = 0; i < PAGE; i++) {
          if (x[i] !== p[i]) {
            bad++;
            break;
          }
        }
      }
    }
    let torn = 0;
    if (this.oracle) {
      for (const b of blocks) {
        const d = this.peek(b);
        for (let i = 0; i < 8; i++) if (this.hash(b * 8 + i) !== oracleHash(d, i * SECTOR)) torn++;
      }
    }
    return [bad, torn];
  }
}
