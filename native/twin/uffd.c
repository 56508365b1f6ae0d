// The write-protect policies at user level, as the kernel would do them:
// the job's buffers are registered with userfaultfd (WP and MISSING); a
// write I/O's pages are write-protected (UFFDIO_WRITEPROTECT) before its
// checksum and un-protected when the last I/O covering them completes.
// A handler thread serves the faults:
//   wp-wait: the writer stays blocked; the un-protect at completion wakes it.
//   wp-cow:  once the I/O's pages are pinned (io_submit returned), copy the
//            page, drop it (MADV_DONTNEED: the pin keeps it alive for the
//            DMA), install the copy writable (UFFDIO_COPY, which wakes the
//            writer). Never un-protect: the store would land in the pinned page.
// A touch between the drop and the install is a MISSING fault: by the time
// the handler reads it the copy is in, so it only wakes.
#include "twin.h"
#include "../uffd-new.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int uffd = -1, stopfd = -1;
static pthread_t handler;
static pthread_mutex_t plock = PTHREAD_MUTEX_INITIALIZER; // wp_live of every slot, against the handler
static pthread_cond_t pinned_cond = PTHREAD_COND_INITIALIZER; // the handler waits for a pin on it
static int pin_waiter;
static char *scratch;
static long handler_cpu;

int uffd_open(char *why, size_t n) {
  const char *err;
  // The exact address (not the page's): a fault beside an in-flight buffer is a false positive.
  uffd = uffd_new(UFFD_FEATURE_EXACT_ADDRESS, &err);
  if (uffd < 0) {
    snprintf(why, n, "userfaultfd (the syscall and /dev/userfaultfd: %s)", err);
    return -1;
  }
  if (posix_memalign((void **)&scratch, PAGE, PAGE)) fail("posix_memalign");
  return 0;
}

void uffd_register_job(struct job *j) {
  struct uffdio_register reg = {
    .range = {.start = (uintptr_t)j->arena, .len = j->arena_len},
    .mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP,
  };
  if (ioctl(uffd, UFFDIO_REGISTER, &reg)) fail("UFFDIO_REGISTER");
  if (!(reg.ioctls & (1ULL << _UFFDIO_WRITEPROTECT))) failf("UFFDIO_WRITEPROTECT is not offered on the buffers");
}

static void writeprotect(char *at, size_t pages, int wp) {
  struct uffdio_writeprotect w = {
    .range = {.start = (uintptr_t)at, .len = pages * PAGE},
    .mode = wp ? UFFDIO_WRITEPROTECT_MODE_WP : 0, // un-protect wakes the writers waiting on the range
  };
  while (ioctl(uffd, UFFDIO_WRITEPROTECT, &w)) {
    if (errno != EAGAIN) fail("UFFDIO_WRITEPROTECT");
  }
  COUNT(pte_flips, (long)pages);
}

static void wake(uintptr_t page) {
  struct uffdio_range r = {.start = page, .len = PAGE};
  if (ioctl(uffd, UFFDIO_WAKE, &r)) fail("UFFDIO_WAKE");
}

static uintptr_t first_page(const struct slot *s) { return (uintptr_t)s->buf & ~(PAGE - 1); }
static uintptr_t end_page(const struct slot *s) { return ((uintptr_t)s->buf + s->len + PAGE - 1) & ~(PAGE - 1); }
static int covers(const struct slot *s, uintptr_t page) { return page >= first_page(s) && page < end_page(s); }

void uffd_protect(struct job *j, struct slot *s) {
  (void)j;
  atomic_store(&s->pinned, 0);
  atomic_store(&s->wp_live, 1);
  writeprotect((char *)first_page(s), (end_page(s) - first_page(s)) / PAGE, 1);
}

/** io_submit returned: libaio has pinned the pages, so a fault on them may now copy. */
void uffd_pinned(struct job *j, struct slot *s) {
  (void)j;
  pthread_mutex_lock(&plock);
  atomic_store(&s->pinned, 1);
  if (pin_waiter) pthread_cond_broadcast(&pinned_cond);
  pthread_mutex_unlock(&plock);
}

/** Completion: pages no other in-flight I/O covers are un-protected (and their waiting writers woken). */
void uffd_unprotect(struct job *j, struct slot *s) {
  uintptr_t p0 = first_page(s), p1 = end_page(s);
  uintptr_t keep0 = p1, keep1 = p0; // pages another protected I/O still covers (buffers sharing pages: the ends)
  pthread_mutex_lock(&plock);
  atomic_store(&s->wp_live, 0);
  for (int k = 0; k < j->qd; k++) {
    struct slot *o = &j->slots[k];
    if (o == s || !atomic_load(&o->wp_live) || first_page(o) >= p1 || end_page(o) <= p0) continue;
    uintptr_t a = first_page(o) > p0 ? first_page(o) : p0, b = end_page(o) < p1 ? end_page(o) : p1;
    if (a < keep0) keep0 = a;
    if (b > keep1) keep1 = b;
  }
  pthread_mutex_unlock(&plock);
  if (keep0 >= keep1) {
    writeprotect((char *)p0, (p1 - p0) / PAGE, 0);
    return;
  }
  if (keep0 > p0) writeprotect((char *)p0, (keep0 - p0) / PAGE, 0);
  if (keep1 < p1) writeprotect((char *)keep1, (p1 - keep1) / PAGE, 0);
}

static struct job *job_of(uintptr_t a) {
  for (int t = 0; t < R.nthreads; t++) {
    struct job *j = R.threads[t].job;
    if (j && a >= (uintptr_t)j->arena && a < (uintptr_t)j->arena + j->arena_len) return j;
  }
  return NULL;
}

