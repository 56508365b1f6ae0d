// A thread that changes bytes of other threads' direct-I/O buffers, as
// src/workloads/modifier-task.ts does on the Wasm core: continuously (the
// generic/761 zeroer, hot data beside 512 B buffers) whatever the buffers'
// state, or per I/O, for I/Os the submitter queued with the job's
// probability, while they are still in flight. Natively the DMA point is the
// device's: "before-dma" and "after-dma" run as "in-flight".
#include "twin.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void modifier_queue(struct thread *m, struct job *j, int slot, long io) {
  pthread_mutex_lock(&m->qlock);
  if (m->qtail - m->qhead == m->qcap) {
    long cap = m->qcap ? 2 * m->qcap : 256;
    struct queued *q = malloc((size_t)cap * sizeof *q);
    if (!q) fail("malloc");
    for (long i = m->qhead; i < m->qtail; i++) q[i - m->qhead] = m->q[i % m->qcap];
    free(m->q);
    m->q = q;
    m->qtail -= m->qhead;
    m->qhead = 0;
    m->qcap = cap;
  }
  m->q[m->qtail++ % m->qcap] = (struct queued){j, slot, io};
  pthread_cond_signal(&m->qcond);
  pthread_mutex_unlock(&m->qlock);
}

static int pop(struct thread *m, struct queued *out) {
  pthread_mutex_lock(&m->qlock);
  while (m->qhead == m->qtail && atomic_load(&R.writers) > 0) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += 1000000; // the last writer leaves without a signal: look again within 1 ms
    if (t.tv_nsec >= 1000000000) { t.tv_sec++; t.tv_nsec -= 1000000000; }
    pthread_cond_timedwait(&m->qcond, &m->qlock, &t);
  }
  int got = m->qhead != m->qtail;
  if (got) *out = m->q[m->qhead++ % m->qcap];
  pthread_mutex_unlock(&m->qlock);
  return got;
}

static void modification(struct thread *t, struct job *j, struct slot *s, size_t len) {
  const struct modify *m = &j->mod;
  int other = m->byte >= 0 ? m->byte : (s->fill + 1 + (int)rng_below(&t->rng, 255)) & 255;
  switch (m->bytes) {
  case MB_BUFFER:
    atomic_store(&s->mod_off, 0);
    atomic_store(&s->mod_len, len);
    memset(s->buf, other, len);
    break;
  case MB_RANGE: {
    size_t sectors = len / SECTOR, most = m->max / SECTOR;
    size_t n = 1 + rng_below(&t->rng, sectors < most ? sectors : most);
    size_t off = rng_below(&t->rng, sectors - n + 1) * SECTOR;
    atomic_store(&s->mod_off, off);
    atomic_store(&s->mod_len, n * SECTOR);
    memset(s->buf + off, other, n * SECTOR);
    break;
  }
  case MB_NEIGHBOUR: { // hot data in the rest of the buffer's last page
    uintptr_t end = (uintptr_t)s->buf + j->slot_len;
    uintptr_t first = (end + SECTOR - 1) & ~(SECTOR - 1), last = (end + PAGE - 1) & ~(PAGE - 1);
    uintptr_t at = first + rng_below(&t->rng, (last - first) / m->line) * m->line;
    memset((void *)at, m->byte >= 0 ? m->byte : 1 + (int)rng_below(&t->rng, 255), m->line);
    break;
  }
  }
}

/**
 * Stores into a read buffer only while its I/O is in flight, announced by
 * `modifying` (the completion waits for it to clear, then checks the data).
 */
static void guarded(struct thread *t, struct job *j, struct slot *s, long io, size_t len) {
  atomic_store(&s->modifying, 1);
  if (atomic_load(&s->state) == S_IN_FLIGHT && (io < 0 || atomic_load(&s->io) == io)) modification(t, j, s, len);
  atomic_store(&s->modifying, 0);
}

void *modifier_main(void *arg) {
  struct thread *t = arg;
  pin_cpu(t->cpu);
  extern pthread_barrier_t start;
  pthread_barrier_wait(&start);
  long c0 = thread_cpu_ns();
  if (R.threads[t->sources[0]].job->mod.when == W_CONTINUOUS) {
    while (atomic_load(&R.writers) > 0) {
      struct job *j = R.threads[t->sources[rng_below(&t->rng, (uint64_t)t->nsources)]].job;
      struct slot *s = &j->slots[rng_below(&t->rng, (uint64_t)j->qd)];
      // Writes: it stores whatever the buffer's state (generic/761). Reads: only in flight, so the check sees it.
      if (s->reading) guarded(t, j, s, -1, j->slot_len);
      else modification(t, j, s, j->slot_len);
    }
  } else {
    struct queued q;
    while (pop(t, &q)) {
      struct slot *s = &q.job->slots[q.slot];
      if (atomic_load(&s->io) != q.io || atomic_load(&s->state) != S_IN_FLIGHT) continue; // completed first
      guarded(t, q.job, s, q.io, s->len);
    }
  }
  t->cpu_ns = thread_cpu_ns() - c0;
  return NULL;
}
