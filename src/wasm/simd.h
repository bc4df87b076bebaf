/* SIMD lane operations for the interpreter (the 0xFD instructions of
 * ops.h). Internal; included once, by interp.c.
 *
 * A v128 lives in two consecutive frame slots holding its 16 bytes in
 * WebAssembly order: byte i is the byte v128.store would write at offset i,
 * so lane k of an N-byte shape is bytes [k*N, k*N+N) read little-endian.
 * Loads, stores, lane loads/stores and shuffles are therefore byte copies on
 * every host. Arithmetic sees the value as a tea_v128 union of lane arrays;
 * on a big-endian host those arrays are in the wrong byte order, so every
 * lane-wise operation brackets its work with v_fix(v, lane bytes), which
 * swaps each lane to native order and back (a no-op on little-endian hosts,
 * where it compiles to nothing).
 *
 * Two implementations of each operation, selected at build time:
 *   vector    GCC/Clang vector extensions (__attribute__((vector_size(16)))),
 *             plus SSE2/SSSE3/SSE4.1 intrinsics (x86-64) or NEON intrinsics
 *             (aarch64) where the extensions cannot express the operation
 *             well. Used on little-endian GCC/Clang targets with vectors.
 *   portable  plain C loops over the lanes; what big-endian and other hosts
 *             run, and what -DTEA_SIMD_PORTABLE forces so the spec suite can
 *             check both (tests/spec builds spec_run_simd_portable).
 * Both give bit-identical results for every input the spec defines exactly.
 * Where the spec leaves a NaN's bits open (float arithmetic), both give what
 * the CPU's scalar/vector float units give (the same IEEE operation), and
 * deterministic mode canonicalizes them anyway (CANON_F32X4/F64X2). */
#ifndef TEA_WASM_SIMD_H
#define TEA_WASM_SIMD_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tea/wasm.h"
#include "wasm/numeric.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define TEA_SIMD_BE 1
#else
#define TEA_SIMD_BE 0
#endif

#if !defined(TEA_SIMD_PORTABLE) && (defined(__GNUC__) || defined(__clang__)) && !TEA_SIMD_BE && \
    (defined(__SSE2__) || defined(__ARM_NEON) || defined(__aarch64__))
#define TEA_SIMD_VECTOR 1
#else
#define TEA_SIMD_VECTOR 0
#endif

#if TEA_SIMD_VECTOR && defined(__SSE2__)
#include <emmintrin.h>
#define TEA_SIMD_SSE2 1
#else
#define TEA_SIMD_SSE2 0
#endif
#if TEA_SIMD_SSE2 && defined(__SSSE3__)
#include <tmmintrin.h>
#define TEA_SIMD_SSSE3 1
#else
#define TEA_SIMD_SSSE3 0
#endif
#if TEA_SIMD_SSE2 && defined(__SSE4_1__)
#include <smmintrin.h>
#define TEA_SIMD_SSE41 1
#else
#define TEA_SIMD_SSE41 0
#endif

#if TEA_SIMD_VECTOR && defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#define TEA_SIMD_NEON 1
#else
#define TEA_SIMD_NEON 0
#endif

#if TEA_SIMD_VECTOR
typedef uint8_t tea_vu8 __attribute__((vector_size(16)));
typedef int8_t tea_vi8 __attribute__((vector_size(16)));
typedef uint16_t tea_vu16 __attribute__((vector_size(16)));
typedef int16_t tea_vi16 __attribute__((vector_size(16)));
typedef uint32_t tea_vu32 __attribute__((vector_size(16)));
typedef int32_t tea_vi32 __attribute__((vector_size(16)));
typedef uint64_t tea_vu64 __attribute__((vector_size(16)));
typedef int64_t tea_vi64 __attribute__((vector_size(16)));
typedef float tea_vf32 __attribute__((vector_size(16)));
typedef double tea_vf64 __attribute__((vector_size(16)));
#endif

typedef union tea_v128 {
  uint8_t u8[16];
  int8_t i8[16];
  uint16_t u16[8];
  int16_t i16[8];
  uint32_t u32[4];
  int32_t i32[4];
  uint64_t u64[2];
  int64_t i64[2];
  float f32[4];
  double f64[2];
#if TEA_SIMD_VECTOR
  tea_vu8 vu8;
  tea_vi8 vi8;
  tea_vu16 vu16;
  tea_vi16 vi16;
  tea_vu32 vu32;
  tea_vi32 vi32;
  tea_vu64 vu64;
  tea_vi64 vi64;
  tea_vf32 vf32;
  tea_vf64 vf64;
#endif
#if TEA_SIMD_SSE2
  __m128i m;
  __m128 mf;
  __m128d md;
#endif
#if TEA_SIMD_NEON
  int8x16_t ns8;
  uint8x16_t nu8;
  int16x8_t ns16;
  uint16x8_t nu16;
  int32x4_t ns32;
  uint32x4_t nu32;
  int64x2_t ns64;
  uint64x2_t nu64;
  float32x4_t nf32;
  float64x2_t nf64;
#endif
} tea_v128;

/* Choose the vector body or the portable one (the unused one is dropped by
 * the preprocessor, so it may name things that do not exist there). */
#if TEA_SIMD_VECTOR
#define VEC(v, p) v
#else
#define VEC(v, p) p
#endif
#if TEA_SIMD_SSE2
#define SSE2(v, p) v
#else
#define SSE2(v, p) p
#endif
#if TEA_SIMD_SSSE3
#define SSSE3(v, p) v
#else
#define SSSE3(v, p) p
#endif
#if TEA_SIMD_SSE41
#define SSE41(v, p) v
#else
#define SSE41(v, p) p
#endif
#if TEA_SIMD_NEON
#define NEON(v, p) v
#else
#define NEON(v, p) p
#endif

/* Lanes of w bytes between WebAssembly (little-endian) and native order. */
static inline void v_fix(tea_v128 *v, int w) {
#if TEA_SIMD_BE
  for (int i = 0; i < 16; i += w)
    for (int j = 0; j < w / 2; j++) {
      uint8_t t = v->u8[i + j];
      v->u8[i + j] = v->u8[i + w - 1 - j];
      v->u8[i + w - 1 - j] = t;
    }
#else
  (void)v;
  (void)w;
#endif
}

static inline tea_v128 v_get(const tea_wasm_slot *s) {
  tea_v128 v;
  memcpy(&v, s, 16);
  return v;
}
static inline void v_put(tea_wasm_slot *s, const tea_v128 *v) { memcpy(s, v, 16); }

/* ---- scalar helpers with WebAssembly semantics ------------------------------ */

static inline int32_t s_clamp(int32_t x, int32_t lo, int32_t hi) { return x < lo ? lo : x > hi ? hi : x; }

/* ---- definition helpers ------------------------------------------------------ */

/* (variadic: a body may contain commas) */
#define DEF_UN(NAME, ...) \
  static inline void simd_##NAME(tea_v128 *r, const tea_v128 *x) { __VA_ARGS__ }
#define DEF_BIN(NAME, ...) \
  static inline void simd_##NAME(tea_v128 *r, const tea_v128 *x, const tea_v128 *y) { __VA_ARGS__ }
#define DEF_SHIFT(NAME, ...) \
  static inline void simd_##NAME(tea_v128 *r, const tea_v128 *x, uint32_t s) { __VA_ARGS__ }
#define DEF_TEST(NAME, ...) \
  static inline uint32_t simd_##NAME(const tea_v128 *x) { __VA_ARGS__ }

/* lane-wise loops: a (and b) are lane values of type CT in native order */
#define MAP1(CT, M, N, W, EXPR)                  \
  {                                              \
    tea_v128 x_ = *x;                            \
    v_fix(&x_, W);                               \
    for (int i = 0; i < N; i++) {                \
      CT a = x_.M[i];                            \
      r->M[i] = (EXPR);                          \
    }                                            \
    v_fix(r, W);                                 \
  }
#define MAP2(CT, M, N, W, EXPR)                  \
  {                                              \
    tea_v128 x_ = *x, y_ = *y;                   \
    v_fix(&x_, W);                               \
    v_fix(&y_, W);                               \
    for (int i = 0; i < N; i++) {                \
      CT a = x_.M[i], b = y_.M[i];               \
      r->M[i] = (EXPR);                          \
    }                                            \
    v_fix(r, W);                                 \
  }
/* comparison: COND on lanes of CT, result lanes all ones or zero in UM */
#define CMP2(CT, M, UM, UT, N, W, COND)           \
  {                                              \
    tea_v128 x_ = *x, y_ = *y;                   \
    v_fix(&x_, W);                               \
    v_fix(&y_, W);                               \
    for (int i = 0; i < N; i++) {                \
      CT a = x_.M[i], b = y_.M[i];               \
      r->UM[i] = (COND) ? (UT)~(UT)0 : (UT)0;    \
    }                                            \
  }
