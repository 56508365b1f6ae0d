// The WASI preview1 calls the replay command uses, declared directly: the
// core owns all memory above __heap_base (assembly/layout.ts), so nothing here
// may allocate, and a shim's managed strings and buffers would.
export type Errno = u16;

export const ERRNO_SUCCESS: Errno = 0;
export const ERRNO_BADF: Errno = 8;
export const ERRNO_NOENT: Errno = 44;

export const STDIN: u32 = 0;
export const STDOUT: u32 = 1;
export const STDERR: u32 = 2;

export const LOOKUPFLAGS_SYMLINK_FOLLOW: u32 = 1;
export const RIGHTS_FD_READ: u64 = 1 << 1;
export const PREOPENTYPE_DIR: u8 = 0;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_read")
export declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, nread: usize): Errno;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_write")
export declare function fd_write(fd: u32, iovs: usize, iovsLen: usize, nwritten: usize): Errno;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_close")
export declare function fd_close(fd: u32): Errno;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "args_sizes_get")
export declare function args_sizes_get(argc: usize, argvBufSize: usize): Errno;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "args_get")
export declare function args_get(argv: usize, argvBuf: usize): Errno;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_prestat_get")
export declare function fd_prestat_get(fd: u32, prestat: usize): Errno;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_prestat_dir_name")
export declare function fd_prestat_dir_name(fd: u32, path: usize, pathLen: usize): Errno;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "path_open")
export declare function path_open(
  dirfd: u32, dirflags: u32, path: usize, pathLen: usize, oflags: u16,
  rightsBase: u64, rightsInheriting: u64, fdflags: u16, fd: usize,
): Errno;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "proc_exit")
export declare function proc_exit(code: u32): void;
