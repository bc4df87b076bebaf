/* Scalar operators with WebAssembly's semantics where C's differ (NaN
 * propagation and signed zeros in min/max, quieting NaNs in rounding,
 * saturating and range-checked float-to-int conversions, rotates). Shared by
 * the scalar interpreter and the portable SIMD lanes. Internal. */
#ifndef TEA_WASM_NUMERIC_H
#define TEA_WASM_NUMERIC_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

static inline uint32_t rotl32(uint32_t x, uint32_t k) { k &= 31; return (x << k) | (x >> ((32 - k) & 31)); }
static inline uint32_t rotr32(uint32_t x, uint32_t k) { k &= 31; return (x >> k) | (x << ((32 - k) & 31)); }
static inline uint64_t rotl64(uint64_t x, uint64_t k) { k &= 63; return (x << k) | (x >> ((64 - k) & 63)); }
static inline uint64_t rotr64(uint64_t x, uint64_t k) { k &= 63; return (x >> k) | (x << ((64 - k) & 63)); }

static inline float fmin32(float a, float b) {
  if (a != a || b != b) return a + b; /* a NaN, quieted */
  if (a == b) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static inline float fmax32(float a, float b) {
  if (a != a || b != b) return a + b;
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}
static inline double fmin64(double a, double b) {
  if (a != a || b != b) return a + b;
  if (a == b) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static inline double fmax64(double a, double b) {
  if (a != a || b != b) return a + b;
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}

/* Rounding keeps a NaN a NaN but must quiet it (the C library may not). */
static inline float round32(float x, float (*f)(float)) { return x != x ? x + x : f(x); }
static inline double round64(double x, double (*f)(double)) { return x != x ? x + x : f(x); }

/* Saturating conversions (the trapping ones check range first and use these). */
static inline int32_t sat_i32(double x) {
  if (x != x) return 0;
  if (x <= -2147483649.0) return INT32_MIN;
  if (x >= 2147483648.0) return INT32_MAX;
  return (int32_t)x;
}
static inline uint32_t sat_u32(double x) {
  if (x != x || x <= -1.0) return 0;
  if (x >= 4294967296.0) return UINT32_MAX;
  return (uint32_t)x;
}
static inline int64_t sat_i64(double x) {
  if (x != x) return 0;
  if (x < -9223372036854775808.0) return INT64_MIN;
  if (x >= 9223372036854775808.0) return INT64_MAX;
  return (int64_t)x;
}
static inline uint64_t sat_u64(double x) {
  if (x != x || x <= -1.0) return 0;
  if (x >= 18446744073709551616.0) return UINT64_MAX;
  return (uint64_t)x;
}
static inline bool in_i32(double x) { return x > -2147483649.0 && x < 2147483648.0; }
static inline bool in_u32(double x) { return x > -1.0 && x < 4294967296.0; }
static inline bool in_i64(double x) { return x >= -9223372036854775808.0 && x < 9223372036854775808.0; }
static inline bool in_u64(double x) { return x > -1.0 && x < 18446744073709551616.0; }

#endif
