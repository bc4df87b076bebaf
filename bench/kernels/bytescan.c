/* Byte search and checksum over a generated text buffer: counts lines and
 * occurrences of a byte, finds every position of a two-byte pattern (first
 * byte by vector compare, then confirmed), and computes Adler-32.
 *
 * run.sh builds this file twice for wasm32-wasi: `bytescan` (scalar) and
 * `bytescan_simd` (with -msimd128, where __wasm_simd128__ selects the
 * wasm_simd128.h paths below). Both compute exactly the same integers. */
#include "common.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

enum { N = 1 << 20 };

static uint32_t count_byte(const uint8_t *p, size_t n, uint8_t c) {
  size_t i = 0;
  uint32_t count = 0;
#if defined(__wasm_simd128__)
  const v128_t vc = wasm_i8x16_splat((int8_t)c);
  while (i + 16 <= n) {
    /* per-lane counters in bytes: at most 255 blocks before widening */
    v128_t acc = wasm_i8x16_splat(0);
    size_t end = i + 255 * 16 < n ? i + 255 * 16 : n;
    for (; i + 16 <= end; i += 16) acc = wasm_i8x16_sub(acc, wasm_i8x16_eq(wasm_v128_load(p + i), vc));
    v128_t s16 = wasm_u16x8_extadd_pairwise_u8x16(acc);
    v128_t s32 = wasm_u32x4_extadd_pairwise_u16x8(s16);
    count += wasm_i32x4_extract_lane(s32, 0) + wasm_i32x4_extract_lane(s32, 1) +
             wasm_i32x4_extract_lane(s32, 2) + wasm_i32x4_extract_lane(s32, 3);
  }
#endif
  for (; i < n; i++) count += p[i] == c;
  return count;
}

/* positions of "ab" (a then b), hashed in order */
static uint64_t find_pairs(const uint8_t *p, size_t n, uint8_t a, uint8_t b, uint32_t *found) {
  uint64_t h = FNV64_INIT;
  uint32_t k = 0;
  size_t i = 0;
#if defined(__wasm_simd128__)
  const v128_t va = wasm_i8x16_splat((int8_t)a), vb = wasm_i8x16_splat((int8_t)b);
  for (; i + 17 <= n; i += 16) {
    v128_t m = wasm_v128_and(wasm_i8x16_eq(wasm_v128_load(p + i), va),
                             wasm_i8x16_eq(wasm_v128_load(p + i + 1), vb));
    uint32_t bits = (uint32_t)wasm_i8x16_bitmask(m);
    while (bits) {
      uint32_t j = (uint32_t)__builtin_ctz(bits);
      h = mix64(h, i + j);
      k++;
      bits &= bits - 1;
    }
  }
#endif
  for (; i + 1 < n; i++)
    if (p[i] == a && p[i + 1] == b) {
      h = mix64(h, i);
      k++;
    }
  *found = k;
  return h;
}

/* Adler-32 in blocks of 16 bytes: b gains 16*a plus the weighted bytes */
static uint32_t adler32(const uint8_t *p, size_t n) {
  uint32_t a = 1, b = 0;
  size_t i = 0;
#if defined(__wasm_simd128__)
  const v128_t wlo = wasm_i16x8_make(16, 15, 14, 13, 12, 11, 10, 9);
  const v128_t whi = wasm_i16x8_make(8, 7, 6, 5, 4, 3, 2, 1);
  while (i + 16 <= n) {
    /* up to 256 blocks between reductions keeps the 32-bit lanes exact */
    size_t end = i + 256 * 16 < n ? i + 256 * 16 : n;
    v128_t vs = wasm_i32x4_splat(0), vw = wasm_i32x4_splat(0), vp = wasm_i32x4_splat(0);
    uint32_t blocks = 0;
    for (; i + 16 <= end; i += 16, blocks++) {
      v128_t d = wasm_v128_load(p + i);
      vp = wasm_i32x4_add(vp, vs); /* sum of the previous blocks' sums, per block */
      v128_t lo = wasm_u16x8_extend_low_u8x16(d), hi = wasm_u16x8_extend_high_u8x16(d);
      vs = wasm_i32x4_add(vs, wasm_u32x4_extadd_pairwise_u16x8(wasm_i16x8_add(lo, hi)));
      vw = wasm_i32x4_add(vw, wasm_i32x4_dot_i16x8(lo, wlo));
      vw = wasm_i32x4_add(vw, wasm_i32x4_dot_i16x8(hi, whi));
    }
    uint32_t s = (uint32_t)(wasm_i32x4_extract_lane(vs, 0) + wasm_i32x4_extract_lane(vs, 1) +
                            wasm_i32x4_extract_lane(vs, 2) + wasm_i32x4_extract_lane(vs, 3));
    uint64_t ps = (uint64_t)(uint32_t)(wasm_i32x4_extract_lane(vp, 0) + wasm_i32x4_extract_lane(vp, 1) +
                                       wasm_i32x4_extract_lane(vp, 2) + wasm_i32x4_extract_lane(vp, 3));
    uint64_t w = (uint64_t)(uint32_t)(wasm_i32x4_extract_lane(vw, 0) + wasm_i32x4_extract_lane(vw, 1) +
                                      wasm_i32x4_extract_lane(vw, 2) + wasm_i32x4_extract_lane(vw, 3));
    b = (uint32_t)((b + (uint64_t)a * 16 * blocks + 16 * ps + w) % 65521);
    a = (a + s) % 65521;
  }
#endif
  /* 5552 bytes is the most that cannot overflow b before the reduction (zlib's NMAX) */
  while (i < n) {
    size_t end = i + 5552 < n ? i + 5552 : n;
    for (; i < end; i++) {
      a += p[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return b << 16 | a;
}

int main(int argc, char **argv) {
  int scale = bench_scale(argc, argv, 10);
  uint8_t *buf = xmalloc(N);
  rng_seed(7);
  static const char alphabet[] = "eeeettaaoinshrdlu   \n\n.,ab";
  for (size_t i = 0; i < N; i++) buf[i] = (uint8_t)alphabet[rng_below(sizeof alphabet - 1)];
  uint64_t h = FNV64_INIT;
  for (int s = 0; s < scale; s++) {
    buf[(size_t)s * 7919 % N] = (uint8_t)('a' + s % 2); /* vary the input per round */
    uint32_t lines = count_byte(buf, N, '\n');
    uint32_t es = count_byte(buf, N, 'e');
    uint32_t pairs;
    uint64_t ph = find_pairs(buf, N, 'a', 'b', &pairs);
    uint32_t ad = adler32(buf, N);
    h = mix64(h, lines);
    h = mix64(h, es);
    h = mix64(h, pairs);
    h = mix64(h, ph);
    h = mix64(h, ad);
  }
  printf("bytescan n=%d scale=%d checksum=%016" PRIx64 "\n", N, scale, h);
  free(buf);
  return 0;
}
