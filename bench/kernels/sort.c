/* Sorting: an introspective quicksort (median of three, insertion sort for small
 * ranges, heapsort fallback) of 32-bit integers, a stable bottom-up merge sort of
 * (key, index) records, and a top-down merge sort of generated strings via
 * pointers and strcmp. Each result is verified sorted (and stable where promised). */
#include "common.h"

/* ---- introsort of uint32 ---- */
static void insertion_u32(uint32_t *a, long n) {
  for (long i = 1; i < n; i++) {
    uint32_t v = a[i];
    long j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

static void sift_u32(uint32_t *a, long i, long n) {
  for (;;) {
    long l = 2 * i + 1, m = i;
    if (l < n && a[l] > a[m]) m = l;
    if (l + 1 < n && a[l + 1] > a[m]) m = l + 1;
    if (m == i) return;
    uint32_t t = a[i]; a[i] = a[m]; a[m] = t;
    i = m;
  }
}

static void heapsort_u32(uint32_t *a, long n) {
  for (long i = n / 2 - 1; i >= 0; i--) sift_u32(a, i, n);
  for (long e = n - 1; e > 0; e--) {
    uint32_t t = a[0]; a[0] = a[e]; a[e] = t;
    sift_u32(a, 0, e);
  }
}

static void introsort_u32(uint32_t *a, long n, int budget) {
  while (n > 24) {
    if (budget-- == 0) {
      heapsort_u32(a, n);
      return;
    }
    long mid = n / 2;
    /* median of three into a[mid] */
    if (a[mid] < a[0]) { uint32_t t = a[mid]; a[mid] = a[0]; a[0] = t; }
    if (a[n - 1] < a[0]) { uint32_t t = a[n - 1]; a[n - 1] = a[0]; a[0] = t; }
    if (a[n - 1] < a[mid]) { uint32_t t = a[n - 1]; a[n - 1] = a[mid]; a[mid] = t; }
    uint32_t pivot = a[mid];
    long i = -1, j = n;
    for (;;) { /* Hoare partition */
      do i++; while (a[i] < pivot);
      do j--; while (a[j] > pivot);
      if (i >= j) break;
      uint32_t t = a[i]; a[i] = a[j]; a[j] = t;
    }
    /* recurse into the smaller half, loop on the larger */
    long left = j + 1;
    if (left < n - left) {
      introsort_u32(a, left, budget);
      a += left;
      n -= left;
    } else {
      introsort_u32(a + left, n - left, budget);
      n = left;
    }
  }
  insertion_u32(a, n);
}

/* ---- stable bottom-up merge sort of records ---- */
typedef struct {
  uint16_t key;
  uint32_t idx;
} rec;

static void mergesort_rec(rec *a, rec *tmp, size_t n) {
  rec *src = a, *dst = tmp;
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) dst[k++] = src[j].key < src[i].key ? src[j++] : src[i++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    rec *t = src; src = dst; dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof(rec));
}

/* ---- top-down merge sort of strings ---- */
static void msort_str(const char **a, const char **tmp, size_t n) {
  if (n < 2) return;
  if (n <= 8) {
    for (size_t i = 1; i < n; i++) {
      const char *v = a[i];
      size_t j = i;
      while (j > 0 && strcmp(a[j - 1], v) > 0) {
        a[j] = a[j - 1];
        j--;
      }
      a[j] = v;
    }
    return;
  }
  size_t h = n / 2;
  msort_str(a, tmp, h);
  msort_str(a + h, tmp, n - h);
  if (strcmp(a[h - 1], a[h]) <= 0) return;
  memcpy(tmp, a, h * sizeof *a);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < n) a[k++] = strcmp(a[j], tmp[i]) < 0 ? a[j++] : tmp[i++];
  while (i < h) a[k++] = tmp[i++];
}

int main(int argc, char **argv) {
  int rounds = bench_scale(argc, argv, 2);
  const size_t NI = 400000, NR = 300000, NS = 60000;
  uint32_t *ints = xmalloc(NI * sizeof *ints);
  rec *recs = xmalloc(NR * sizeof *recs), *rtmp = xmalloc(NR * sizeof *rtmp);
  char *spool = xmalloc(NS * 24);
  const char **strs = xmalloc(NS * sizeof *strs), **stmp = xmalloc(NS * sizeof *stmp);
  uint64_t h = FNV64_INIT;
  rng_seed(99);
  for (int r = 0; r < rounds; r++) {
    /* integers: random, with many duplicates in every other round */
    uint32_t mask = (r & 1) ? 0xffffu : 0xffffffffu;
    for (size_t i = 0; i < NI; i++) ints[i] = (uint32_t)rng_next() & mask;
    introsort_u32(ints, (long)NI, 64);
    for (size_t i = 1; i < NI; i++)
      if (ints[i - 1] > ints[i]) bench_fail("integers not sorted");
    for (size_t i = 0; i < NI; i += 97) h = mix64(h, ints[i]);

    /* already sorted input followed by reverse: quicksort's classic bad cases */
    for (size_t i = 0; i < NI; i++) ints[i] = (uint32_t)(i < NI / 2 ? i * 3 : (NI - i) * 5);
    introsort_u32(ints, (long)NI, 64);
    for (size_t i = 1; i < NI; i++)
      if (ints[i - 1] > ints[i]) bench_fail("patterned integers not sorted");
    h = mix64(h, ints[NI / 3]);

    for (size_t i = 0; i < NR; i++) {
      recs[i].key = (uint16_t)rng_below(5000);
      recs[i].idx = (uint32_t)i;
    }
    mergesort_rec(recs, rtmp, NR);
    for (size_t i = 1; i < NR; i++)
      if (recs[i - 1].key > recs[i].key ||
          (recs[i - 1].key == recs[i].key && recs[i - 1].idx > recs[i].idx))
        bench_fail("records not stably sorted");
    for (size_t i = 0; i < NR; i += 101) h = mix64(h, (uint64_t)recs[i].key << 32 | recs[i].idx);

    for (size_t i = 0; i < NS; i++) {
      char *s = spool + i * 24;
      int len = 3 + (int)rng_below(18);
      /* few distinct first letters so comparisons go deep */
      for (int k = 0; k < len; k++) s[k] = (char)(k < 3 ? 'a' + rng_below(3) : 'a' + rng_below(26));
      s[len] = 0;
      strs[i] = s;
    }
    msort_str(strs, stmp, NS);
    for (size_t i = 1; i < NS; i++)
      if (strcmp(strs[i - 1], strs[i]) > 0) bench_fail("strings not sorted");
    for (size_t i = 0; i < NS; i += 53) h = fnv1a64(strs[i], strlen(strs[i]), h);
  }
  printf("sort rounds=%d ints=%zu recs=%zu strs=%zu hash=%016" PRIx64 "\n", rounds, NI, NR, NS, h);
  free(ints); free(recs); free(rtmp); free(spool); free(strs); free(stmp);
  return 0;
}
