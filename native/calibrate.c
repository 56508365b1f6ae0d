// stable-dio calibrate: measures this machine's own page-protection, fault
// and copy costs, natively. `stable-dio calibrate` compiles it with the
// system C compiler into a temporary directory and runs it; the TypeScript
// side (src/calibrate/) turns the figures into a cost profile.
//
// Output: one "name value" line per figure; values are nanoseconds per
// operation, the median over rounds (a round is a few milliseconds of the
// same operation, so the clock and the loop are amortised).
//
//   calibrate [--quick] [--validate]
//
// --quick: fewer, shorter rounds and smaller buffers (tests).
// --validate: instead of the calibration, a user-level emulation of wp-cow
// (mprotect RO at submit, a write -> SIGSEGV -> copy 4 KiB + mprotect RW,
// mprotect RW at completion) and of bouncing (memcpy) per I/O.
//
// Where userfaultfd works (root, or vm.unprivileged_userfaultfd=1), also the
// write-protect `stable-dio native` uses: UFFDIO_WRITEPROTECT pairs of 1, 16,
// 256 pages (on one range, and on 8 buffers in turn each just written), one UFFDIO_WRITEPROTECT of a page
// already write-protected (the walk, with nothing to flush), and the CPU a handler thread spends per write
// fault (resolved by un-protecting) and per copy-on-write (copy, MADV_DONTNEED, UFFDIO_COPY).
// Without it: one line "uffd_unavailable <why>" and the rest as usual.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include "uffd-new.h"

#define PAGE 4096UL
#define MAX_ROUNDS 64

static int quick;
static int rounds = 11;
static double round_ms = 4.0;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void put(const char *name, double ns) { printf("%s %.1f\n", name, ns); }

// A memcpy the compiler cannot see through or drop.
static void *(*volatile copy_fn)(void *, const void *, size_t) = memcpy;
static volatile uint64_t sink;

/** Anonymous memory, 4 KiB pages only (no THP: faults and flips must be per page), touched. */
static char *region(size_t bytes, int touch) {
  char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) die("mmap");
  madvise(p, bytes, MADV_NOHUGEPAGE);
  if (touch) memset(p, 1, bytes);
  return p;
}

// ---- timing a repeated operation -------------------------------------------

typedef void (*op_fn)(void *ctx, long iters);

/** Median ns per operation over `rounds` rounds of about round_ms each. */
static double measure(op_fn f, void *ctx) {
  f(ctx, 1); // warm-up
  long iters = 1;
  for (;;) {
    double t0 = now();
    f(ctx, iters);
    double dt = now() - t0;
    if (dt >= round_ms * 1e6 / 4 || iters >= (1L << 30)) {
      double want = round_ms * 1e6 / (dt / (double)iters);
      iters = want < 1 ? 1 : (long)want;
      break;
    }
    iters *= 2;
  }
  double v[MAX_ROUNDS];
  for (int r = 0; r < rounds; r++) {
    double t0 = now();
    f(ctx, iters);
    v[r] = (now() - t0) / (double)iters;
  }
  return median(v, rounds);
}

// ---- syscalls and mprotect ---------------------------------------------------

static void op_syscall(void *ctx, long iters) {
  (void)ctx;
  for (long i = 0; i < iters; i++) sink += (uint64_t)syscall(SYS_getppid);
}

struct prot { char *p; size_t len; };

static void op_mprotect_pair(void *ctx, long iters) {
  struct prot *c = ctx;
  for (long i = 0; i < iters; i++) {
    if (mprotect(c->p, c->len, PROT_READ)) die("mprotect RO");
    if (mprotect(c->p, c->len, PROT_READ | PROT_WRITE)) die("mprotect RW");
  }
}

// ---- threads of the process spinning on other CPUs --------------------------

static volatile int spin_stop;
static volatile int spin_ready;
static int cpu_list[1024];
static int ncpus;