/* shift counts are taken modulo the lane width */
#define SHIFT(CT, M, N, W, OP)                   \
  {                                              \
    tea_v128 x_ = *x;                            \
    v_fix(&x_, W);                               \
    unsigned n_ = s & (W * 8 - 1);               \
    for (int i = 0; i < N; i++) r->M[i] = (CT)(x_.M[i] OP n_); \
    v_fix(r, W);                                 \
  }

/* ---- bitwise ---------------------------------------------------------------- */

DEF_UN(V128_NOT, VEC(r->vu64 = ~x->vu64;, for (int i = 0; i < 2; i++) r->u64[i] = ~x->u64[i];))
DEF_BIN(V128_AND, VEC(r->vu64 = x->vu64 & y->vu64;, for (int i = 0; i < 2; i++) r->u64[i] = x->u64[i] & y->u64[i];))
DEF_BIN(V128_ANDNOT, VEC(r->vu64 = x->vu64 & ~y->vu64;, for (int i = 0; i < 2; i++) r->u64[i] = x->u64[i] & ~y->u64[i];))
DEF_BIN(V128_OR, VEC(r->vu64 = x->vu64 | y->vu64;, for (int i = 0; i < 2; i++) r->u64[i] = x->u64[i] | y->u64[i];))
DEF_BIN(V128_XOR, VEC(r->vu64 = x->vu64 ^ y->vu64;, for (int i = 0; i < 2; i++) r->u64[i] = x->u64[i] ^ y->u64[i];))
static inline void simd_V128_BITSELECT(tea_v128 *r, const tea_v128 *x, const tea_v128 *y,
                                       const tea_v128 *c) {
  VEC(r->vu64 = (x->vu64 & c->vu64) | (y->vu64 & ~c->vu64);,
      for (int i = 0; i < 2; i++) r->u64[i] = (x->u64[i] & c->u64[i]) | (y->u64[i] & ~c->u64[i]);)
}
#if TEA_SIMD_NEON
DEF_TEST(V128_ANY_TRUE, return vmaxvq_u32(x->nu32) != 0;)
#else
DEF_TEST(V128_ANY_TRUE,
         SSE2(return _mm_movemask_epi8(_mm_cmpeq_epi8(x->m, _mm_setzero_si128())) != 0xffff;,
              return (x->u64[0] | x->u64[1]) != 0;))
#endif

/* ---- integer lanes ------------------------------------------------------------ */

/* i8x16 */
DEF_UN(I8X16_ABS, SSSE3(r->m = _mm_abs_epi8(x->m);, NEON(r->ns8 = vabsq_s8(x->ns8);, MAP1(int8_t, u8, 16, 1, (uint8_t)(a < 0 ? 0u - (uint8_t)a : (uint8_t)a)))))
DEF_UN(I8X16_NEG, VEC(r->vu8 = -x->vu8;, MAP1(uint8_t, u8, 16, 1, (uint8_t)(0u - a))))
/* bit tricks rather than __builtin_popcount: portable to any compiler, and
   vectorizable */
static inline uint8_t s_pop8(uint8_t x) {
  x = (uint8_t)(x - ((x >> 1) & 0x55));
  x = (uint8_t)((x & 0x33) + ((x >> 2) & 0x33));
  return (uint8_t)((x + (x >> 4)) & 0x0f);
}
DEF_UN(I8X16_POPCNT, NEON(r->nu8 = vcntq_u8(x->nu8);, MAP1(uint8_t, u8, 16, 1, s_pop8(a))))
DEF_BIN(I8X16_ADD, VEC(r->vu8 = x->vu8 + y->vu8;, MAP2(uint8_t, u8, 16, 1, (uint8_t)(a + b))))
DEF_BIN(I8X16_SUB, VEC(r->vu8 = x->vu8 - y->vu8;, MAP2(uint8_t, u8, 16, 1, (uint8_t)(a - b))))
DEF_BIN(I8X16_ADD_SAT_S, SSE2(r->m = _mm_adds_epi8(x->m, y->m);, NEON(r->ns8 = vqaddq_s8(x->ns8, y->ns8);, MAP2(int8_t, i8, 16, 1, (int8_t)s_clamp(a + b, -128, 127)))))
DEF_BIN(I8X16_ADD_SAT_U, SSE2(r->m = _mm_adds_epu8(x->m, y->m);, NEON(r->nu8 = vqaddq_u8(x->nu8, y->nu8);, MAP2(uint8_t, u8, 16, 1, (uint8_t)s_clamp(a + b, 0, 255)))))
DEF_BIN(I8X16_SUB_SAT_S, SSE2(r->m = _mm_subs_epi8(x->m, y->m);, NEON(r->ns8 = vqsubq_s8(x->ns8, y->ns8);, MAP2(int8_t, i8, 16, 1, (int8_t)s_clamp(a - b, -128, 127)))))
DEF_BIN(I8X16_SUB_SAT_U, SSE2(r->m = _mm_subs_epu8(x->m, y->m);, NEON(r->nu8 = vqsubq_u8(x->nu8, y->nu8);, MAP2(uint8_t, u8, 16, 1, (uint8_t)s_clamp(a - b, 0, 255)))))
DEF_BIN(I8X16_MIN_S, SSE41(r->m = _mm_min_epi8(x->m, y->m);, NEON(r->ns8 = vminq_s8(x->ns8, y->ns8);, MAP2(int8_t, i8, 16, 1, a < b ? a : b))))
DEF_BIN(I8X16_MIN_U, SSE2(r->m = _mm_min_epu8(x->m, y->m);, NEON(r->nu8 = vminq_u8(x->nu8, y->nu8);, MAP2(uint8_t, u8, 16, 1, a < b ? a : b))))
DEF_BIN(I8X16_MAX_S, SSE41(r->m = _mm_max_epi8(x->m, y->m);, NEON(r->ns8 = vmaxq_s8(x->ns8, y->ns8);, MAP2(int8_t, i8, 16, 1, a > b ? a : b))))
DEF_BIN(I8X16_MAX_U, SSE2(r->m = _mm_max_epu8(x->m, y->m);, NEON(r->nu8 = vmaxq_u8(x->nu8, y->nu8);, MAP2(uint8_t, u8, 16, 1, a > b ? a : b))))
DEF_BIN(I8X16_AVGR_U, SSE2(r->m = _mm_avg_epu8(x->m, y->m);, NEON(r->nu8 = vrhaddq_u8(x->nu8, y->nu8);, MAP2(uint8_t, u8, 16, 1, (uint8_t)((a + b + 1u) >> 1)))))
DEF_SHIFT(I8X16_SHL, VEC(r->vu8 = x->vu8 << (int)(s & 7);, SHIFT(uint8_t, u8, 16, 1, <<)))
DEF_SHIFT(I8X16_SHR_S, VEC(r->vi8 = x->vi8 >> (int)(s & 7);, SHIFT(int8_t, i8, 16, 1, >>)))
DEF_SHIFT(I8X16_SHR_U, VEC(r->vu8 = x->vu8 >> (int)(s & 7);, SHIFT(uint8_t, u8, 16, 1, >>)))

