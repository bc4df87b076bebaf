/* A compute kernel mixing integer and floating-point work, printing checksums
 * that must match bit for bit across engines. Only IEEE-exact operations are
 * used (+ - * / sqrt, conversions): libm's sin/exp differ between glibc and
 * wasi-libc in the last bit, these never do. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 48

static uint32_t lcg(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return *s;
}

static uint64_t bits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

int main(void) {
  static double a[N][N], b[N][N], c[N][N];
  uint32_t seed = 12345;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      a[i][j] = (double)(int32_t)lcg(&seed) / 2147483648.0;
      b[i][j] = (double)(lcg(&seed) >> 8) / 16777216.0 - 0.5;
    }
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      double s = 0;
      for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
      c[i][j] = s;
    }
  double trace = 0, norm = 0;
  for (int i = 0; i < N; i++) trace += c[i][i];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) norm += c[i][j] * c[i][j];
  norm = sqrt(norm);

  /* Single precision: a damped recurrence. */
  float x = 0.5f, y = 0.25f;
  for (int i = 0; i < 100000; i++) {
    float nx = x * 0.999f + y * 0.001f;
    y = y * 0.998f - x * 0.002f + (float)(i & 7) * 1e-4f;
    x = nx;
  }

  /* Integers: FNV-1a over a sieve, 64-bit multiply, shifts, division. */
  static unsigned char composite[200000];
  uint64_t h = 14695981039346656037ull;
  unsigned primes = 0;
  for (unsigned i = 2; i < sizeof composite; i++) {
    if (composite[i]) continue;
    primes++;
    h = (h ^ i) * 1099511628211ull;
    for (unsigned j = i * 2; j < sizeof composite; j += i) composite[j] = 1;
  }
  int64_t q = 0;
  for (int64_t i = 1; i < 5000; i++) q += (INT64_C(7919) * i * i) / (i + 3) - (i % 11);
  /* Float <-> int conversions, saturating in the range both handle exactly. */
  int32_t conv = 0;
  for (int i = 0; i < 1000; i++) conv ^= (int32_t)(c[i % N][(i * 7) % N] * 1e6);

  printf("trace %.17g\n", trace);
  printf("norm %.17g %016" PRIx64 "\n", norm, bits(norm));
  printf("f32 %.9g %.9g\n", (double)x, (double)y);
  printf("primes %u fnv %016" PRIx64 "\n", primes, h);
  printf("q %" PRId64 " conv %" PRId32 "\n", q, conv);
  uint64_t sum = bits(trace) ^ bits(norm) ^ ((uint64_t)bits((double)x) << 1) ^ h ^ (uint64_t)q;
  printf("checksum %016" PRIx64 "\n", sum);
  return 0;
}
