// abort for the WASI build (asconfig.wasi.json: use abort=...): the core only
// aborts on an internal bug; say where on stderr and exit 70 (EX_SOFTWARE),
// instead of importing env.abort, which a WASI runtime does not provide.
import { flushTo, putByte, putStr, putU64 } from "./out";
import { proc_exit, STDERR } from "./sys";

export function wasiAbort(
  message: string | null = null, fileName: string | null = null, line: u32 = 0, column: u32 = 0,
): void {
  putStr("stable-dio: internal error: ");
  if (message) putStr(message);
  putStr(" at ");
  if (fileName) putStr(fileName);
  putByte(0x3a);
  putU64(line);
  putByte(0x3a);
  putU64(column);
  putByte(0x0a);
  flushTo(STDERR);
  proc_exit(70);
}