/* i16x8 */
DEF_UN(I16X8_ABS, SSSE3(r->m = _mm_abs_epi16(x->m);, NEON(r->ns16 = vabsq_s16(x->ns16);, MAP1(int16_t, u16, 8, 2, (uint16_t)(a < 0 ? 0u - (uint16_t)a : (uint16_t)a)))))
DEF_UN(I16X8_NEG, VEC(r->vu16 = -x->vu16;, MAP1(uint16_t, u16, 8, 2, (uint16_t)(0u - a))))
DEF_BIN(I16X8_ADD, VEC(r->vu16 = x->vu16 + y->vu16;, MAP2(uint16_t, u16, 8, 2, (uint16_t)(a + b))))
DEF_BIN(I16X8_SUB, VEC(r->vu16 = x->vu16 - y->vu16;, MAP2(uint16_t, u16, 8, 2, (uint16_t)(a - b))))
DEF_BIN(I16X8_MUL, VEC(r->vu16 = x->vu16 * y->vu16;, MAP2(uint16_t, u16, 8, 2, (uint16_t)((uint32_t)a * b))))
DEF_BIN(I16X8_ADD_SAT_S, SSE2(r->m = _mm_adds_epi16(x->m, y->m);, NEON(r->ns16 = vqaddq_s16(x->ns16, y->ns16);, MAP2(int16_t, i16, 8, 2, (int16_t)s_clamp(a + b, -32768, 32767)))))
DEF_BIN(I16X8_ADD_SAT_U, SSE2(r->m = _mm_adds_epu16(x->m, y->m);, NEON(r->nu16 = vqaddq_u16(x->nu16, y->nu16);, MAP2(uint16_t, u16, 8, 2, (uint16_t)s_clamp(a + b, 0, 65535)))))
DEF_BIN(I16X8_SUB_SAT_S, SSE2(r->m = _mm_subs_epi16(x->m, y->m);, NEON(r->ns16 = vqsubq_s16(x->ns16, y->ns16);, MAP2(int16_t, i16, 8, 2, (int16_t)s_clamp(a - b, -32768, 32767)))))
DEF_BIN(I16X8_SUB_SAT_U, SSE2(r->m = _mm_subs_epu16(x->m, y->m);, NEON(r->nu16 = vqsubq_u16(x->nu16, y->nu16);, MAP2(uint16_t, u16, 8, 2, (uint16_t)s_clamp(a - b, 0, 65535)))))
DEF_BIN(I16X8_MIN_S, SSE2(r->m = _mm_min_epi16(x->m, y->m);, NEON(r->ns16 = vminq_s16(x->ns16, y->ns16);, MAP2(int16_t, i16, 8, 2, a < b ? a : b))))
DEF_BIN(I16X8_MIN_U, SSE41(r->m = _mm_min_epu16(x->m, y->m);, NEON(r->nu16 = vminq_u16(x->nu16, y->nu16);, MAP2(uint16_t, u16, 8, 2, a < b ? a : b))))
DEF_BIN(I16X8_MAX_S, SSE2(r->m = _mm_max_epi16(x->m, y->m);, NEON(r->ns16 = vmaxq_s16(x->ns16, y->ns16);, MAP2(int16_t, i16, 8, 2, a > b ? a : b))))
DEF_BIN(I16X8_MAX_U, SSE41(r->m = _mm_max_epu16(x->m, y->m);, NEON(r->nu16 = vmaxq_u16(x->nu16, y->nu16);, MAP2(uint16_t, u16, 8, 2, a > b ? a : b))))
DEF_BIN(I16X8_AVGR_U, SSE2(r->m = _mm_avg_epu16(x->m, y->m);, NEON(r->nu16 = vrhaddq_u16(x->nu16, y->nu16);, MAP2(uint16_t, u16, 8, 2, (uint16_t)((a + b + 1u) >> 1)))))
/* (a*b + 2^14) >> 15, saturated: only -32768 * -32768 overflows */
DEF_BIN(I16X8_Q15MULR_SAT_S, NEON(r->ns16 = vqrdmulhq_s16(x->ns16, y->ns16);, MAP2(int16_t, i16, 8, 2, (int16_t)s_clamp((a * b + 0x4000) >> 15, -32768, 32767))))
DEF_SHIFT(I16X8_SHL, VEC(r->vu16 = x->vu16 << (int)(s & 15);, SHIFT(uint16_t, u16, 8, 2, <<)))
DEF_SHIFT(I16X8_SHR_S, VEC(r->vi16 = x->vi16 >> (int)(s & 15);, SHIFT(int16_t, i16, 8, 2, >>)))
DEF_SHIFT(I16X8_SHR_U, VEC(r->vu16 = x->vu16 >> (int)(s & 15);, SHIFT(uint16_t, u16, 8, 2, >>)))

/* i32x4 */
DEF_UN(I32X4_ABS, SSSE3(r->m = _mm_abs_epi32(x->m);, NEON(r->ns32 = vabsq_s32(x->ns32);, MAP1(int32_t, u32, 4, 4, a < 0 ? 0u - (uint32_t)a : (uint32_t)a))))
DEF_UN(I32X4_NEG, VEC(r->vu32 = -x->vu32;, MAP1(uint32_t, u32, 4, 4, 0u - a)))
DEF_BIN(I32X4_ADD, VEC(r->vu32 = x->vu32 + y->vu32;, MAP2(uint32_t, u32, 4, 4, a + b)))
DEF_BIN(I32X4_SUB, VEC(r->vu32 = x->vu32 - y->vu32;, MAP2(uint32_t, u32, 4, 4, a - b)))
DEF_BIN(I32X4_MUL, VEC(r->vu32 = x->vu32 * y->vu32;, MAP2(uint32_t, u32, 4, 4, a * b)))
DEF_BIN(I32X4_MIN_S, SSE41(r->m = _mm_min_epi32(x->m, y->m);, NEON(r->ns32 = vminq_s32(x->ns32, y->ns32);, MAP2(int32_t, i32, 4, 4, a < b ? a : b))))
DEF_BIN(I32X4_MIN_U, SSE41(r->m = _mm_min_epu32(x->m, y->m);, NEON(r->nu32 = vminq_u32(x->nu32, y->nu32);, MAP2(uint32_t, u32, 4, 4, a < b ? a : b))))
DEF_BIN(I32X4_MAX_S, SSE41(r->m = _mm_max_epi32(x->m, y->m);, NEON(r->ns32 = vmaxq_s32(x->ns32, y->ns32);, MAP2(int32_t, i32, 4, 4, a > b ? a : b))))
DEF_BIN(I32X4_MAX_U, SSE41(r->m = _mm_max_epu32(x->m, y->m);, NEON(r->nu32 = vmaxq_u32(x->nu32, y->nu32);, MAP2(uint32_t, u32, 4, 4, a > b ? a : b))))
DEF_SHIFT(I32X4_SHL, VEC(r->vu32 = x->vu32 << (int)(s & 31);, SHIFT(uint32_t, u32, 4, 4, <<)))
DEF_SHIFT(I32X4_SHR_S, VEC(r->vi32 = x->vi32 >> (int)(s & 31);, SHIFT(int32_t, i32, 4, 4, >>)))
DEF_SHIFT(I32X4_SHR_U, VEC(r->vu32 = x->vu32 >> (int)(s & 31);, SHIFT(uint32_t, u32, 4, 4, >>)))
/* products of i16 pairs summed: only 2 * (-32768)^2 overflows, and wraps */
#if TEA_SIMD_NEON
DEF_BIN(I32X4_DOT_I16X8_S, r->ns32 = vpaddq_s32(vmull_s16(vget_low_s16(x->ns16), vget_low_s16(y->ns16)), vmull_high_s16(x->ns16, y->ns16));)
#else
DEF_BIN(I32X4_DOT_I16X8_S, SSE2(r->m = _mm_madd_epi16(x->m, y->m);, {
  tea_v128 x_ = *x;
  tea_v128 y_ = *y;
  v_fix(&x_, 2);
  v_fix(&y_, 2);
  for (int i = 0; i < 4; i++)
    r->u32[i] = (uint32_t)((int64_t)x_.i16[2 * i] * y_.i16[2 * i] +
                           (int64_t)x_.i16[2 * i + 1] * y_.i16[2 * i + 1]);
  v_fix(r, 4);
}))
#endif

/* i64x2 */
DEF_UN(I64X2_ABS, NEON(r->ns64 = vabsq_s64(x->ns64);, MAP1(int64_t, u64, 2, 8, a < 0 ? 0u - (uint64_t)a : (uint64_t)a)))
DEF_UN(I64X2_NEG, VEC(r->vu64 = -x->vu64;, MAP1(uint64_t, u64, 2, 8, 0u - a)))
DEF_BIN(I64X2_ADD, VEC(r->vu64 = x->vu64 + y->vu64;, MAP2(uint64_t, u64, 2, 8, a + b)))
DEF_BIN(I64X2_SUB, VEC(r->vu64 = x->vu64 - y->vu64;, MAP2(uint64_t, u64, 2, 8, a - b)))
DEF_BIN(I64X2_MUL, MAP2(uint64_t, u64, 2, 8, a * b))
DEF_SHIFT(I64X2_SHL, VEC(r->vu64 = x->vu64 << (int)(s & 63);, SHIFT(uint64_t, u64, 2, 8, <<)))
DEF_SHIFT(I64X2_SHR_S, VEC(r->vi64 = x->vi64 >> (int)(s & 63);, SHIFT(int64_t, i64, 2, 8, >>)))
DEF_SHIFT(I64X2_SHR_U, VEC(r->vu64 = x->vu64 >> (int)(s & 63);, SHIFT(uint64_t, u64, 2, 8, >>)))

/* all_true / bitmask */
#define ALL_TRUE(M, N, W) \
  {                                         \
    for (int i = 0; i < N; i++)             \
      if (x->M[i] == 0) return 0;           \
    return 1;                               \
  }