static void pin_to(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  sched_setaffinity(0, sizeof s, &s); // best effort: unpinned still runs elsewhere
}

static void *spinner(void *arg) {
  pin_to((int)(intptr_t)arg);
  __sync_fetch_and_add(&spin_ready, 1);
  while (!spin_stop) __asm__ volatile("" ::: "memory");
  return NULL;
}

static pthread_t spinners[1024];

/** k threads of this process spin on CPUs 1..k (the main thread is on CPU 0). */
static void spin_start(int k) {
  spin_stop = 0;
  spin_ready = 0;
  for (int i = 0; i < k; i++)
    if (pthread_create(&spinners[i], NULL, spinner, (void *)(intptr_t)cpu_list[(i + 1) % ncpus])) die("pthread_create");
  while (spin_ready < k) sched_yield();
}

static void spin_stop_all(int k) {
  spin_stop = 1;
  for (int i = 0; i < k; i++) pthread_join(spinners[i], NULL);
}

// ---- SIGSEGV -----------------------------------------------------------------

static volatile int handler_cow; // 0: skip the faulting store; 1: copy the page and make it writable
static char *shadow;
#if !defined(__x86_64__) && !defined(__aarch64__)
static sigjmp_buf trap_env;
#endif
static const char *trap_method =
#if defined(__x86_64__)
    "rip";
#elif defined(__aarch64__)
    "pc";
#else
    "siglongjmp";
#endif

static void on_segv(int sig, siginfo_t *si, void *ucv) {
  (void)sig;
  if (handler_cow) {
    char *pg = (char *)((uintptr_t)si->si_addr & ~(PAGE - 1));
    copy_fn(shadow, pg, PAGE);
    if (mprotect(pg, PAGE, PROT_READ | PROT_WRITE)) _exit(3);
    return; // the store runs again and succeeds
  }
  ucontext_t *uc = ucv;
  (void)uc;
#if defined(__x86_64__)
  uc->uc_mcontext.gregs[REG_RIP] += 3; // movb $1,(%rax) is 3 bytes
#elif defined(__aarch64__)
  uc->uc_mcontext.pc += 4;
#else
  siglongjmp(trap_env, 1);
#endif
}

/** A store that faults on a read-only page; the handler resumes after it. */
static inline void faulting_store(char *p) {
#if defined(__x86_64__)
  __asm__ volatile("movb $1, (%%rax)" : : "a"(p) : "memory");
#elif defined(__aarch64__)
  __asm__ volatile("strb wzr, [%0]" : : "r"(p) : "memory");
#else
  if (!sigsetjmp(trap_env, 0)) *(volatile char *)p = 1;
#endif
}

static void install_handler(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSEGV, &sa, NULL)) die("sigaction");
}

static void op_trap(void *ctx, long iters) {
  char *p = ctx;
  handler_cow = 0;
  for (long i = 0; i < iters; i++) faulting_store(p);
}

static void op_user_cow(void *ctx, long iters) {
  char *p = ctx;
  handler_cow = 1;
  for (long i = 0; i < iters; i++) {
    if (mprotect(p, PAGE, PROT_READ)) die("mprotect RO");
    *(volatile char *)p = (char)i; // faults; the handler copies and unprotects
  }
  handler_cow = 0;
}

// ---- page faults -------------------------------------------------------------

/** Per-page cost of first-touch faults over fresh mappings: reads map the zero page, writes allocate. */
static double fault_fresh(int write, size_t pages) {
  double v[MAX_ROUNDS];
  for (int r = 0; r < rounds; r++) {
    char *p = region(pages * PAGE, 0);
    double t0 = now();
    if (write) for (size_t i = 0; i < pages; i++) ((volatile char *)p)[i * PAGE] = 1;
    else for (size_t i = 0; i < pages; i++) sink += ((volatile char *)p)[i * PAGE];
    v[r] = (now() - t0) / (double)pages;
    munmap(p, pages * PAGE);
  }
  return median(v, rounds);
}