/** The fault hit bytes of an in-flight buffer (else it hit data beside one on a protected page: a false positive). */
static int in_flight_buffer(struct job *j, uintptr_t a) {
  for (int k = 0; k < j->qd; k++) {
    struct slot *s = &j->slots[k];
    if (atomic_load(&s->wp_live) && a >= (uintptr_t)s->buf && a < (uintptr_t)s->buf + s->len) return 1;
  }
  return 0;
}

/** Of the I/Os that protect the page: how many, and how many are not pinned yet. Reads they are marked copied. */
static int protecting(struct job *j, uintptr_t page, int *unpinned, int cowed) {
  int n = 0;
  *unpinned = 0;
  for (int k = 0; k < j->qd; k++) {
    struct slot *s = &j->slots[k];
    if (!atomic_load(&s->wp_live) || !covers(s, page)) continue;
    n++;
    *unpinned += !atomic_load(&s->pinned);
    if (cowed && s->reading) atomic_store(&s->cowed, 1);
  }
  return n;
}

static void copy_on_write(uintptr_t page) {
  memcpy(scratch, (void *)page, PAGE);
  if (madvise((void *)page, PAGE, MADV_DONTNEED)) fail("MADV_DONTNEED");
  struct uffdio_copy c = {.dst = page, .src = (uintptr_t)scratch, .len = PAGE, .mode = 0};
  while (ioctl(uffd, UFFDIO_COPY, &c)) {
    if (errno != EAGAIN) fail("UFFDIO_COPY");
    c.copy = 0;
  }
  COUNT(cow_copies, 1);
  COUNT(bytes_cow, (long)PAGE);
  COUNT(bytes_copied, (long)PAGE);
  if (!atomic_exchange(&R.warned, 1)) COUNT(warnings, 1); // once per process
  if (R.policy == P_WP_COW_DEGRADE && !atomic_exchange(&R.degraded, 1)) COUNT(degraded, 1);
}

static void write_fault(uintptr_t a) {
  COUNT(faults, 1);
  uintptr_t page = a & ~(PAGE - 1);
  struct job *j = job_of(a);
  if (!j) failf("write fault at %#lx outside every buffer", (unsigned long)a);
  int unpinned;
  pthread_mutex_lock(&plock);
  if (!protecting(j, page, &unpinned, 0)) { // its I/O completed: the un-protect woke (or will wake) the writer
    pthread_mutex_unlock(&plock);
    wake(page);
    return;
  }
  if (!in_flight_buffer(j, a)) COUNT(false_positives, 1);
  if (R.policy == P_WP_WAIT) { // blocked until the completion's un-protect
    COUNT(stalls, 1);
    pthread_mutex_unlock(&plock);
    return;
  }
  // A fault before the pages are pinned waits until they are: the I/O, not
  // yet pinned, would pin whatever is mapped when it gets there, which after
  // a copy is the page the process goes on writing.
  int waited = 0;
  while (unpinned) {
    waited = 1;
    pin_waiter = 1;
    pthread_cond_wait(&pinned_cond, &plock); // uffd_pinned() signals once io_submit returned
    pin_waiter = 0;
    if (!protecting(j, page, &unpinned, 0)) {
      pthread_mutex_unlock(&plock);
      wake(page);
      return;
    }
  }
  if (waited) COUNT(pin_waits, 1);
  copy_on_write(page);
  protecting(j, page, &unpinned, 1);
  pthread_mutex_unlock(&plock);
}

static void missing_fault(uintptr_t a) {
  COUNT(demand_faults, 1);
  struct uffdio_zeropage z = {.range = {.start = a & ~(PAGE - 1), .len = PAGE}, .mode = 0};
  // The page is the copy just installed (EEXIST): only wake. A page never there gets zeros (never in our buffers).
  if (ioctl(uffd, UFFDIO_ZEROPAGE, &z) && errno == EEXIST) wake(a & ~(PAGE - 1));
}

static void *handler_main(void *arg) {
  (void)arg;
  // Not pinned: the scheduler runs it where the faulting thread blocked. Pinned to another
  // CPU, every fault costs it cross-CPU wake-ups (~9x the CPU on a 2-vCPU VM).
  long t0 = thread_cpu_ns();
  struct pollfd fds[2] = {{.fd = uffd, .events = POLLIN}, {.fd = stopfd, .events = POLLIN}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      fail("poll");
    }
    if (fds[0].revents & POLLIN) {
      struct uffd_msg m[16];
      ssize_t n = read(uffd, m, sizeof m);
      if (n < 0) {
        if (errno == EAGAIN) continue;
        fail("read userfaultfd");
      }
      for (ssize_t i = 0; i < n / (ssize_t)sizeof m[0]; i++) {
        if (m[i].event != UFFD_EVENT_PAGEFAULT) continue;
        uintptr_t a = (uintptr_t)m[i].arg.pagefault.address;
        if (m[i].arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) write_fault(a);
        else missing_fault(a);
      }
      continue;
    }
    if (fds[1].revents & POLLIN) break;
  }
  handler_cpu = thread_cpu_ns() - t0;
  return NULL;
}

void uffd_handler_start(void) {
  stopfd = eventfd(0, EFD_CLOEXEC);
  if (stopfd < 0) fail("eventfd");
  if (pthread_create(&handler, NULL, handler_main, NULL)) fail("pthread_create handler");
}

long uffd_handler_stop(void) {
  uint64_t one = 1;
  if (write(stopfd, &one, sizeof one) != sizeof one) fail("eventfd write");
  pthread_join(handler, NULL);
  close(stopfd);
  close(uffd); // the registrations go with it
  return handler_cpu;
}