DEF_TEST(I8X16_ALL_TRUE, SSE2(return _mm_movemask_epi8(_mm_cmpeq_epi8(x->m, _mm_setzero_si128())) == 0;, NEON(return vminvq_u8(x->nu8) != 0;, ALL_TRUE(u8, 16, 1))))
DEF_TEST(I16X8_ALL_TRUE, SSE2(return _mm_movemask_epi8(_mm_cmpeq_epi16(x->m, _mm_setzero_si128())) == 0;, NEON(return vminvq_u16(x->nu16) != 0;, ALL_TRUE(u16, 8, 2))))
DEF_TEST(I32X4_ALL_TRUE, SSE2(return _mm_movemask_epi8(_mm_cmpeq_epi32(x->m, _mm_setzero_si128())) == 0;, NEON(return vminvq_u32(x->nu32) != 0;, ALL_TRUE(u32, 4, 4))))
DEF_TEST(I64X2_ALL_TRUE, ALL_TRUE(u64, 2, 8))
/* the sign bit of lane i is bit 7 of its last (most significant) byte */
#define BITMASK(W)                                          \
  {                                                         \
    uint32_t m_ = 0;                                        \
    for (int i = 0; i < 16 / W; i++) m_ |= (uint32_t)(x->u8[i * W + W - 1] >> 7) << i; \
    return m_;                                              \
  }
DEF_TEST(I8X16_BITMASK, SSE2(return (uint32_t)_mm_movemask_epi8(x->m);, BITMASK(1)))
DEF_TEST(I16X8_BITMASK, BITMASK(2))
DEF_TEST(I32X4_BITMASK, SSE2(return (uint32_t)_mm_movemask_ps(x->mf);, BITMASK(4)))
DEF_TEST(I64X2_BITMASK, SSE2(return (uint32_t)_mm_movemask_pd(x->md);, BITMASK(8)))

/* ---- comparisons ---------------------------------------------------------------- */