/** Kernel copy-on-write: fork, then the parent writes every page (the child keeps them shared). */
static double fault_cow_fork(size_t pages) {
  double v[MAX_ROUNDS];
  for (int r = 0; r < rounds; r++) {
    char *p = region(pages * PAGE, 1);
    int fd[2];
    if (pipe(fd)) die("pipe");
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
      char c;
      close(fd[1]);
      while (read(fd[0], &c, 1) > 0) {}
      _exit(0);
    }
    close(fd[0]);
    double t0 = now();
    for (size_t i = 0; i < pages; i++) ((volatile char *)p)[i * PAGE] = 2;
    v[r] = (now() - t0) / (double)pages;
    close(fd[1]);
    waitpid(child, NULL, 0);
    munmap(p, pages * PAGE);
  }
  return median(v, rounds);
}

// ---- memcpy ------------------------------------------------------------------

struct copy { char *dst, *src; size_t n, span; size_t off; };

static double timer_cost; // two clock reads: subtracted where single operations are timed

#define DST_SKEW (5 * PAGE) // see copy_hot

/**
 * Hot, as a direct write finds it: the process has just written the source
 * (not timed), one of 8 buffers it cycles through (a queue of 8 I/Os), and
 * the copy goes into one of 8 bounce buffers (1 MiB: 16 MiB in all, in the
 * L3). Each copy is timed on its own, less the clock reads. The destination
 * ring sits DST_SKEW bytes off the source's: two equal mmaps put source and
 * destination exactly 2^k apart, and then every copy runs ~40% slower (the
 * stores alias the loads), an accident of the layout no bounce buffer has.
 */
static double copy_hot(char *src, char *dst, size_t n) {
  long per_round = quick ? 64 : (n >= (1UL << 20) ? 256 : 4096);
  double v[MAX_ROUNDS];
  for (int r = 0; r < rounds; r++) {
    double spent = 0;
    for (long i = 0; i < per_round; i++) {
      char *s = src + (size_t)(i & 7) * n, *d = dst + DST_SKEW + (size_t)(i & 7) * n;
      memset(s, (int)i, n);
      double t0 = now();
      copy_fn(d, s, n);
      spent += now() - t0 - timer_cost;
      sink += (uint8_t)d[i & (n - 1)];
    }
    v[r] = spent / (double)per_round;
  }
  return median(v, rounds);
}

/** What an empty timed region costs: two clock reads. */
static double clock_pair(void) {
  double v[MAX_ROUNDS];
  for (int r = 0; r < rounds; r++) {
    double sum = 0;
    for (int i = 0; i < 1000; i++) {
      double a = now();
      sum += now() - a;
    }
    v[r] = sum / 1000;
  }
  return median(v, rounds);
}

/** Walks source and destination across arenas far larger than the caches. */
static void op_copy_cold(void *ctx, long iters) {
  struct copy *c = ctx;
  for (long i = 0; i < iters; i++) {
    copy_fn(c->dst + c->off, c->src + c->off, c->n);
    sink += (uint8_t)c->dst[c->off];
    c->off += c->n;
    if (c->off + c->n > c->span) c->off = 0;
  }
}

// ---- pinning user pages -------------------------------------------------------

struct gup { int pipe[2]; int null; char *buf; size_t n; };

/**
 * vmsplice takes a reference on each user page through the GUP fast path (the
 * walk a direct I/O pin does) and splice to /dev/null drops them: per page,
 * the slope between 1 and 16 pages is the pin-and-release cost.
 */
static void op_gup(void *ctx, long iters) {
  struct gup *g = ctx;
  for (long i = 0; i < iters; i++) {
    struct iovec v = {g->buf, g->n * PAGE};
    if (vmsplice(g->pipe[1], &v, 1, 0) != (ssize_t)(g->n * PAGE)) die("vmsplice");
    if (splice(g->pipe[0], NULL, g->null, NULL, g->n * PAGE, 0) != (ssize_t)(g->n * PAGE)) die("splice");
  }
}

