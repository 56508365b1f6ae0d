// stable-dio native: reads a run's plan on stdin (written by src/native/plan.ts),
// runs it against the target with real O_DIRECT I/O, scrubs, and prints
// "name value" lines: every counter, the CPU time of the threads the policy
// runs (submitters, which also reap, and the fault handler), the modifiers'
// CPU (the workload's, not the policy's), the wall time, and the time the
// submitters spent in the policy's own steps (bounce copies, protect, pin
// bookkeeping, un-protect, verify's read-back), timed around each step,
// and the time in what is neither the policy nor the I/O path (the fill,
// the oracle's checksums), timed the same way.
//
// Plan lines, "kind key value key value ...":
//   run policy P target PATH offset B length B seed N
//   thread cpu C                      (once per thread, in order)
//   job thread T ios N qd Q dir write|read|mixed reads F wmin B wmax B rmin B rmax B
//       seq 0|1 base B files N file_len B align B slot_len B fill -1|0..255 buf_off B stride B arena_len B
//   modify thread T by M when continuous|in-flight p F bytes buffer|range|neighbour max B line B byte -1|0..255
//   prefill off B len B
//   go
// Offsets are relative to the range the run owns (offset, length).
//   twin --probe-uffd: exit 0 if userfaultfd write-protect works here, else 3.
//   twin --parent PID: dies with the process PID that started it (SIGKILL on its death; exit 1 if it is already
//   gone), so a stable-dio killed with SIGKILL does not leave it running, holding the loop device.
// Exit: 0; 1 a failure (stderr: one line); 3 something missing (stderr: what); 4 a bad target.
#include "twin.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct counters C;
struct run R;
long clock_pair_ns;

/** The median cost of an empty timed step (two clock reads): subtracted from every timed step. */
static long clock_pair(void) {
  long v[101];
  for (int r = 0; r < 101; r++) {
    long a = mono_ns();
    v[r] = mono_ns() - a;
  }
  for (int i = 1; i < 101; i++) for (int k = i; k > 0 && v[k - 1] > v[k]; k--) { long t = v[k]; v[k] = v[k - 1]; v[k - 1] = t; }
  return v[50];
}
pthread_barrier_t start;

_Noreturn void fail(const char *what) {
  fprintf(stderr, "%s: %s\n", what, strerror(errno));
  exit(1);
}

_Noreturn void failf(const char *fmt, ...) {
  va_list a;
  va_start(a, fmt);
  vfprintf(stderr, fmt, a);
  va_end(a);
  fputc('\n', stderr);
  exit(1);
}

uint64_t rng_next(uint64_t *s) { // splitmix64
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
uint64_t rng_below(uint64_t *s, uint64_t n) { return n ? rng_next(s) % n : 0; }
double rng_unit(uint64_t *s) { return (double)(rng_next(s) >> 11) / 9007199254740992.0; }

long thread_cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}
long mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}
void pin_cpu(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  sched_setaffinity(0, sizeof s, &s); // best effort
}
int is_wp(enum policy p) { return p == P_WP_WAIT || p == P_WP_COW || p == P_WP_COW_DEGRADE; }

// ---- the plan ---------------------------------------------------------------

static char *tok[64];
static int ntok;

static const char *field(const char *key) {
  for (int i = 1; i + 1 < ntok; i += 2) if (!strcmp(tok[i], key)) return tok[i + 1];
  failf("plan: '%s' line without '%s'", tok[0], key);
}
static long long num(const char *key) { return strtoll(field(key), NULL, 10); }
static double real(const char *key) { return strtod(field(key), NULL); }

static int pick(const char *key, const char *const *names, int n) {
  const char *v = field(key);
  for (int i = 0; i < n; i++) if (!strcmp(v, names[i])) return i;
  failf("plan: %s '%s' unknown", key, v);
}

static const char *const POLICIES[] = {"direct", "bounce", "wp-wait", "wp-cow", "wp-cow-degrade", "verify"};
static const char *const DIRS[] = {"write", "read", "mixed"};
static const char *const WHEN[] = {"continuous", "in-flight"};
static const char *const BYTES[] = {"buffer", "range", "neighbour"};

struct prefill { uint64_t off, len; };
static struct prefill prefills[MAX_THREADS];
static int nprefill;
static const char *target;

static struct thread *thread_at(const char *key) {
  long t = num(key);
  if (t < 0 || t >= R.nthreads) failf("plan: thread %ld not declared", t);
  return &R.threads[t];
}