#define ICMP(SH, VT, VM, CT, M, UM, UT, N, W, NAME, OP) \
  DEF_BIN(SH##_##NAME, VEC(r->VM = (tea_##VT)(x->VM OP y->VM);, CMP2(CT, M, UM, UT, N, W, a OP b)))
#define ICMPS(SH, VS, VU, ST, UT, SM, UM, N, W)                                      \
  ICMP(SH, VS, VS, ST, SM, UM, UT, N, W, EQ, ==)                                      \
  ICMP(SH, VS, VS, ST, SM, UM, UT, N, W, NE, !=)                                      \
  ICMP(SH, VS, VS, ST, SM, UM, UT, N, W, LT_S, <)                                     \
  ICMP(SH, VS, VS, ST, SM, UM, UT, N, W, GT_S, >)                                     \
  ICMP(SH, VS, VS, ST, SM, UM, UT, N, W, LE_S, <=)                                    \
  ICMP(SH, VS, VS, ST, SM, UM, UT, N, W, GE_S, >=)
#define ICMPU(SH, VS, VU, ST, UT, SM, UM, N, W)                                      \
  DEF_BIN(SH##_LT_U, VEC(r->VS = (tea_##VS)(x->VU < y->VU);, CMP2(UT, UM, UM, UT, N, W, a < b)))  \
  DEF_BIN(SH##_GT_U, VEC(r->VS = (tea_##VS)(x->VU > y->VU);, CMP2(UT, UM, UM, UT, N, W, a > b)))  \
  DEF_BIN(SH##_LE_U, VEC(r->VS = (tea_##VS)(x->VU <= y->VU);, CMP2(UT, UM, UM, UT, N, W, a <= b))) \
  DEF_BIN(SH##_GE_U, VEC(r->VS = (tea_##VS)(x->VU >= y->VU);, CMP2(UT, UM, UM, UT, N, W, a >= b)))
ICMPS(I8X16, vi8, vu8, int8_t, uint8_t, i8, u8, 16, 1)
ICMPU(I8X16, vi8, vu8, int8_t, uint8_t, i8, u8, 16, 1)
ICMPS(I16X8, vi16, vu16, int16_t, uint16_t, i16, u16, 8, 2)
ICMPU(I16X8, vi16, vu16, int16_t, uint16_t, i16, u16, 8, 2)
ICMPS(I32X4, vi32, vu32, int32_t, uint32_t, i32, u32, 4, 4)
ICMPU(I32X4, vi32, vu32, int32_t, uint32_t, i32, u32, 4, 4)
ICMPS(I64X2, vi64, vu64, int64_t, uint64_t, i64, u64, 2, 8)
/* the result of a float vector comparison is an integer vector */
#define FCMP(SH, VF, VI, CT, M, UM, UT, N, W, NAME, OP) \
  DEF_BIN(SH##_##NAME, VEC(r->VI = (__typeof__(r->VI))(x->VF OP y->VF);, CMP2(CT, M, UM, UT, N, W, a OP b)))
#define FCMPS(SH, VF, VI, CT, M, UM, UT, N, W)      \
  FCMP(SH, VF, VI, CT, M, UM, UT, N, W, EQ, ==)     \
  FCMP(SH, VF, VI, CT, M, UM, UT, N, W, NE, !=)     \
  FCMP(SH, VF, VI, CT, M, UM, UT, N, W, LT, <)      \
  FCMP(SH, VF, VI, CT, M, UM, UT, N, W, GT, >)      \
  FCMP(SH, VF, VI, CT, M, UM, UT, N, W, LE, <=)     \
  FCMP(SH, VF, VI, CT, M, UM, UT, N, W, GE, >=)
FCMPS(F32X4, vf32, vi32, float, f32, u32, uint32_t, 4, 4)
FCMPS(F64X2, vf64, vi64, double, f64, u64, uint64_t, 2, 8)

/* ---- narrowing, widening --------------------------------------------------------- */

#if TEA_SIMD_NEON
DEF_BIN(I8X16_NARROW_I16X8_S, r->ns8 = vcombine_s8(vqmovn_s16(x->ns16), vqmovn_s16(y->ns16));)
#else
DEF_BIN(I8X16_NARROW_I16X8_S, SSE2(r->m = _mm_packs_epi16(x->m, y->m);, {
  tea_v128 x_ = *x;
  tea_v128 y_ = *y;
  v_fix(&x_, 2);
  v_fix(&y_, 2);
  for (int i = 0; i < 8; i++) {
    r->i8[i] = (int8_t)s_clamp(x_.i16[i], -128, 127);
    r->i8[i + 8] = (int8_t)s_clamp(y_.i16[i], -128, 127);
  }
}))
#endif
#if TEA_SIMD_NEON
DEF_BIN(I8X16_NARROW_I16X8_U, r->nu8 = vcombine_u8(vqmovun_s16(x->ns16), vqmovun_s16(y->ns16));)
#else
DEF_BIN(I8X16_NARROW_I16X8_U, SSE2(r->m = _mm_packus_epi16(x->m, y->m);, {
  tea_v128 x_ = *x;
  tea_v128 y_ = *y;
  v_fix(&x_, 2);
  v_fix(&y_, 2);
  for (int i = 0; i < 8; i++) {
    r->u8[i] = (uint8_t)s_clamp(x_.i16[i], 0, 255);
    r->u8[i + 8] = (uint8_t)s_clamp(y_.i16[i], 0, 255);
  }
}))
#endif
#if TEA_SIMD_NEON
DEF_BIN(I16X8_NARROW_I32X4_S, r->ns16 = vcombine_s16(vqmovn_s32(x->ns32), vqmovn_s32(y->ns32));)
#else
DEF_BIN(I16X8_NARROW_I32X4_S, SSE2(r->m = _mm_packs_epi32(x->m, y->m);, {
  tea_v128 x_ = *x;
  tea_v128 y_ = *y;
  v_fix(&x_, 4);
  v_fix(&y_, 4);
  for (int i = 0; i < 4; i++) {
    r->i16[i] = (int16_t)s_clamp(x_.i32[i], -32768, 32767);
    r->i16[i + 4] = (int16_t)s_clamp(y_.i32[i], -32768, 32767);
  }
  v_fix(r, 2);
}))
#endif
#if TEA_SIMD_NEON
DEF_BIN(I16X8_NARROW_I32X4_U, r->nu16 = vcombine_u16(vqmovun_s32(x->ns32), vqmovun_s32(y->ns32));)
#else
DEF_BIN(I16X8_NARROW_I32X4_U, SSE41(r->m = _mm_packus_epi32(x->m, y->m);, {
  tea_v128 x_ = *x;
  tea_v128 y_ = *y;
  v_fix(&x_, 4);
  v_fix(&y_, 4);
  for (int i = 0; i < 4; i++) {
    r->u16[i] = (uint16_t)s_clamp(x_.i32[i], 0, 65535);
    r->u16[i + 4] = (uint16_t)s_clamp(y_.i32[i], 0, 65535);
  }
  v_fix(r, 2);
}))
#endif

/* widen lanes [OFF, OFF+N) of the narrow shape (CT from member M) to W bytes */
#define EXTEND(NAME, CT, M, WIN, OM, OT, N, OFF, WOUT)   \
  DEF_UN(NAME, {                                        \
    tea_v128 x_ = *x;                                   \
    v_fix(&x_, WIN);                                    \
    for (int i = 0; i < N; i++) r->OM[i] = (OT)(CT)x_.M[i + OFF]; \
    v_fix(r, WOUT);                                     \
  })
#if TEA_SIMD_SSE41
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTEND_LOW_I8X16_S, r->ns16 = vmovl_s8(vget_low_s8(x->ns8));)
#else
DEF_UN(I16X8_EXTEND_LOW_I8X16_S, r->m = _mm_cvtepi8_epi16(x->m);)
#endif
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTEND_LOW_I8X16_U, r->nu16 = vmovl_u8(vget_low_u8(x->nu8));)
#else
DEF_UN(I16X8_EXTEND_LOW_I8X16_U, r->m = _mm_cvtepu8_epi16(x->m);)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTEND_LOW_I16X8_S, r->ns32 = vmovl_s16(vget_low_s16(x->ns16));)
#else
DEF_UN(I32X4_EXTEND_LOW_I16X8_S, r->m = _mm_cvtepi16_epi32(x->m);)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTEND_LOW_I16X8_U, r->nu32 = vmovl_u16(vget_low_u16(x->nu16));)
#else
DEF_UN(I32X4_EXTEND_LOW_I16X8_U, r->m = _mm_cvtepu16_epi32(x->m);)
#endif
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTEND_HIGH_I8X16_S, r->ns16 = vmovl_high_s8(x->ns8);)
#else
DEF_UN(I16X8_EXTEND_HIGH_I8X16_S, r->m = _mm_cvtepi8_epi16(_mm_srli_si128(x->m, 8));)
#endif
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTEND_HIGH_I8X16_U, r->nu16 = vmovl_high_u8(x->nu8);)
#else
DEF_UN(I16X8_EXTEND_HIGH_I8X16_U, r->m = _mm_cvtepu8_epi16(_mm_srli_si128(x->m, 8));)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTEND_HIGH_I16X8_S, r->ns32 = vmovl_high_s16(x->ns16);)
#else
DEF_UN(I32X4_EXTEND_HIGH_I16X8_S, r->m = _mm_cvtepi16_epi32(_mm_srli_si128(x->m, 8));)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTEND_HIGH_I16X8_U, r->nu32 = vmovl_high_u16(x->nu16);)
#else
DEF_UN(I32X4_EXTEND_HIGH_I16X8_U, r->m = _mm_cvtepu16_epi32(_mm_srli_si128(x->m, 8));)
#endif
#elif TEA_SIMD_SSE2
/* unpack with zeros (unsigned) or with the sign mask (signed) */
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTEND_LOW_I8X16_S, r->ns16 = vmovl_s8(vget_low_s8(x->ns8));)
#else
DEF_UN(I16X8_EXTEND_LOW_I8X16_S, r->m = _mm_unpacklo_epi8(x->m, _mm_cmpgt_epi8(_mm_setzero_si128(), x->m));)
#endif
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTEND_LOW_I8X16_U, r->nu16 = vmovl_u8(vget_low_u8(x->nu8));)
#else
DEF_UN(I16X8_EXTEND_LOW_I8X16_U, r->m = _mm_unpacklo_epi8(x->m, _mm_setzero_si128());)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTEND_LOW_I16X8_S, r->ns32 = vmovl_s16(vget_low_s16(x->ns16));)
#else
DEF_UN(I32X4_EXTEND_LOW_I16X8_S, r->m = _mm_unpacklo_epi16(x->m, _mm_srai_epi16(x->m, 15));)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTEND_LOW_I16X8_U, r->nu32 = vmovl_u16(vget_low_u16(x->nu16));)
#else
DEF_UN(I32X4_EXTEND_LOW_I16X8_U, r->m = _mm_unpacklo_epi16(x->m, _mm_setzero_si128());)
#endif
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTEND_HIGH_I8X16_S, r->ns16 = vmovl_high_s8(x->ns8);)
#else
DEF_UN(I16X8_EXTEND_HIGH_I8X16_S, r->m = _mm_unpackhi_epi8(x->m, _mm_cmpgt_epi8(_mm_setzero_si128(), x->m));)
#endif
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTEND_HIGH_I8X16_U, r->nu16 = vmovl_high_u8(x->nu8);)
#else
DEF_UN(I16X8_EXTEND_HIGH_I8X16_U, r->m = _mm_unpackhi_epi8(x->m, _mm_setzero_si128());)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTEND_HIGH_I16X8_S, r->ns32 = vmovl_high_s16(x->ns16);)
#else
DEF_UN(I32X4_EXTEND_HIGH_I16X8_S, r->m = _mm_unpackhi_epi16(x->m, _mm_srai_epi16(x->m, 15));)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTEND_HIGH_I16X8_U, r->nu32 = vmovl_high_u16(x->nu16);)
#else
DEF_UN(I32X4_EXTEND_HIGH_I16X8_U, r->m = _mm_unpackhi_epi16(x->m, _mm_setzero_si128());)
#endif
#else
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTEND_LOW_I8X16_S, r->ns16 = vmovl_s8(vget_low_s8(x->ns8));)
#else
EXTEND(I16X8_EXTEND_LOW_I8X16_S, int8_t, i8, 1, i16, int16_t, 8, 0, 2)
#endif
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTEND_LOW_I8X16_U, r->nu16 = vmovl_u8(vget_low_u8(x->nu8));)
#else
EXTEND(I16X8_EXTEND_LOW_I8X16_U, uint8_t, u8, 1, u16, uint16_t, 8, 0, 2)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTEND_LOW_I16X8_S, r->ns32 = vmovl_s16(vget_low_s16(x->ns16));)
#else
EXTEND(I32X4_EXTEND_LOW_I16X8_S, int16_t, i16, 2, i32, int32_t, 4, 0, 4)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTEND_LOW_I16X8_U, r->nu32 = vmovl_u16(vget_low_u16(x->nu16));)
#else
EXTEND(I32X4_EXTEND_LOW_I16X8_U, uint16_t, u16, 2, u32, uint32_t, 4, 0, 4)
#endif
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTEND_HIGH_I8X16_S, r->ns16 = vmovl_high_s8(x->ns8);)
#else
EXTEND(I16X8_EXTEND_HIGH_I8X16_S, int8_t, i8, 1, i16, int16_t, 8, 8, 2)
#endif
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTEND_HIGH_I8X16_U, r->nu16 = vmovl_high_u8(x->nu8);)
#else
EXTEND(I16X8_EXTEND_HIGH_I8X16_U, uint8_t, u8, 1, u16, uint16_t, 8, 8, 2)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTEND_HIGH_I16X8_S, r->ns32 = vmovl_high_s16(x->ns16);)
#else
EXTEND(I32X4_EXTEND_HIGH_I16X8_S, int16_t, i16, 2, i32, int32_t, 4, 4, 4)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTEND_HIGH_I16X8_U, r->nu32 = vmovl_high_u16(x->nu16);)
#else
EXTEND(I32X4_EXTEND_HIGH_I16X8_U, uint16_t, u16, 2, u32, uint32_t, 4, 4, 4)
#endif
#endif
#if TEA_SIMD_NEON
DEF_UN(I64X2_EXTEND_LOW_I32X4_S, r->ns64 = vmovl_s32(vget_low_s32(x->ns32));)
#else
EXTEND(I64X2_EXTEND_LOW_I32X4_S, int32_t, i32, 4, i64, int64_t, 2, 0, 8)
#endif
#if TEA_SIMD_NEON
DEF_UN(I64X2_EXTEND_LOW_I32X4_U, r->nu64 = vmovl_u32(vget_low_u32(x->nu32));)
#else
EXTEND(I64X2_EXTEND_LOW_I32X4_U, uint32_t, u32, 4, u64, uint64_t, 2, 0, 8)
#endif
#if TEA_SIMD_NEON
DEF_UN(I64X2_EXTEND_HIGH_I32X4_S, r->ns64 = vmovl_high_s32(x->ns32);)
#else
EXTEND(I64X2_EXTEND_HIGH_I32X4_S, int32_t, i32, 4, i64, int64_t, 2, 2, 8)
#endif
#if TEA_SIMD_NEON
DEF_UN(I64X2_EXTEND_HIGH_I32X4_U, r->nu64 = vmovl_high_u32(x->nu32);)
#else
EXTEND(I64X2_EXTEND_HIGH_I32X4_U, uint32_t, u32, 4, u64, uint64_t, 2, 2, 8)
#endif