// ---- sleeping and waking -----------------------------------------------------

/** A pipe ping-pong between two processes on one CPU: one block + one wake-up + one switch per half. */
static double wake_switch(void) {
  int a[2], b[2];
  if (pipe(a) || pipe(b)) die("pipe");
  pin_to(cpu_list[0]);
  pid_t child = fork();
  if (child < 0) die("fork");
  char c = 0;
  if (child == 0) {
    close(a[1]);
    close(b[0]);
    while (read(a[0], &c, 1) == 1) if (write(b[1], &c, 1) != 1) break;
    _exit(0);
  }
  close(a[0]);
  close(b[1]);
  long n = quick ? 2000 : 20000;
  double v[MAX_ROUNDS];
  for (int r = 0; r < rounds; r++) {
    double t0 = now();
    for (long i = 0; i < n; i++) {
      if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1) die("ping-pong");
    }
    v[r] = (now() - t0) / (double)n / 2;
  }
  close(a[1]);
  waitpid(child, NULL, 0);
  close(b[0]);
  return median(v, rounds);
}

// ---- userfaultfd write-protect ------------------------------------------------

static const size_t PAIR_PAGES[] = {1, 16, 256};

static int uffd = -1;

static int uffd_open(void) {
  const char *why;
  uffd = uffd_new(0, &why);
  if (uffd < 0) printf("uffd_unavailable userfaultfd: %s (root, or vm.unprivileged_userfaultfd=1)\n", why);
  return uffd < 0 ? -1 : 0;
}

static void uffd_register(char *p, size_t len) {
  struct uffdio_register r = {.range = {(uintptr_t)p, len}, .mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP};
  if (ioctl(uffd, UFFDIO_REGISTER, &r)) die("UFFDIO_REGISTER");
}