static void read_plan(void) {
  char line[4096];
  while (fgets(line, sizeof line, stdin)) {
    ntok = 0;
    for (char *p = strtok(line, " \t\n"); p && ntok < 64; p = strtok(NULL, " \t\n")) tok[ntok++] = p;
    if (!ntok) continue;
    if (!strcmp(tok[0], "go")) return;
    if (!strcmp(tok[0], "run")) {
      R.policy = (enum policy)pick("policy", POLICIES, 6);
      target = strdup(field("target"));
      R.target_off = (uint64_t)num("offset");
      R.target_len = (uint64_t)num("length");
      R.seed = (uint64_t)num("seed");
    } else if (!strcmp(tok[0], "thread")) {
      if (R.nthreads == MAX_THREADS) failf("plan: more than %d threads", MAX_THREADS);
      struct thread *t = &R.threads[R.nthreads++];
      t->cpu = (int)num("cpu");
      pthread_mutex_init(&t->qlock, NULL);
      pthread_cond_init(&t->qcond, NULL);
    } else if (!strcmp(tok[0], "job")) {
      struct thread *t = thread_at("thread");
      struct job *j = calloc(1, sizeof *j);
      if (!j) fail("calloc");
      j->tid = (int)(t - R.threads);
      j->ios = num("ios");
      j->qd = (int)num("qd");
      if (j->qd < 1 || j->qd > MAX_QD) failf("plan: qd %d", j->qd);
      j->dir = (enum dir)pick("dir", DIRS, 3);
      j->reads = real("reads");
      j->wmin = (size_t)num("wmin"); j->wmax = (size_t)num("wmax");
      j->rmin = (size_t)num("rmin"); j->rmax = (size_t)num("rmax");
      j->sequential = (int)num("seq");
      j->base = (uint64_t)num("base");
      j->files = (int)num("files");
      j->file_len = (uint64_t)num("file_len");
      j->align = (size_t)num("align");
      j->slot_len = (size_t)num("slot_len");
      j->fill = (int)num("fill");
      j->buf_off = (size_t)num("buf_off");
      j->stride = (size_t)num("stride");
      j->arena_len = (size_t)num("arena_len");
      t->job = j;
    } else if (!strcmp(tok[0], "modify")) {
      struct thread *t = thread_at("thread");
      struct thread *by = thread_at("by");
      if (!t->job || by->job) failf("plan: modify needs a job thread and a modifier without a job");
      struct modify *m = &t->job->mod;
      t->job->has_modify = 1;
      m->by = (int)(by - R.threads);
      m->when = (enum when)pick("when", WHEN, 2);
      m->p = real("p");
      m->bytes = (enum mbytes)pick("bytes", BYTES, 3);
      m->max = (size_t)num("max");
      m->line = (size_t)num("line");
      m->byte = (int)num("byte");
      by->sources[by->nsources++] = (int)(t - R.threads);
    } else if (!strcmp(tok[0], "prefill")) {
      if (nprefill == MAX_THREADS) failf("plan: too many prefills");
      prefills[nprefill++] = (struct prefill){(uint64_t)num("off"), (uint64_t)num("len")};
    } else {
      failf("plan: unknown line '%s'", tok[0]);
    }
  }
  failf("plan: no 'go' line");
}

/** Opens the target for O_DIRECT; a block device exclusively (a mounted one refuses). Exit 4 if it cannot hold the range. */
static void open_target(void) {
  struct stat st;
  if (stat(target, &st)) { fprintf(stderr, "target %s: %s\n", target, strerror(errno)); exit(4); }
  int blk = S_ISBLK(st.st_mode);
  if (!blk && !S_ISREG(st.st_mode)) { fprintf(stderr, "target %s is neither a regular file nor a block device\n", target); exit(4); }
  R.fd = open(target, O_RDWR | O_DIRECT | O_CLOEXEC | (blk ? O_EXCL : 0));
  if (R.fd < 0) {
    fprintf(stderr, "target %s: cannot open for O_DIRECT read-write%s: %s\n", target, blk ? " exclusively" : "", strerror(errno));
    exit(4);
  }
  uint64_t size = (uint64_t)st.st_size;
  if (blk && ioctl(R.fd, BLKGETSIZE64, &size)) fail("BLKGETSIZE64");
  if (R.target_off + R.target_len > size) {
    fprintf(stderr, "target %s holds %llu bytes; the run needs bytes %llu..%llu\n", target, (unsigned long long)size,
            (unsigned long long)R.target_off, (unsigned long long)(R.target_off + R.target_len));
    exit(4);
  }
}