/* pairwise: r[i] = ext(a[2i]) + ext(a[2i+1]) */
#define EXTADD(NAME, CT, M, WIN, OM, OT, N, WOUT)       \
  DEF_UN(NAME, {                                        \
    tea_v128 x_ = *x;                                   \
    v_fix(&x_, WIN);                                    \
    for (int i = 0; i < N; i++) r->OM[i] = (OT)((OT)(CT)x_.M[2 * i] + (OT)(CT)x_.M[2 * i + 1]); \
    v_fix(r, WOUT);                                     \
  })
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTADD_PAIRWISE_I8X16_S, r->ns16 = vpaddlq_s8(x->ns8);)
#else
EXTADD(I16X8_EXTADD_PAIRWISE_I8X16_S, int8_t, i8, 1, i16, int16_t, 8, 2)
#endif
#if TEA_SIMD_NEON
DEF_UN(I16X8_EXTADD_PAIRWISE_I8X16_U, r->nu16 = vpaddlq_u8(x->nu8);)
#else
EXTADD(I16X8_EXTADD_PAIRWISE_I8X16_U, uint8_t, u8, 1, u16, uint16_t, 8, 2)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTADD_PAIRWISE_I16X8_S, r->ns32 = vpaddlq_s16(x->ns16);)
#else
EXTADD(I32X4_EXTADD_PAIRWISE_I16X8_S, int16_t, i16, 2, i32, int32_t, 4, 4)
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_EXTADD_PAIRWISE_I16X8_U, r->nu32 = vpaddlq_u16(x->nu16);)
#else
EXTADD(I32X4_EXTADD_PAIRWISE_I16X8_U, uint16_t, u16, 2, u32, uint32_t, 4, 4)
#endif

/* r[i] = ext(a[i+OFF]) * ext(b[i+OFF]), computed in PT (wide enough) */
#define EXTMUL(NAME, CT, M, WIN, OM, OT, PT, N, OFF, WOUT) \
  DEF_BIN(NAME, {                                       \
    tea_v128 x_ = *x;                                   \
    tea_v128 y_ = *y;                                   \
    v_fix(&x_, WIN);                                    \
    v_fix(&y_, WIN);                                    \
    for (int i = 0; i < N; i++) r->OM[i] = (OT)((PT)(CT)x_.M[i + OFF] * (PT)(CT)y_.M[i + OFF]); \
    v_fix(r, WOUT);                                     \
  })
#if TEA_SIMD_NEON
DEF_BIN(I16X8_EXTMUL_LOW_I8X16_S, r->ns16 = vmull_s8(vget_low_s8(x->ns8), vget_low_s8(y->ns8));)
#else
EXTMUL(I16X8_EXTMUL_LOW_I8X16_S, int8_t, i8, 1, i16, int16_t, int32_t, 8, 0, 2)
#endif
#if TEA_SIMD_NEON
DEF_BIN(I16X8_EXTMUL_HIGH_I8X16_S, r->ns16 = vmull_high_s8(x->ns8, y->ns8);)
#else
EXTMUL(I16X8_EXTMUL_HIGH_I8X16_S, int8_t, i8, 1, i16, int16_t, int32_t, 8, 8, 2)
#endif
#if TEA_SIMD_NEON
DEF_BIN(I16X8_EXTMUL_LOW_I8X16_U, r->nu16 = vmull_u8(vget_low_u8(x->nu8), vget_low_u8(y->nu8));)
#else
EXTMUL(I16X8_EXTMUL_LOW_I8X16_U, uint8_t, u8, 1, u16, uint16_t, uint32_t, 8, 0, 2)
#endif
#if TEA_SIMD_NEON
DEF_BIN(I16X8_EXTMUL_HIGH_I8X16_U, r->nu16 = vmull_high_u8(x->nu8, y->nu8);)
#else
EXTMUL(I16X8_EXTMUL_HIGH_I8X16_U, uint8_t, u8, 1, u16, uint16_t, uint32_t, 8, 8, 2)
#endif
#if TEA_SIMD_NEON
DEF_BIN(I32X4_EXTMUL_LOW_I16X8_S, r->ns32 = vmull_s16(vget_low_s16(x->ns16), vget_low_s16(y->ns16));)
#else
EXTMUL(I32X4_EXTMUL_LOW_I16X8_S, int16_t, i16, 2, i32, int32_t, int32_t, 4, 0, 4)
#endif
#if TEA_SIMD_NEON
DEF_BIN(I32X4_EXTMUL_HIGH_I16X8_S, r->ns32 = vmull_high_s16(x->ns16, y->ns16);)
#else
EXTMUL(I32X4_EXTMUL_HIGH_I16X8_S, int16_t, i16, 2, i32, int32_t, int32_t, 4, 4, 4)
#endif
#if TEA_SIMD_NEON
DEF_BIN(I32X4_EXTMUL_LOW_I16X8_U, r->nu32 = vmull_u16(vget_low_u16(x->nu16), vget_low_u16(y->nu16));)
#else
EXTMUL(I32X4_EXTMUL_LOW_I16X8_U, uint16_t, u16, 2, u32, uint32_t, uint32_t, 4, 0, 4)
#endif
#if TEA_SIMD_NEON
DEF_BIN(I32X4_EXTMUL_HIGH_I16X8_U, r->nu32 = vmull_high_u16(x->nu16, y->nu16);)
#else
EXTMUL(I32X4_EXTMUL_HIGH_I16X8_U, uint16_t, u16, 2, u32, uint32_t, uint32_t, 4, 4, 4)
#endif
#if TEA_SIMD_NEON
DEF_BIN(I64X2_EXTMUL_LOW_I32X4_S, r->ns64 = vmull_s32(vget_low_s32(x->ns32), vget_low_s32(y->ns32));)
#else
EXTMUL(I64X2_EXTMUL_LOW_I32X4_S, int32_t, i32, 4, i64, int64_t, int64_t, 2, 0, 8)
#endif
#if TEA_SIMD_NEON
DEF_BIN(I64X2_EXTMUL_HIGH_I32X4_S, r->ns64 = vmull_high_s32(x->ns32, y->ns32);)
#else
EXTMUL(I64X2_EXTMUL_HIGH_I32X4_S, int32_t, i32, 4, i64, int64_t, int64_t, 2, 2, 8)
#endif
#if TEA_SIMD_NEON
DEF_BIN(I64X2_EXTMUL_LOW_I32X4_U, r->nu64 = vmull_u32(vget_low_u32(x->nu32), vget_low_u32(y->nu32));)
#else
EXTMUL(I64X2_EXTMUL_LOW_I32X4_U, uint32_t, u32, 4, u64, uint64_t, uint64_t, 2, 0, 8)
#endif
#if TEA_SIMD_NEON
DEF_BIN(I64X2_EXTMUL_HIGH_I32X4_U, r->nu64 = vmull_high_u32(x->nu32, y->nu32);)
#else
EXTMUL(I64X2_EXTMUL_HIGH_I32X4_U, uint32_t, u32, 4, u64, uint64_t, uint64_t, 2, 2, 8)
#endif

/* ---- float lanes ------------------------------------------------------------------- */

