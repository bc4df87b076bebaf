/* Dense linear algebra with doubles: C = A * B (i-k-j loop order, row-major), then
 * C' = C^T * A as a second product, R times over matrices filled from the PRNG.
 * The checksum hashes the exact bit patterns of the results: without fused
 * multiply-add (forbidden below) IEEE double arithmetic gives the same bits natively
 * and in wasm. */
#pragma STDC FP_CONTRACT OFF
#include "common.h"

static uint64_t dbits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

static void fill(double *m, int n) {
  for (int i = 0; i < n * n; i++) {
    /* small values with few significant bits keep sums well-conditioned */
    m[i] = (double)((int)rng_below(2001) - 1000) / 256.0;
  }
}

static void matmul(const double *restrict a, const double *restrict b, double *restrict c,
                   int n) {
  for (int i = 0; i < n; i++) {
    double *ci = c + (size_t)i * n;
    for (int j = 0; j < n; j++) ci[j] = 0.0;
    for (int k = 0; k < n; k++) {
      double aik = a[(size_t)i * n + k];
      const double *bk = b + (size_t)k * n;
      for (int j = 0; j < n; j++) ci[j] += aik * bk[j];
    }
  }
}

static void transpose(const double *restrict a, double *restrict t, int n) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) t[(size_t)j * n + i] = a[(size_t)i * n + j];
}

int main(int argc, char **argv) {
  int reps = bench_scale(argc, argv, 12);
  const int n = 256;
  size_t sz = sizeof(double) * (size_t)n * n;
  double *a = xmalloc(sz), *b = xmalloc(sz), *c = xmalloc(sz), *t = xmalloc(sz), *d = xmalloc(sz);
  uint64_t h = FNV64_INIT;
  double trace_sum = 0.0;
  rng_seed(42);
  for (int r = 0; r < reps; r++) {
    fill(a, n);
    fill(b, n);
    matmul(a, b, c, n);
    transpose(c, t, n);
    matmul(t, a, d, n);
    for (int i = 0; i < n * n; i++) h = mix64(h, dbits(c[i]) ^ (dbits(d[i]) << 1));
    for (int i = 0; i < n; i++) trace_sum += d[(size_t)i * n + i];
  }
  printf("matmul n=%d reps=%d hash=%016" PRIx64 " trace_bits=%016" PRIx64 "\n", n, reps, h,
         dbits(trace_sum));
  free(a); free(b); free(c); free(t); free(d);
  return 0;
}