static void uffd_wp(char *p, size_t len, int wp) {
  struct uffdio_writeprotect w = {.range = {(uintptr_t)p, len}, .mode = wp ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
  if (ioctl(uffd, UFFDIO_WRITEPROTECT, &w)) die("UFFDIO_WRITEPROTECT");
}

static void op_uffd_pair(void *ctx, long iters) {
  struct prot *c = ctx;
  for (long i = 0; i < iters; i++) {
    uffd_wp(c->p, c->len, 1);
    uffd_wp(c->p, c->len, 0);
  }
}

/** Write-protects a page that is write-protected already: change_protection walks to it and changes nothing, so no flush. */
static void op_uffd_again(void *ctx, long iters) {
  struct prot *c = ctx;
  for (long i = 0; i < iters; i++) uffd_wp(c->p, c->len, 1);
}

static long thread_cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

struct uffd_handler { int cow; long want; volatile long served; long cpu_ns; char *scratch; };

/** The handler native/twin runs, reduced: each write fault resolved by un-protecting, or by a copy-on-write. */
static void *uffd_handler(void *arg) {
  struct uffd_handler *h = arg;
  // Not pinned (as in native/twin): the scheduler runs it where the faulting thread blocked.
  // Pinned to another CPU, each fault costs it cross-CPU wake-ups: ~9x the CPU on a 2-vCPU VM.
  cpu_set_t all;
  CPU_ZERO(&all);
  for (int i = 0; i < ncpus; i++) CPU_SET(cpu_list[i], &all);
  sched_setaffinity(0, sizeof all, &all);
  long t0 = thread_cpu();
  struct pollfd pfd = {.fd = uffd, .events = POLLIN};
  while (h->served < h->want) {
    if (poll(&pfd, 1, -1) < 0) continue;
    struct uffd_msg m[8];
    ssize_t n = read(uffd, m, sizeof m);
    for (ssize_t i = 0; i < n / (ssize_t)sizeof m[0]; i++) {
      uintptr_t page = (uintptr_t)m[i].arg.pagefault.address & ~(PAGE - 1);
      if (h->cow) {
        copy_fn(h->scratch, (void *)page, PAGE);
        if (madvise((void *)page, PAGE, MADV_DONTNEED)) die("MADV_DONTNEED");
        struct uffdio_copy c = {.dst = page, .src = (uintptr_t)h->scratch, .len = PAGE, .mode = 0};
        if (ioctl(uffd, UFFDIO_COPY, &c)) die("UFFDIO_COPY");
      } else {
        uffd_wp((char *)page, PAGE, 0);
      }
      h->served++;
    }
  }
  h->cpu_ns = thread_cpu() - t0;
  return NULL;
}

/** Handler CPU per write fault: the main thread protects a page and stores into it, `n` times. */
static double uffd_fault_cpu(char *p, int cow, long n) {
  struct uffd_handler h = {.cow = cow, .want = n, .served = 0, .scratch = region(PAGE, 1)};
  pthread_t th;
  if (pthread_create(&th, NULL, uffd_handler, &h)) die("pthread_create");
  for (long i = 0; i < n; i++) {
    uffd_wp(p, PAGE, 1);
    ((volatile char *)p)[(i * 64) & (PAGE - 1)] = (char)i; // faults; the handler resolves it
  }
  pthread_join(th, NULL);
  munmap(h.scratch, PAGE);
  return (double)h.cpu_ns / (double)n;
}

static void calibrate_uffd(void) {
  if (uffd_open()) return;
  char name[96];
  char *r = region(1024 * PAGE, 1);
  uffd_register(r, 1024 * PAGE);
  for (int i = 0; i < 3; i++) {
    struct prot c = {r + 64 * PAGE, PAIR_PAGES[i] * PAGE};
    snprintf(name, sizeof name, "uffd_wp_pair.%zu", PAIR_PAGES[i]);
    put(name, measure(op_uffd_pair, &c));
  }
  {
    // The walk apart from the flush: a protect of a protected page is the syscall and the walk alone.
    struct prot c = {r + 64 * PAGE, PAGE}; // present (region() wrote it), so the walk reaches the PTE
    uffd_wp(c.p, PAGE, 1);
    put("uffd_wp_again.1", measure(op_uffd_again, &c));
    uffd_wp(c.p, PAGE, 0);
  }
  // The pairs as an I/O path meets them: 8 buffers in turn, each written just before (not timed), so
  // the walk's page-table and struct-page lines are cold, not hot as above.
  size_t span = 256 * PAGE;
  char *rot = region(8 * span, 1);
  uffd_register(rot, 8 * span);
  double v[MAX_ROUNDS];
  long per = quick ? 32 : 256;
  for (int s = 0; s < 3; s++) {
    size_t len = PAIR_PAGES[s] * PAGE;
    for (int k = 0; k < rounds; k++) {
      double spent = 0;
      for (long i = 0; i < per; i++) {
        char *p = rot + (size_t)(i & 7) * span;
        memset(p, (int)i, len);
        double t0 = now();
        uffd_wp(p, len, 1);
        uffd_wp(p, len, 0);
        spent += now() - t0 - timer_cost;
      }
      v[k] = spent / (double)per;
    }
    snprintf(name, sizeof name, "uffd_wp_pair_rot.%zu", PAIR_PAGES[s]);
    put(name, median(v, rounds));
  }
  munmap(rot, 8 * span);
  long n = quick ? 2000 : 20000;
  for (int cow = 0; cow < 2; cow++) {
    for (int k = 0; k < rounds; k++) v[k] = uffd_fault_cpu(r, cow, n / rounds + 1);
    put(cow ? "uffd_cow" : "uffd_fault", median(v, rounds));
  }
  close(uffd);
  munmap(r, 1024 * PAGE);
}

// ---- the calibration ---------------------------------------------------------

static const size_t COPY_SIZES[] = {4096, 65536, 1048576};

static void calibrate(void) {
  char name[96];
  put("syscall", measure(op_syscall, NULL));

  // mprotect of a sub-range of a larger mapping: the VMA is split and merged back.
  char *big = region(1024 * PAGE, 1);
  for (int i = 0; i < 3; i++) {
    struct prot c = {big + 64 * PAGE, PAIR_PAGES[i] * PAGE};
    snprintf(name, sizeof name, "mprotect_pair.%zu", PAIR_PAGES[i]);
    put(name, measure(op_mprotect_pair, &c));
  }
  // One page that is a VMA of its own (PROT_NONE neighbours never merge with it): no split.
  char *own = region(3 * PAGE, 1);
  if (mprotect(own, PAGE, PROT_NONE) || mprotect(own + 2 * PAGE, PAGE, PROT_NONE)) die("mprotect guard");
  struct prot solo = {own + PAGE, PAGE};
  put("mprotect_pair_vma.1", measure(op_mprotect_pair, &solo));

  install_handler();
  char *tp = region(2 * PAGE, 1);
  shadow = tp + PAGE;
  if (mprotect(tp, PAGE, PROT_READ)) die("mprotect trap page");
  put("trap", measure(op_trap, tp));
  if (mprotect(tp, PAGE, PROT_READ | PROT_WRITE)) die("mprotect trap page");
  put("user_cow", measure(op_user_cow, tp));

  // The same with 1..cores-1 other threads of the process running: every flush is a shootdown.
  for (int k = 1; k < ncpus; k++) {
    spin_start(k);
    for (int i = 0; i < 3; i++) {
      struct prot c = {big + 64 * PAGE, PAIR_PAGES[i] * PAGE};
      snprintf(name, sizeof name, "mprotect_pair_remote.%d.%zu", k, PAIR_PAGES[i]);
      put(name, measure(op_mprotect_pair, &c));
    }
    if (mprotect(tp, PAGE, PROT_READ)) die("mprotect trap page");
    snprintf(name, sizeof name, "trap_remote.%d", k);
    put(name, measure(op_trap, tp));
    if (mprotect(tp, PAGE, PROT_READ | PROT_WRITE)) die("mprotect trap page");
    snprintf(name, sizeof name, "user_cow_remote.%d", k);
    put(name, measure(op_user_cow, tp));
    spin_stop_all(k);
  }

  size_t fpages = quick ? 256 : 4096;
  put("fault_zero_read", fault_fresh(0, fpages));
  put("fault_anon_write", fault_fresh(1, fpages));
  put("fault_cow_fork", fault_cow_fork(quick ? 256 : 2048));

  struct gup g;
  if (pipe(g.pipe)) die("pipe");
  g.null = open("/dev/null", O_WRONLY);
  if (g.null < 0) die("/dev/null");
  g.buf = region(16 * PAGE, 1);
  for (size_t n = 1; n <= 16; n += 15) {
    g.n = n;
    snprintf(name, sizeof name, "gup_vmsplice.%zu", n);
    put(name, measure(op_gup, &g));
  }
  close(g.pipe[0]); close(g.pipe[1]); close(g.null);

  timer_cost = clock_pair();
  put("timer", timer_cost);
  size_t span = (quick ? 64UL : 256UL) << 20;
  char *csrc = region(span, 1), *cdst = region(span, 1);
  for (int i = 0; i < 3; i++) {
    size_t n = COPY_SIZES[i];
    snprintf(name, sizeof name, "memcpy_hot.%zu", n);
    put(name, copy_hot(csrc, cdst, n));
    struct copy cold = {cdst + DST_SKEW, csrc, n, span - DST_SKEW, 0};
    snprintf(name, sizeof name, "memcpy_cold.%zu", n);
    put(name, measure(op_copy_cold, &cold));
  }
  munmap(csrc, span);
  munmap(cdst, span);

  put("wake_switch", wake_switch());
  calibrate_uffd();
}

// ---- the validation: the policies emulated at user level, per I/O ------------

#define SLOTS 8

/**
 * One I/O per iteration over a ring of SLOTS buffers in one large mapping:
 * the process fills the buffer (not timed), then the timed part: wp-cow
 * write-protects it, a violating I/O has the process write one byte of its
 * middle page (SIGSEGV -> copy 4 KiB -> mprotect RW), and completion
 * unprotects; bounce copies it into a kernel-side buffer. Returns the
 * median of per-round mean ns per I/O.
 */
static double emulate(char *arena, char **bounce, size_t size, int bouncing, int violate_every) {
  size_t stride = size + PAGE; // a gap: every buffer is a sub-range of the mapping
  long ios = (long)(quick ? 64 : (size >= (1UL << 20) ? 256 : 2048));
  double v[MAX_ROUNDS];
  handler_cow = 1;
  for (int r = 0; r < rounds; r++) {
    double spent = 0;
    for (long i = 0; i < ios; i++) {
      char *buf = arena + (size_t)(i % SLOTS) * stride;
      memset(buf, (int)i, size);
      double t0 = now();
      if (bouncing) {
        copy_fn(bounce[i % SLOTS], buf, size);
      } else {
        if (mprotect(buf, size, PROT_READ)) die("mprotect RO");
        if (violate_every && i % violate_every == 0) ((volatile char *)buf)[(size / PAGE / 2) * PAGE + 7] = 1;
        if (mprotect(buf, size, PROT_READ | PROT_WRITE)) die("mprotect RW");
      }
      spent += now() - t0 - timer_cost;
    }
    v[r] = spent / (double)ios;
  }
  handler_cow = 0;
  return median(v, rounds);
}

static void validate(void) {
  install_handler();
  timer_cost = clock_pair();
  put("validate_timer", timer_cost);
  char name[96];
  size_t sizes[] = {4096, 65536, 1048576};
  size_t arena_len = SLOTS * ((1UL << 20) + PAGE);
  char *arena = region(arena_len, 1);
  char *shadow_page = region(PAGE, 1);
  shadow = shadow_page;
  char *bounce[SLOTS];
  for (int i = 0; i < SLOTS; i++) bounce[i] = region(1UL << 20, 1);
  int maxk = ncpus > 1 ? ncpus - 1 : 0;
  for (int k = 0; k <= maxk; k += maxk ? maxk : 1) {
    if (k) spin_start(k);
    for (int s = 0; s < 3; s++) {
      snprintf(name, sizeof name, "validate.wp-cow.%zu.0.%d", sizes[s], k + 1);
      put(name, emulate(arena, bounce, sizes[s], 0, 0));
      snprintf(name, sizeof name, "validate.wp-cow.%zu.1.%d", sizes[s], k + 1);
      put(name, emulate(arena, bounce, sizes[s], 0, 1));
      if (k == 0) {
        snprintf(name, sizeof name, "validate.bounce.%zu.0.%d", sizes[s], k + 1);
        put(name, emulate(arena, bounce, sizes[s], 1, 0));
      }
    }
    if (k) spin_stop_all(k);
    if (!maxk) break;
  }
}

int main(int argc, char **argv) {
  int check = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick")) quick = 1;
    else if (!strcmp(argv[i], "--validate")) check = 1;
    else {
      fprintf(stderr, "usage: calibrate [--quick] [--validate]\n");
      return 2;
    }
  }
  if (quick) { rounds = 3; round_ms = 0.5; }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE && ncpus < 1024; c++) if (CPU_ISSET(c, &set)) cpu_list[ncpus++] = c;
  }
  if (ncpus == 0) { cpu_list[0] = 0; ncpus = 1; }
  pin_to(cpu_list[0]);
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("cpus %d\n", ncpus);
  printf("trap_method %s\n", trap_method);
  if (check) validate();
  else calibrate();
  return 0;
}
