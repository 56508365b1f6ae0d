// The command line: no argument or '-' reads stdin; one argument names the
// trace file, opened through the preopened directory that holds it (WASI has
// no ambient file system: the runtime must preopen one, e.g. wasmtime --dir).
import { putText, putByte, putStr, putU64, flushTo } from "./out";
import {
  args_get, args_sizes_get, fd_prestat_dir_name, fd_prestat_get, path_open, LOOKUPFLAGS_SYMLINK_FOLLOW,
  PREOPENTYPE_DIR, RIGHTS_FD_READ, STDERR, STDIN,
} from "./sys";

const MAX_ARGS: u32 = 16;
const ARG_BUF_CAP: u32 = 4096;
const SIZES: usize = memory.data(8, 4);
const ARGV: usize = memory.data(<i32>MAX_ARGS * 4, 4);
const ARG_BUF: usize = memory.data(<i32>ARG_BUF_CAP, 8);
const PRESTAT: usize = memory.data(8, 4);
const DIR_CAP: u32 = 1024;
const DIR: usize = memory.data(<i32>DIR_CAP, 8);
const FD_OUT: usize = memory.data(4, 4);

let namePtr: usize = 0;
let nameLen: usize = 0;

/** The trace's name in messages: the argument, or <stdin>. */
export function putFileName(): void {
  if (nameLen == 0) putStr("<stdin>");
  else putText(namePtr, nameLen);
}

/** The fd to read the trace from, or -1 after printing why not. */
export function openTrace(): i32 {
  if (args_sizes_get(SIZES, SIZES + 4) != 0) return STDIN;
  let argc = load<u32>(SIZES);
  if (argc <= 1) return STDIN;
  if (argc > 2 || argc > MAX_ARGS || load<u32>(SIZES + 4) > ARG_BUF_CAP) {
    putStr("stable-dio: usage: replay.wasm [TRACE] (one trace file, or none or '-' for stdin); got ");
    putU64(argc - 1);
    putStr(" arguments\n");
    flushTo(STDERR);
    return -1;
  }
  if (args_get(ARGV, ARG_BUF) != 0) return STDIN;
  namePtr = <usize>load<u32>(ARGV + 4);
  nameLen = 0;
  while (load<u8>(namePtr + nameLen) != 0) nameLen++;
  if (nameLen == 1 && load<u8>(namePtr) == 0x2d) {
    nameLen = 0;
    return STDIN;
  }
  return openFile(namePtr, nameLen);
}

function openFile(p: usize, n: usize): i32 {
  let best = -1;
  let bestLen: isize = -1;
  let bestSkip: usize = 0;
  for (let fd: u32 = 3; fd < 1024; fd++) {
    if (fd_prestat_get(fd, PRESTAT) != 0) break;
    if (load<u8>(PRESTAT) != PREOPENTYPE_DIR) continue;
    let len = load<u32>(PRESTAT + 4);
    if (len > DIR_CAP || fd_prestat_dir_name(fd, DIR, len) != 0) continue;
    let d = <usize>len;
    while (d > 0 && load<u8>(DIR + d - 1) == 0) d--; // some runtimes count a NUL
    let skip = holds(d, p, n);
    if (skip >= 0 && <isize>d > bestLen) {
      best = <i32>fd;
      bestLen = <isize>d;
      bestSkip = <usize>skip;
    }
  }
  if (best < 0) return cannot(0);
  let rel = p + bestSkip;
  let relLen = n - bestSkip;
  if (relLen == 0) {
    rel = changetype<usize>(DOT);
    relLen = 1;
  }
  let e = path_open(<u32>best, LOOKUPFLAGS_SYMLINK_FOLLOW, rel, relLen, 0, RIGHTS_FD_READ, 0, 0, FD_OUT);
  if (e != 0) return cannot(e);
  return <i32>load<u32>(FD_OUT);
}

// A one-byte path for the preopen itself; memory.data of a byte, not a string.
const DOT: usize = memory.data<u8>([0x2e]);

/**
 * Whether preopen DIR[0, d) holds path [p, p+n): how many bytes of the path it
 * covers (then the rest is relative to it), or -1. "." (or "") holds every
 * relative path; "/" every absolute one; "/a/b" holds "/a/b" and "/a/b/...".
 */
function holds(d: usize, p: usize, n: usize): isize {
  let absolute = n > 0 && load<u8>(p) == 0x2f;
  while (d > 1 && load<u8>(DIR + d - 1) == 0x2f) d--;
  if (d == 0 || (d == 1 && load<u8>(DIR) == 0x2e)) return absolute ? -1 : dotSlash(p, n);
  if (d == 1 && load<u8>(DIR) == 0x2f) return absolute ? slashes(p, n, 0) : -1;
  if (n < d) return -1;
  for (let i: usize = 0; i < d; i++) if (load<u8>(DIR + i) != load<u8>(p + i)) return -1;
  if (n > d && load<u8>(p + d) != 0x2f) return -1;
  return slashes(p, n, d);
}

/** Skips "./" prefixes of a relative path. */
function dotSlash(p: usize, n: usize): isize {
  let i: usize = 0;
  while (i + 1 < n && load<u8>(p + i) == 0x2e && load<u8>(p + i + 1) == 0x2f) i = <usize>slashes(p, n, i + 1);
  return <isize>i;
}

function slashes(p: usize, n: usize, i: usize): isize {
  while (i < n && load<u8>(p + i) == 0x2f) i++;
  return <isize>i;
}

function cannot(errno: u32): i32 {
  putStr("stable-dio: cannot read trace '");
  putFileName();
  putStr("': ");
  if (errno == 0) putStr("no preopened directory holds it (let the runtime preopen one, e.g. wasmtime --dir)");
  else putErrno(errno);
  putByte(0x0a);
  flushTo(STDERR);
  return -1;
}

function putErrno(e: u32): void {
  switch (e) {
    case 2: putStr("EACCES"); break;
    case 8: putStr("EBADF"); break;
    case 28: putStr("EINVAL"); break;
    case 31: putStr("EISDIR"); break;
    case 44: putStr("ENOENT"); break;
    case 54: putStr("ENOTDIR"); break;
    case 63: putStr("EPERM"); break;
    case 76: putStr("ENOTCAPABLE"); break;
    default:
      putStr("WASI errno ");
      putU64(e);
  }
}
