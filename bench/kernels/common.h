/* Shared helpers for the tea benchmark kernels: a deterministic PRNG, hashing for
 * checksums, checked allocation and the optional scale argument. Every kernel is a
 * single C file that includes only this header and libc, and builds the same way
 * natively and for wasm32-wasi. Kernels print integers only (no floats), so the
 * output is byte-identical on every platform. */
#ifndef TEA_BENCH_COMMON_H
#define TEA_BENCH_COMMON_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64: tiny, fast, and identical everywhere. */
static uint64_t bench_rng_state = 0x243f6a8885a308d3ULL;

static inline void rng_seed(uint64_t s) { bench_rng_state = s; }

static inline uint64_t rng_next(void) {
  uint64_t z = (bench_rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Uniform in [0, n) without division (Lemire's multiply-shift, n < 2^32). */
static inline uint32_t rng_below(uint32_t n) {
  return (uint32_t)(((rng_next() >> 32) * (uint64_t)n) >> 32);
}

/* Order-dependent 64-bit mixing for checksums. */
static inline uint64_t mix64(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdULL;
  return h ^ (h >> 33);
}

static inline uint64_t fnv1a64(const void *data, size_t n, uint64_t h) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

#define FNV64_INIT 0xcbf29ce484222325ULL

static inline void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "out of memory (%zu bytes)\n", n);
    exit(2);
  }
  return p;
}

static inline void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) {
    fprintf(stderr, "out of memory (%zu x %zu bytes)\n", n, size);
    exit(2);
  }
  return p;
}

/* The optional first argument scales the work (repetitions); defaults are tuned for
 * about 0.1 s natively. */
static inline int bench_scale(int argc, char **argv, int dflt) {
  if (argc > 1) {
    long v = strtol(argv[1], NULL, 10);
    if (v < 1 || v > 1000000) {
      fprintf(stderr, "usage: %s [SCALE]  (1..1000000)\n", argv[0]);
      exit(2);
    }
    return (int)v;
  }
  return dflt;
}

static inline void bench_fail(const char *what) {
  fprintf(stderr, "FAILED: %s\n", what);
  exit(1);
}

#endif
