// stable-dio native: the workloads on the real kernel, with real O_DIRECT
// I/O (libaio) and the policies at user level (userfaultfd). One process:
// a submitting thread per job (it also reaps its completions), modifier
// threads that change buffers in flight, and, under the write-protect
// policies, one handler thread serving the userfaultfd.
//
// Memory of a job (one private anonymous mapping, 4 KiB pages, no THP):
//
//   arena: | buf_off | slot 0 ... | slot 1 ... | ... | slot qd-1 ... |
//            slot k starts at arena + buf_off + k * stride
//
// A page is write-protected while an in-flight I/O of a slot covering it is
// (`wp_live`); a fault on it may copy once every such I/O is `pinned`
// (libaio pins the pages before io_submit returns). Bookkeeping per I/O,
// not per page: a 1 MiB I/O costs no more of it than a 4 KiB one.
#ifndef TWIN_H
#define TWIN_H
#define _GNU_SOURCE
#include <libaio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE 4096UL
#define SECTOR 512UL
#define MAX_THREADS 64
#define MAX_QD 256

enum policy { P_DIRECT, P_BOUNCE, P_WP_WAIT, P_WP_COW, P_WP_COW_DEGRADE, P_VERIFY };
enum dir { D_WRITE, D_READ, D_MIXED };
enum when { W_CONTINUOUS, W_IN_FLIGHT };
enum mbytes { MB_BUFFER, MB_RANGE, MB_NEIGHBOUR };
enum slot_state { S_FREE, S_IN_FLIGHT, S_COMPLETING };

/** The counters, named as `stable-dio run --json` names them. */
#define COUNTERS(X) \
  X(writes) X(reads) X(completions) X(bytes_written) X(bytes_read) X(direct_ios) X(bounce_ios) \
  X(protected_ios) X(verify_ios) X(corruptions) X(lost_reads) X(read_verify_failures) X(verify_failures) \
  X(faults) X(false_positives) X(warnings) X(degraded) X(stalls) X(cow_copies) X(bytes_copied) \
  X(bytes_bounced) X(bytes_cow) X(bytes_rewrite) X(pte_flips) X(demand_faults) X(csum_bytes) \
  X(pin_waits) X(unverified_reads)

#define COUNTER_FIELD(n) _Atomic long n;
struct counters { COUNTERS(COUNTER_FIELD) };
extern struct counters C;
#define COUNT(n, v) atomic_fetch_add_explicit(&C.n, (v), memory_order_relaxed)

struct modify {
  int by; // the modifier thread
  enum when when;
  double p;
  enum mbytes bytes;
  size_t max, line;
  int byte; // -1: another byte than the fill, at random
};

struct slot {
  char *buf;    // in the arena
  char *bounce; // tool-owned, 4 KiB aligned
  struct iocb cb;
  _Atomic int state;
  _Atomic int modifying; // a modifier is storing into it (Dekker with state)
  _Atomic long io;       // number of the I/O in it
  size_t len;
  uint64_t off;
  int reading, bounced, protected_;
  _Atomic int wp_live; // its pages are write-protected for it (set before the protect, cleared before the un-protect)
  _Atomic int pinned;  // io_submit returned
  uint8_t fill;
  uint32_t *csum; // submit checksum of each sector (writes)
  // What a modifier did to an in-flight read (to tell a lost read from a changed one).
  _Atomic size_t mod_off, mod_len;
  _Atomic int cowed;
};

struct job {
  int tid;
  long ios;
  int qd;
  enum dir dir;
  double reads;
  size_t wmin, wmax, rmin, rmax;
  int sequential;
  uint64_t base, file_len;
  int files;
  size_t align, slot_len;
  int fill; // -1: random per I/O
  size_t buf_off, stride;
  int has_modify;
  struct modify mod;
  char *arena;
  size_t arena_len;
  struct slot slots[MAX_QD];
  io_context_t ctx;
  uint64_t *cursor; // sequential: per file
  char *verify_buf; // verify: read-back buffer
  long policy_ns;   // time in the policy's own steps at submit and completion (timed, less the clock reads)
  long other_ns;    // time in what is neither the policy nor the I/O path: the workload's fill, the oracle's checksums
};

struct queued { struct job *job; int slot; long io; };

struct thread {
  int cpu;
  struct job *job;   // submitting thread
  int sources[MAX_THREADS], nsources; // modifier: the jobs it modifies (thread indices)
  pthread_t th;
  uint64_t rng;
  long cpu_ns;
  // modifier's queue of in-flight I/Os (per-I/O modifications)
  pthread_mutex_t qlock;
  pthread_cond_t qcond;
  struct queued *q;
  long qhead, qtail, qcap;
};

struct run {
  enum policy policy;
  int fd;
  uint64_t target_off, target_len; // the range the run owns
  uint64_t seed;
  int nthreads;
  struct thread threads[MAX_THREADS];
  _Atomic int writers; // job threads still running
  _Atomic int degraded;
  _Atomic int warned;
  int ncpus, cpus[1024];
};
extern struct run R;

// oracle.c
uint32_t crc32c(uint32_t crc, const void *p, size_t n);
void oracle_init(uint64_t sectors);
void oracle_submit_write(struct slot *s);
void oracle_complete_write(struct slot *s);
/** 1 if every sector of the read can be checked (no write to it in flight, one known content). */
int oracle_read_checkable(uint64_t off, size_t len);
/** Sectors of buf (a read of `len` at `off`) whose data disagree with the oracle: a bitmap per sector. */
int oracle_read_mismatch(const char *buf, uint64_t off, size_t len, uint8_t *bad);
void oracle_prefill(uint64_t off, uint64_t len);
long oracle_scrub(void);
void oracle_rewrite(struct slot *s, const char *data);

// uffd.c
int uffd_open(char *why, size_t n);
void uffd_register_job(struct job *j);
void uffd_protect(struct job *j, struct slot *s);
void uffd_pinned(struct job *j, struct slot *s);
void uffd_unprotect(struct job *j, struct slot *s);
void uffd_handler_start(void);
long uffd_handler_stop(void); // returns its CPU ns

// job.c
void *job_main(void *arg);
void job_setup(struct job *j);

// modify.c
void *modifier_main(void *arg);
void modifier_queue(struct thread *m, struct job *j, int slot, long io);

// util
uint64_t rng_next(uint64_t *s);
uint64_t rng_below(uint64_t *s, uint64_t n);
double rng_unit(uint64_t *s);
long thread_cpu_ns(void);
long mono_ns(void);
// A policy step is timed on the monotonic clock (two vDSO reads, ~50 ns, less their median cost:
// clock_pair_ns). Not the thread's CPU clock: its reads are syscalls, dearer inside the I/O loop than
// in a tight loop (a bias of ~0.5 us a step) and they add to the CPU being measured. A preemption
// inside a step counts against it: rare for a step of microseconds; the median over runs.
extern long clock_pair_ns;
#define STEP_BEGIN long step_t0_ = mono_ns()
#define STEP_END(j) ((j)->policy_ns += mono_ns() - step_t0_ - clock_pair_ns)
#define OTHER_END(j) ((j)->other_ns += mono_ns() - step_t0_ - clock_pair_ns)
void pin_cpu(int cpu);
_Noreturn void fail(const char *what);
_Noreturn void failf(const char *fmt, ...);
int is_wp(enum policy p);

#endif
