// The oracle: a crc32c per 512-byte sector of the run's range, taken at
// submit over the bytes the device should write (what a stable-writes device
// checksums), and a scrub that reads every written sector back with O_DIRECT
// and counts the 4 KiB blocks holding a sector that disagrees (corruptions).
// Two writes to one sector in flight at once (clones writing one region) may
// land in either order: the sector then accepts either checksum.
#include "twin.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t table[256];
static int have_sse42;

static void crc_table(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
#if defined(__x86_64__)
  __builtin_cpu_init();
  have_sse42 = __builtin_cpu_supports("sse4.2");
#endif
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const unsigned char *p, size_t n) {
  uint64_t c = crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    c = __builtin_ia32_crc32di(c, v);
  }
  uint32_t c32 = (uint32_t)c;
  for (; n; n--) c32 = __builtin_ia32_crc32qi(c32, *p++);
  return c32;
}
#endif

uint32_t crc32c(uint32_t crc, const void *buf, size_t n) {
  const unsigned char *p = buf;
  crc = ~crc;
#if defined(__x86_64__)
  if (have_sse42) return ~crc_hw(crc, p, n);
#endif
  while (n--) crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

static uint32_t *want, *alt; // per sector: the checksum, and another that an overlapping write may have left
static uint16_t *inflight;
static uint8_t *overlap, *written;
static uint64_t nsectors;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void oracle_init(uint64_t sectors) {
  crc_table();
  nsectors = sectors;
  want = calloc(sectors, 4);
  alt = calloc(sectors, 4);
  inflight = calloc(sectors, 2);
  overlap = calloc(sectors, 1);
  written = calloc(sectors, 1);
  if (!want || !alt || !inflight || !overlap || !written) fail("oracle: calloc");
}

static uint64_t first_sector(uint64_t off) { return (off - R.target_off) / SECTOR; }

/** At submit: checksums of the bytes the device should write (the caller made them stable). */
void oracle_submit_write(struct slot *s) {
  const char *src = s->bounced ? s->bounce : s->buf;
  size_t n = s->len / SECTOR;
  for (size_t i = 0; i < n; i++) s->csum[i] = crc32c(0, src + i * SECTOR, SECTOR);
  COUNT(csum_bytes, (long)s->len);
  uint64_t f = first_sector(s->off);
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < n; i++)
    if (inflight[f + i]++ > 0) overlap[f + i] = 1;
  pthread_mutex_unlock(&lock);
}

void oracle_complete_write(struct slot *s) {
  uint64_t f = first_sector(s->off);
  size_t n = s->len / SECTOR;
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < n; i++) {
    uint64_t k = f + i;
    // Alone in flight: this checksum only. Overlapped: this one or the write completed before it.
    alt[k] = overlap[k] ? want[k] : s->csum[i];
    want[k] = s->csum[i];
    written[k] = 1;
    if (--inflight[k] == 0) overlap[k] = 0;
  }
  pthread_mutex_unlock(&lock);
}

int oracle_read_checkable(uint64_t off, size_t len) {
  uint64_t f = first_sector(off);
  int ok = 1;
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < len / SECTOR && ok; i++)
    ok = written[f + i] && !inflight[f + i] && alt[f + i] == want[f + i];
  pthread_mutex_unlock(&lock);
  return ok;
}

int oracle_read_mismatch(const char *buf, uint64_t off, size_t len, uint8_t *bad) {
  uint64_t f = first_sector(off);
  int any = 0;
  for (size_t i = 0; i < len / SECTOR; i++) {
    uint32_t c = crc32c(0, buf + i * SECTOR, SECTOR);
    bad[i] = c != want[f + i];
    any |= bad[i];
  }
  return any;
}

/** The device's region holds known data before the reads: pseudo-random, written synchronously, not timed. */
void oracle_prefill(uint64_t off, uint64_t len) {
  size_t chunk = 1UL << 20;
  char *b;
  if (posix_memalign((void **)&b, PAGE, chunk)) fail("prefill: posix_memalign");
  uint64_t r = R.seed ^ 0x9e3779b97f4a7c15ull;
  for (uint64_t at = off; at < off + len; at += chunk) {
    size_t n = (size_t)(off + len - at < chunk ? off + len - at : chunk);
    for (size_t i = 0; i < n; i += 8) {
      uint64_t v = rng_next(&r);
      memcpy(b + i, &v, 8);
    }
    if (pwrite(R.fd, b, n, (off_t)at) != (ssize_t)n) fail("prefill: pwrite");
    uint64_t f = first_sector(at);
    for (size_t i = 0; i < n / SECTOR; i++) {
      want[f + i] = alt[f + i] = crc32c(0, b + i * SECTOR, SECTOR);
      written[f + i] = 1;
    }
  }
  free(b);
}

/** verify's rewrite through the stable path: `data` is the tool's copy, checksummed and written synchronously. */
void oracle_rewrite(struct slot *s, const char *data) {
  uint64_t f = first_sector(s->off);
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < s->len / SECTOR; i++) {
    s->csum[i] = crc32c(0, data + i * SECTOR, SECTOR);
    want[f + i] = alt[f + i] = s->csum[i];
  }
  pthread_mutex_unlock(&lock);
  COUNT(csum_bytes, (long)s->len);
  if (pwrite(R.fd, data, s->len, (off_t)s->off) != (ssize_t)s->len) fail("verify: rewrite");
}

/** Reads back every written sector; returns the 4 KiB blocks with a sector matching neither checksum. */
long oracle_scrub(void) {
  size_t chunk = 1UL << 20;
  char *b;
  if (posix_memalign((void **)&b, PAGE, chunk)) fail("scrub: posix_memalign");
  long bad_blocks = 0;
  uint64_t last_bad_block = UINT64_MAX;
  for (uint64_t s = 0; s < nsectors;) {
    if (!written[s]) { s++; continue; }
    uint64_t e = s;
    while (e < nsectors && written[e] && (e - s) * SECTOR < chunk) e++;
    size_t n = (size_t)(e - s) * SECTOR;
    if (pread(R.fd, b, n, (off_t)(R.target_off + s * SECTOR)) != (ssize_t)n) fail("scrub: pread");
    for (uint64_t i = s; i < e; i++) {
      uint32_t c = crc32c(0, b + (i - s) * SECTOR, SECTOR);
      if (c == want[i] || c == alt[i]) continue;
      uint64_t block = (R.target_off + i * SECTOR) / PAGE;
      if (block != last_bad_block) bad_blocks++;
      last_bad_block = block;
    }
    s = e;
  }
  free(b);
  return bad_blocks;
}
