// A submitting thread: it fills a buffer slot, submits it with libaio at the
// job's queue depth, reaps its own completions, and reuses a slot only after
// its I/O completed (as src/workloads/job-task.ts does on the Wasm core).
// What the policy does at submit and at completion is here; the fault side
// of the write-protect policies is in uffd.c.
#include "twin.h"
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_IO_SECTORS 8192 // 4 MiB

void job_setup(struct job *j) {
  j->arena = mmap(NULL, j->arena_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (j->arena == MAP_FAILED) fail("mmap buffers");
  madvise(j->arena, j->arena_len, MADV_NOHUGEPAGE); // 4 KiB pages: the policies work per page
  memset(j->arena, 0, j->arena_len);               // prefaulted: no MISSING fault but the copy-on-write window's
  j->cursor = calloc((size_t)j->files, sizeof *j->cursor);
  if (!j->cursor) fail("calloc");
  size_t blen = (j->slot_len + PAGE - 1) & ~(PAGE - 1);
  for (int k = 0; k < j->qd; k++) {
    struct slot *s = &j->slots[k];
    s->buf = j->arena + j->buf_off + (size_t)k * j->stride;
    if (posix_memalign((void **)&s->bounce, PAGE, blen)) fail("posix_memalign");
    memset(s->bounce, 0, blen);
    s->csum = calloc(j->slot_len / SECTOR, sizeof *s->csum);
    if (!s->csum) fail("calloc");
  }
  if (R.policy == P_VERIFY && posix_memalign((void **)&j->verify_buf, PAGE, blen)) fail("posix_memalign");
  int r = io_setup(j->qd, &j->ctx);
  if (r) { errno = -r; fail("io_setup"); }
  if (is_wp(R.policy)) uffd_register_job(j);
}

static size_t pick_len(uint64_t *rng, size_t min, size_t max) {
  return min == max ? min : min * (1 + rng_below(rng, max / min));
}

/** A completed read: does the buffer hold what the device holds? Lost (data missing), or changed by the process after the DMA. */
static void check_read_untimed(struct slot *s);

static void check_read(struct job *j, struct slot *s) {
  STEP_BEGIN;
  check_read_untimed(s);
  OTHER_END(j);
}

static void check_read_untimed(struct slot *s) {
  static _Thread_local uint8_t bad[MAX_IO_SECTORS];
  if (!oracle_read_checkable(s->off, s->len)) { COUNT(unverified_reads, 1); return; }
  if (!oracle_read_mismatch(s->buf, s->off, s->len, bad)) return;
  size_t mo = atomic_load(&s->mod_off), ml = atomic_load(&s->mod_len);
  int outside = 0;
  for (size_t i = 0; i < s->len / SECTOR; i++)
    if (bad[i] && !(i * SECTOR >= mo && (i + 1) * SECTOR <= mo + ml)) outside = 1;
  // Bytes the modifier never stored are not the device's: the DMA went to a page the process no
  // longer maps. Where the modifier stored over the whole buffer, only the copy tells.
  if (outside || (ml >= s->len && atomic_load(&s->cowed))) COUNT(lost_reads, 1);
  else COUNT(read_verify_failures, 1);
}

/** verify: read the blocks back; on a mismatch rewrite them through a stable copy, warn once, degrade. */
static void verify_write(struct job *j, struct slot *s) {
  if (pread(R.fd, j->verify_buf, s->len, (off_t)s->off) != (ssize_t)s->len) fail("verify: pread");
  COUNT(csum_bytes, (long)s->len);
  int bad = 0;
  for (size_t i = 0; i < s->len / SECTOR && !bad; i++) bad = crc32c(0, j->verify_buf + i * SECTOR, SECTOR) != s->csum[i];
  if (!bad) return;
  COUNT(verify_failures, 1);
  if (!atomic_exchange(&R.warned, 1)) COUNT(warnings, 1);
  if (!atomic_exchange(&R.degraded, 1)) COUNT(degraded, 1);
  memcpy(j->verify_buf, s->buf, s->len);
  COUNT(bytes_rewrite, (long)s->len);
  COUNT(bytes_copied, (long)s->len);
  oracle_rewrite(s, j->verify_buf);
}

static void complete(struct job *j, struct slot *s) {
  atomic_store(&s->state, S_COMPLETING);
  if (!s->reading) oracle_complete_write(s);
  // wp-wait: the writer blocked on the read buffer stores once woken: check the data before.
  int early = s->reading && s->protected_ && R.policy == P_WP_WAIT;
  if (early) check_read(j, s);
  if (s->protected_) {
    STEP_BEGIN;
    uffd_unprotect(j, s);
    STEP_END(j);
  }
  if (s->reading) {
    while (atomic_load(&s->modifying)) sched_yield(); // a modifier mid-store finishes first
    if (s->bounced) {
      STEP_BEGIN;
      memcpy(s->buf, s->bounce, s->len);
      STEP_END(j);
      COUNT(bytes_bounced, (long)s->len);
      COUNT(bytes_copied, (long)s->len);
    }
    if (!early) check_read(j, s);
  } else if (R.policy == P_VERIFY && !s->bounced) {
    STEP_BEGIN;
    verify_write(j, s);
    STEP_END(j);
  }
  COUNT(completions, 1);
  atomic_store(&s->state, S_FREE);
}

static void reap(struct job *j, int min) {
  struct io_event ev[MAX_QD];
  int n = io_getevents(j->ctx, min, j->qd, ev, NULL);
  if (n == -EINTR) return;
  if (n < 0) { errno = -n; fail("io_getevents"); }
  for (int i = 0; i < n; i++) {
    struct slot *s = ev[i].data;
    if ((long)ev[i].res != (long)s->len) failf("an O_DIRECT %s of %zu bytes at %llu returned %ld", s->reading ? "read" : "write",
                                               s->len, (unsigned long long)s->off, (long)ev[i].res);
    complete(j, s);
  }
}

static int in_flight(struct job *j) {
  for (int k = 0; k < j->qd; k++) if (atomic_load(&j->slots[k].state) != S_FREE) return 1;
  return 0;
}

static void submit(struct job *j, struct slot *s, int reading) {
  s->reading = reading;
  atomic_store(&s->mod_off, 0);
  atomic_store(&s->mod_len, 0);
  atomic_store(&s->cowed, 0);
  // wp-cow-degrade after its first copy, verify after its first failure: the process's I/O is bounced.
  int degraded = atomic_load(&R.degraded) && (R.policy == P_WP_COW_DEGRADE || R.policy == P_VERIFY);
  s->bounced = R.policy == P_BOUNCE || degraded;
  s->protected_ = !s->bounced && is_wp(R.policy);
  atomic_store(&s->state, S_IN_FLIGHT); // before the protect: a fault on it is a fault on an in-flight buffer
  if (s->bounced) {
    COUNT(bounce_ios, 1);
    if (!reading) {
      STEP_BEGIN;
      memcpy(s->bounce, s->buf, s->len);
      STEP_END(j);
      COUNT(bytes_bounced, (long)s->len);
      COUNT(bytes_copied, (long)s->len);
    }
  } else if (s->protected_) {
    // A write is protected before its checksum. A read cannot be protected before io_submit: its pin
    // asks for write access (FOLL_WRITE) and would fault on the protection, in io_submit, on the
    // thread that reaps. It is protected once pinned (below): a store before that is not caught.
    if (!reading) {
      STEP_BEGIN;
      uffd_protect(j, s);
      STEP_END(j);
    }
    COUNT(protected_ios, 1);
  } else if (R.policy == P_VERIFY && !reading) {
    COUNT(verify_ios, 1);
  } else {
    COUNT(direct_ios, 1);
  }
  if (reading) {
    COUNT(reads, 1);
    COUNT(bytes_read, (long)s->len);
  } else {
    STEP_BEGIN;
    oracle_submit_write(s);
    OTHER_END(j);
    COUNT(writes, 1);
    COUNT(bytes_written, (long)s->len);
  }
  char *data = s->bounced ? s->bounce : s->buf;
  if (reading) io_prep_pread(&s->cb, R.fd, data, s->len, (long long)s->off);
  else io_prep_pwrite(&s->cb, R.fd, data, s->len, (long long)s->off);
  s->cb.data = s;
  struct iocb *cbs[1] = {&s->cb};
  for (;;) {
    int r = io_submit(j->ctx, 1, cbs);
    if (r == 1) break;
    if (r == -EAGAIN) { reap(j, 1); continue; }
    errno = r < 0 ? -r : EIO;
    fail("io_submit");
  }
  if (s->protected_) {
    STEP_BEGIN;
    if (reading) uffd_protect(j, s);
    uffd_pinned(j, s); // libaio pinned the pages before io_submit returned
    STEP_END(j);
  }
}

/** wp-wait: a slot sharing a page with an in-flight one would block its own submitter, who reaps: reap first. */
static void wait_shared_pages(struct job *j, struct slot *s, size_t len) {
  uintptr_t p0 = (uintptr_t)s->buf & ~(PAGE - 1), p1 = ((uintptr_t)s->buf + len + PAGE - 1) & ~(PAGE - 1);
  for (int k = 0; k < j->qd; k++) {
    struct slot *o = &j->slots[k];
    while (atomic_load(&o->wp_live) && (uintptr_t)o->buf < p1 && (uintptr_t)o->buf + o->len > p0) reap(j, 1);
  }
}

void *job_main(void *arg) {
  struct thread *t = arg;
  struct job *j = t->job;
  pin_cpu(t->cpu);
  extern pthread_barrier_t start;
  pthread_barrier_wait(&start);
  long c0 = thread_cpu_ns();
  uint64_t places = (j->file_len - j->slot_len) / j->align + 1;
  for (long i = 0; i < j->ios; i++) {
    int k = (int)(i % j->qd);
    struct slot *s = &j->slots[k];
    while (atomic_load(&s->state) != S_FREE) reap(j, 1);
    int file = (int)(i % j->files);
    uint64_t place = j->sequential ? 0 : rng_below(&t->rng, places);
    int reading = j->dir == D_READ || (j->dir == D_MIXED && rng_unit(&t->rng) < j->reads);
    size_t len = reading ? pick_len(&t->rng, j->rmin, j->rmax) : pick_len(&t->rng, j->wmin, j->wmax);
    uint64_t off = place * j->align;
    if (j->sequential) {
      if (j->cursor[file] + len > j->file_len) j->cursor[file] = 0;
      off = j->cursor[file];
      j->cursor[file] += len;
    }
    if (R.policy == P_WP_WAIT && j->align < PAGE) wait_shared_pages(j, s, len);
    s->len = len;
    s->off = R.target_off + j->base + (uint64_t)file * j->file_len + off;
    atomic_store(&s->io, i);
    if (!reading) {
      s->fill = (uint8_t)(j->fill >= 0 ? j->fill : 1 + (int)rng_below(&t->rng, 255));
      STEP_BEGIN;
      memset(s->buf, s->fill, len);
      OTHER_END(j);
    } else {
      s->fill = 0;
    }
    submit(j, s, reading);
    if (j->has_modify && j->mod.when == W_IN_FLIGHT && rng_unit(&t->rng) < j->mod.p)
      modifier_queue(&R.threads[j->mod.by], j, k, i);
  }
  while (in_flight(j)) reap(j, 1);
  t->cpu_ns = thread_cpu_ns() - c0;
  atomic_fetch_sub(&R.writers, 1);
  return NULL;
}