DEF_UN(F32X4_ABS, VEC(r->vu32 = x->vu32 & 0x7fffffffu;, MAP1(uint32_t, u32, 4, 4, a & 0x7fffffffu)))
DEF_UN(F32X4_NEG, VEC(r->vu32 = x->vu32 ^ 0x80000000u;, MAP1(uint32_t, u32, 4, 4, a ^ 0x80000000u)))
DEF_UN(F64X2_ABS, VEC(r->vu64 = x->vu64 & 0x7fffffffffffffffull;, MAP1(uint64_t, u64, 2, 8, a & 0x7fffffffffffffffull)))
DEF_UN(F64X2_NEG, VEC(r->vu64 = x->vu64 ^ 0x8000000000000000ull;, MAP1(uint64_t, u64, 2, 8, a ^ 0x8000000000000000ull)))
DEF_UN(F32X4_SQRT, SSE2(r->mf = _mm_sqrt_ps(x->mf);, NEON(r->nf32 = vsqrtq_f32(x->nf32);, MAP1(float, f32, 4, 4, sqrtf(a)))))
DEF_UN(F64X2_SQRT, SSE2(r->md = _mm_sqrt_pd(x->md);, NEON(r->nf64 = vsqrtq_f64(x->nf64);, MAP1(double, f64, 2, 8, sqrt(a)))))
DEF_BIN(F32X4_ADD, VEC(r->vf32 = x->vf32 + y->vf32;, MAP2(float, f32, 4, 4, a + b)))
DEF_BIN(F32X4_SUB, VEC(r->vf32 = x->vf32 - y->vf32;, MAP2(float, f32, 4, 4, a - b)))
DEF_BIN(F32X4_MUL, VEC(r->vf32 = x->vf32 * y->vf32;, MAP2(float, f32, 4, 4, a * b)))
DEF_BIN(F32X4_DIV, VEC(r->vf32 = x->vf32 / y->vf32;, MAP2(float, f32, 4, 4, a / b)))
DEF_BIN(F64X2_ADD, VEC(r->vf64 = x->vf64 + y->vf64;, MAP2(double, f64, 2, 8, a + b)))
DEF_BIN(F64X2_SUB, VEC(r->vf64 = x->vf64 - y->vf64;, MAP2(double, f64, 2, 8, a - b)))
DEF_BIN(F64X2_MUL, VEC(r->vf64 = x->vf64 * y->vf64;, MAP2(double, f64, 2, 8, a * b)))
DEF_BIN(F64X2_DIV, VEC(r->vf64 = x->vf64 / y->vf64;, MAP2(double, f64, 2, 8, a / b)))
DEF_BIN(F32X4_MIN, NEON(r->nf32 = vminq_f32(x->nf32, y->nf32);, MAP2(float, f32, 4, 4, fmin32(a, b))))
DEF_BIN(F32X4_MAX, NEON(r->nf32 = vmaxq_f32(x->nf32, y->nf32);, MAP2(float, f32, 4, 4, fmax32(a, b))))
DEF_BIN(F64X2_MIN, NEON(r->nf64 = vminq_f64(x->nf64, y->nf64);, MAP2(double, f64, 2, 8, fmin64(a, b))))
DEF_BIN(F64X2_MAX, NEON(r->nf64 = vmaxq_f64(x->nf64, y->nf64);, MAP2(double, f64, 2, 8, fmax64(a, b))))
/* pmin = b < a ? b : a, pmax = a < b ? b : a: one operand's exact bits */
DEF_BIN(F32X4_PMIN, VEC({ tea_vu32 m_ = (tea_vu32)(y->vf32 < x->vf32); r->vu32 = (y->vu32 & m_) | (x->vu32 & ~m_); },
                        MAP2(float, f32, 4, 4, b < a ? b : a)))
DEF_BIN(F32X4_PMAX, VEC({ tea_vu32 m_ = (tea_vu32)(x->vf32 < y->vf32); r->vu32 = (y->vu32 & m_) | (x->vu32 & ~m_); },
                        MAP2(float, f32, 4, 4, a < b ? b : a)))
DEF_BIN(F64X2_PMIN, VEC({ tea_vu64 m_ = (tea_vu64)(y->vf64 < x->vf64); r->vu64 = (y->vu64 & m_) | (x->vu64 & ~m_); },
                        MAP2(double, f64, 2, 8, b < a ? b : a)))
DEF_BIN(F64X2_PMAX, VEC({ tea_vu64 m_ = (tea_vu64)(x->vf64 < y->vf64); r->vu64 = (y->vu64 & m_) | (x->vu64 & ~m_); },
                        MAP2(double, f64, 2, 8, a < b ? b : a)))
/* rounding keeps a NaN a NaN but must quiet it (the C library may not) */
#define ROUND32(f) MAP1(float, f32, 4, 4, a != a ? a + a : f(a))
#define ROUND64(f) MAP1(double, f64, 2, 8, a != a ? a + a : f(a))
DEF_UN(F32X4_CEIL, SSE41(r->mf = _mm_round_ps(x->mf, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);, NEON(r->nf32 = vrndpq_f32(x->nf32);, ROUND32(ceilf))))
DEF_UN(F32X4_FLOOR, SSE41(r->mf = _mm_round_ps(x->mf, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);, NEON(r->nf32 = vrndmq_f32(x->nf32);, ROUND32(floorf))))
DEF_UN(F32X4_TRUNC, SSE41(r->mf = _mm_round_ps(x->mf, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);, NEON(r->nf32 = vrndq_f32(x->nf32);, ROUND32(truncf))))
DEF_UN(F32X4_NEAREST, SSE41(r->mf = _mm_round_ps(x->mf, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);, NEON(r->nf32 = vrndnq_f32(x->nf32);, ROUND32(nearbyintf))))
DEF_UN(F64X2_CEIL, SSE41(r->md = _mm_round_pd(x->md, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);, NEON(r->nf64 = vrndpq_f64(x->nf64);, ROUND64(ceil))))
DEF_UN(F64X2_FLOOR, SSE41(r->md = _mm_round_pd(x->md, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);, NEON(r->nf64 = vrndmq_f64(x->nf64);, ROUND64(floor))))
DEF_UN(F64X2_TRUNC, SSE41(r->md = _mm_round_pd(x->md, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);, NEON(r->nf64 = vrndq_f64(x->nf64);, ROUND64(trunc))))
DEF_UN(F64X2_NEAREST, SSE41(r->md = _mm_round_pd(x->md, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);, NEON(r->nf64 = vrndnq_f64(x->nf64);, ROUND64(nearbyint))))

/* ---- conversions ------------------------------------------------------------------- */

#if TEA_SIMD_NEON
DEF_UN(I32X4_TRUNC_SAT_F32X4_S, r->ns32 = vcvtq_s32_f32(x->nf32);)
#else
DEF_UN(I32X4_TRUNC_SAT_F32X4_S, {
  tea_v128 x_ = *x;
  v_fix(&x_, 4);
  for (int i = 0; i < 4; i++) r->i32[i] = sat_i32(x_.f32[i]);
  v_fix(r, 4);
})
#endif
#if TEA_SIMD_NEON
DEF_UN(I32X4_TRUNC_SAT_F32X4_U, r->nu32 = vcvtq_u32_f32(x->nf32);)
#else
DEF_UN(I32X4_TRUNC_SAT_F32X4_U, {
  tea_v128 x_ = *x;
  v_fix(&x_, 4);
  for (int i = 0; i < 4; i++) r->u32[i] = sat_u32(x_.f32[i]);
  v_fix(r, 4);
})
#endif
DEF_UN(I32X4_TRUNC_SAT_F64X2_S_ZERO, {
  tea_v128 x_ = *x;
  v_fix(&x_, 8);
  int32_t lo = sat_i32(x_.f64[0]), hi = sat_i32(x_.f64[1]);
  r->i32[0] = lo;
  r->i32[1] = hi;
  r->i32[2] = r->i32[3] = 0;
  v_fix(r, 4);
})
DEF_UN(I32X4_TRUNC_SAT_F64X2_U_ZERO, {
  tea_v128 x_ = *x;
  v_fix(&x_, 8);
  uint32_t lo = sat_u32(x_.f64[0]), hi = sat_u32(x_.f64[1]);
  r->u32[0] = lo;
  r->u32[1] = hi;
  r->u32[2] = r->u32[3] = 0;
  v_fix(r, 4);
})
#if TEA_SIMD_NEON
DEF_UN(F32X4_CONVERT_I32X4_S, r->nf32 = vcvtq_f32_s32(x->ns32);)
#else
DEF_UN(F32X4_CONVERT_I32X4_S, SSE2(r->mf = _mm_cvtepi32_ps(x->m);, {
  tea_v128 x_ = *x;
  v_fix(&x_, 4);
  for (int i = 0; i < 4; i++) r->f32[i] = (float)x_.i32[i];
  v_fix(r, 4);
}))
#endif
#if TEA_SIMD_NEON
DEF_UN(F32X4_CONVERT_I32X4_U, r->nf32 = vcvtq_f32_u32(x->nu32);)
#else
DEF_UN(F32X4_CONVERT_I32X4_U, {
  tea_v128 x_ = *x;
  v_fix(&x_, 4);
  for (int i = 0; i < 4; i++) r->f32[i] = (float)x_.u32[i];
  v_fix(r, 4);
})
#endif
DEF_UN(F64X2_CONVERT_LOW_I32X4_S, {
  tea_v128 x_ = *x;
  v_fix(&x_, 4);
  double lo = (double)x_.i32[0], hi = (double)x_.i32[1];
  r->f64[0] = lo;
  r->f64[1] = hi;
  v_fix(r, 8);
})
DEF_UN(F64X2_CONVERT_LOW_I32X4_U, {
  tea_v128 x_ = *x;
  v_fix(&x_, 4);
  double lo = (double)x_.u32[0], hi = (double)x_.u32[1];
  r->f64[0] = lo;
  r->f64[1] = hi;
  v_fix(r, 8);
})
DEF_UN(F32X4_DEMOTE_F64X2_ZERO, {
  tea_v128 x_ = *x;
  v_fix(&x_, 8);
  float lo = (float)x_.f64[0], hi = (float)x_.f64[1];
  r->f32[0] = lo;
  r->f32[1] = hi;
  r->u32[2] = r->u32[3] = 0;
  v_fix(r, 4);
})
DEF_UN(F64X2_PROMOTE_LOW_F32X4, {
  tea_v128 x_ = *x;
  v_fix(&x_, 4);
  double lo = (double)x_.f32[0], hi = (double)x_.f32[1];
  r->f64[0] = lo;
  r->f64[1] = hi;
  v_fix(r, 8);
})