static const char *const COUNTER_NAMES[] = {
#define COUNTER_NAME(n) #n,
  COUNTERS(COUNTER_NAME)
};

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3 && !strcmp(argv[1], "--parent")) {
    // First: the kernel kills us when the thread that forked us dies. Set after that death, it never fires:
    // a parent other than the one named means it is gone already (we were reparented), so stop here.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL)) fail("prctl(PR_SET_PDEATHSIG)");
    if (getppid() != (pid_t)strtol(argv[2], NULL, 10)) failf("the stable-dio process %s that started this program is gone", argv[2]);
  }
  if (argc == 2 && !strcmp(argv[1], "--probe-uffd")) { // can this process write-protect with userfaultfd?
    char why[256];
    if (uffd_open(why, sizeof why)) { fprintf(stderr, "%s\n", why); return 3; }
    return 0;
  }
  read_plan();
  clock_pair_ns = clock_pair();
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    for (int c = 0; c < CPU_SETSIZE && R.ncpus < 1024; c++) if (CPU_ISSET(c, &set)) R.cpus[R.ncpus++] = c;
  if (!R.ncpus) R.cpus[R.ncpus++] = 0;
  for (int t = 0; t < R.nthreads; t++) {
    R.threads[t].cpu = R.cpus[R.threads[t].cpu % R.ncpus];
    R.threads[t].rng = R.seed * 1000003ull + (uint64_t)t;
  }
  if (is_wp(R.policy)) {
    char why[256];
    if (uffd_open(why, sizeof why)) { fprintf(stderr, "%s\n", why); return 3; }
  }
  open_target();
  oracle_init(R.target_len / SECTOR);
  for (int i = 0; i < nprefill; i++) oracle_prefill(R.target_off + prefills[i].off, prefills[i].len);
  int jobs = 0;
  for (int t = 0; t < R.nthreads; t++) if (R.threads[t].job) { job_setup(R.threads[t].job); jobs++; }
  if (!jobs) failf("plan: no job");
  atomic_store(&R.writers, jobs);
  if (is_wp(R.policy)) uffd_handler_start();
  unsigned active = 0; // threads of the workload that neither submit nor modify have nothing to run
  for (int t = 0; t < R.nthreads; t++) active += R.threads[t].job || R.threads[t].nsources;
  pthread_barrier_init(&start, NULL, active + 1);
  for (int t = 0; t < R.nthreads; t++) {
    struct thread *th = &R.threads[t];
    if (!th->job && !th->nsources) continue;
    if (pthread_create(&th->th, NULL, th->job ? job_main : modifier_main, th)) fail("pthread_create");
  }
  pthread_barrier_wait(&start);
  long w0 = mono_ns();
  for (int t = 0; t < R.nthreads; t++) if (R.threads[t].job) pthread_join(R.threads[t].th, NULL);
  long wall = mono_ns() - w0;
  for (int t = 0; t < R.nthreads; t++) if (!R.threads[t].job && R.threads[t].nsources) pthread_join(R.threads[t].th, NULL);
  long handler = is_wp(R.policy) ? uffd_handler_stop() : 0;
  COUNT(corruptions, oracle_scrub());
  long submit = 0, modifier = 0, policy = 0, other = 0;
  for (int t = 0; t < R.nthreads; t++) {
    if (R.threads[t].job) policy += R.threads[t].job->policy_ns;
    if (R.threads[t].job) other += R.threads[t].job->other_ns;
    if (R.threads[t].job) submit += R.threads[t].cpu_ns;
    else modifier += R.threads[t].cpu_ns;
  }
  const _Atomic long *v = (const _Atomic long *)&C;
  for (size_t i = 0; i < sizeof COUNTER_NAMES / sizeof COUNTER_NAMES[0]; i++) printf("counter %s %ld\n", COUNTER_NAMES[i], v[i]);
  printf("cpu_ns.submit %ld\ncpu_ns.handler %ld\ncpu_ns.modifier %ld\nwall_ns %ld\n", submit, handler, modifier, wall);
  printf("policy_ns.steps %ld\nother_ns.fill_oracle %ld\n", policy, other);
  return 0;
}