/* ---- shuffles, splats, lanes --------------------------------------------------------- */

/* Byte permutations work on WebAssembly byte order directly: no v_fix. */
#if TEA_SIMD_NEON
DEF_BIN(I8X16_SWIZZLE, r->nu8 = vqtbl1q_u8(x->nu8, y->nu8);)
#else
DEF_BIN(I8X16_SWIZZLE, SSSE3({
  /* pshufb zeroes a lane whose index has bit 7 set: saturate indices >= 16 there */
  __m128i idx = _mm_adds_epu8(y->m, _mm_set1_epi8(0x70));
  r->m = _mm_shuffle_epi8(x->m, idx);
}, for (int i = 0; i < 16; i++) r->u8[i] = y->u8[i] < 16 ? x->u8[y->u8[i]] : 0;))
#endif
static inline void simd_I8X16_SHUFFLE(tea_v128 *r, const tea_v128 *x, const tea_v128 *y,
                                      const uint8_t k[16]) {
  for (int i = 0; i < 16; i++) r->u8[i] = k[i] < 16 ? x->u8[k[i]] : y->u8[k[i] - 16];
}

/* splats take the scalar slot */
static inline void simd_I8X16_SPLAT(tea_v128 *r, tea_wasm_slot s) { memset(r->u8, (int)(s.u32 & 0xff), 16); }
static inline void simd_I16X8_SPLAT(tea_v128 *r, tea_wasm_slot s) {
  for (int i = 0; i < 8; i++) r->u16[i] = (uint16_t)s.u32;
  v_fix(r, 2);
}
static inline void simd_I32X4_SPLAT(tea_v128 *r, tea_wasm_slot s) {
  for (int i = 0; i < 4; i++) r->u32[i] = s.u32;
  v_fix(r, 4);
}
static inline void simd_I64X2_SPLAT(tea_v128 *r, tea_wasm_slot s) {
  for (int i = 0; i < 2; i++) r->u64[i] = s.u64;
  v_fix(r, 8);
}
static inline void simd_F32X4_SPLAT(tea_v128 *r, tea_wasm_slot s) { simd_I32X4_SPLAT(r, s); }
static inline void simd_F64X2_SPLAT(tea_v128 *r, tea_wasm_slot s) { simd_I64X2_SPLAT(r, s); }

/* lane k of W bytes, as an unsigned integer in native order */
static inline uint64_t v_lane(const tea_v128 *v, uint32_t k, int w) {
  uint64_t x = 0;
  for (int i = w - 1; i >= 0; i--) x = x << 8 | v->u8[k * (uint32_t)w + (uint32_t)i];
  return x;
}
static inline void v_set_lane(tea_v128 *v, uint32_t k, int w, uint64_t x) {
  for (int i = 0; i < w; i++) v->u8[k * (uint32_t)w + (uint32_t)i] = (uint8_t)(x >> (8 * i));
}
/* extract: the result slot, zeroed and then written through the member of
 * its type (as the scalar instructions do), so a 32-bit value lands where
 * `.u32` reads it on any byte order */
#define EXTRACT(NAME, W, M, EXPR)                                                  \
  static inline tea_wasm_slot simd_##NAME(const tea_v128 *x, uint32_t k) {         \
    uint64_t l = v_lane(x, k, W);                                                  \
    tea_wasm_slot s;                                                               \
    s.u64 = 0;                                                                     \
    s.M = (EXPR);                                                                  \
    return s;                                                                      \
  }
EXTRACT(I8X16_EXTRACT_LANE_S, 1, u32, (uint32_t)(int32_t)(int8_t)l)
EXTRACT(I8X16_EXTRACT_LANE_U, 1, u32, (uint32_t)l)
EXTRACT(I16X8_EXTRACT_LANE_S, 2, u32, (uint32_t)(int32_t)(int16_t)l)
EXTRACT(I16X8_EXTRACT_LANE_U, 2, u32, (uint32_t)l)
EXTRACT(I32X4_EXTRACT_LANE, 4, u32, (uint32_t)l)
EXTRACT(I64X2_EXTRACT_LANE, 8, u64, l)
EXTRACT(F32X4_EXTRACT_LANE, 4, u32, (uint32_t)l)
EXTRACT(F64X2_EXTRACT_LANE, 8, u64, l)
#define REPLACE(NAME, W, MEMBER)                                                   \
  static inline void simd_##NAME(tea_v128 *r, const tea_v128 *x, uint32_t k, tea_wasm_slot s) { \
    *r = *x;                                                                       \
    v_set_lane(r, k, W, (uint64_t)s.MEMBER);                                       \
  }
REPLACE(I8X16_REPLACE_LANE, 1, u32)
REPLACE(I16X8_REPLACE_LANE, 2, u32)
REPLACE(I32X4_REPLACE_LANE, 4, u32)
REPLACE(I64X2_REPLACE_LANE, 8, u64)
REPLACE(F32X4_REPLACE_LANE, 4, u32)
REPLACE(F64X2_REPLACE_LANE, 8, u64)

/* ---- loads (p: the bytes in memory, already bounds-checked) ---------------------------- */

#define DEF_LOAD(NAME, ...) static inline void simd_##NAME(tea_v128 *r, const uint8_t *p) { __VA_ARGS__ }
DEF_LOAD(V128_LOAD, memcpy(r, p, 16);)
#define LOAD_EXT(NAME, CT, M, WIN, OM, OT, N, WOUT) \
  DEF_LOAD(NAME, {                                  \
    tea_v128 x_;                                    \
    memcpy(&x_, p, 8);                              \
    v_fix(&x_, WIN);                                \
    for (int i = 0; i < N; i++) r->OM[i] = (OT)(CT)x_.M[i]; \
    v_fix(r, WOUT);                                 \
  })
LOAD_EXT(V128_LOAD8X8_S, int8_t, i8, 1, i16, int16_t, 8, 2)
LOAD_EXT(V128_LOAD8X8_U, uint8_t, u8, 1, u16, uint16_t, 8, 2)
LOAD_EXT(V128_LOAD16X4_S, int16_t, i16, 2, i32, int32_t, 4, 4)
LOAD_EXT(V128_LOAD16X4_U, uint16_t, u16, 2, u32, uint32_t, 4, 4)
LOAD_EXT(V128_LOAD32X2_S, int32_t, i32, 4, i64, int64_t, 2, 8)
LOAD_EXT(V128_LOAD32X2_U, uint32_t, u32, 4, u64, uint64_t, 2, 8)
/* splat and zero-extending loads replicate or place bytes: no byte order */
#define LOAD_SPLAT(NAME, W) \
  DEF_LOAD(NAME, for (int i = 0; i < 16; i += W) memcpy(r->u8 + i, p, W);)
LOAD_SPLAT(V128_LOAD8_SPLAT, 1)
LOAD_SPLAT(V128_LOAD16_SPLAT, 2)
LOAD_SPLAT(V128_LOAD32_SPLAT, 4)
LOAD_SPLAT(V128_LOAD64_SPLAT, 8)
DEF_LOAD(V128_LOAD32_ZERO, memset(r, 0, 16); memcpy(r, p, 4);)
DEF_LOAD(V128_LOAD64_ZERO, memset(r, 0, 16); memcpy(r, p, 8);)

/* deterministic mode: NaN lanes become the canonical quiet NaN */
static inline void simd_canon_f32x4(tea_v128 *v) {
  for (int i = 0; i < 4; i++) {
    uint32_t le = (uint32_t)v_lane(v, (uint32_t)i, 4);
    if ((le & 0x7f800000u) == 0x7f800000u && (le & 0x007fffffu)) v_set_lane(v, (uint32_t)i, 4, 0x7fc00000u);
  }
}
static inline void simd_canon_f64x2(tea_v128 *v) {
  for (int i = 0; i < 2; i++) {
    uint64_t le = v_lane(v, (uint32_t)i, 8);
    if ((le & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (le & 0x000fffffffffffffull))
      v_set_lane(v, (uint32_t)i, 8, 0x7ff8000000000000ull);
  }
}

#endif
