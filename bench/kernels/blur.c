/* Image filter: a separable [1 2 1] blur (horizontal, then vertical) over a
 * generated 8-bit grayscale image, several passes, then a brightness lift with
 * saturation and a threshold count. Checksums the final image.
 *
 * run.sh builds this file twice for wasm32-wasi: `blur` (scalar) and
 * `blur_simd` (with -msimd128, where __wasm_simd128__ selects the
 * wasm_simd128.h paths below). Both compute exactly the same integers, so
 * the outputs must match the native build byte for byte. */
#include "common.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

enum { W = 512, H = 512 };

/* out[x] = (in[x-1] + 2*in[x] + in[x+1] + 2) >> 2, edges clamped */
static void blur_row(const uint8_t *in, uint8_t *out) {
  int x = 1;
  out[0] = (uint8_t)((3 * in[0] + in[1] + 2) >> 2);
#if defined(__wasm_simd128__)
  const v128_t two = wasm_i16x8_splat(2);
  for (; x + 16 <= W - 1; x += 16) {
    v128_t l = wasm_v128_load(in + x - 1), c = wasm_v128_load(in + x), r = wasm_v128_load(in + x + 1);
    v128_t lo = wasm_i16x8_add(wasm_u16x8_extend_low_u8x16(l), wasm_u16x8_extend_low_u8x16(r));
    v128_t hi = wasm_i16x8_add(wasm_u16x8_extend_high_u8x16(l), wasm_u16x8_extend_high_u8x16(r));
    lo = wasm_i16x8_add(lo, wasm_i16x8_shl(wasm_u16x8_extend_low_u8x16(c), 1));
    hi = wasm_i16x8_add(hi, wasm_i16x8_shl(wasm_u16x8_extend_high_u8x16(c), 1));
    lo = wasm_u16x8_shr(wasm_i16x8_add(lo, two), 2);
    hi = wasm_u16x8_shr(wasm_i16x8_add(hi, two), 2);
    wasm_v128_store(out + x, wasm_u8x16_narrow_i16x8(lo, hi));
  }
#endif
  for (; x < W - 1; x++) out[x] = (uint8_t)((in[x - 1] + 2 * in[x] + in[x + 1] + 2) >> 2);
  out[W - 1] = (uint8_t)((in[W - 2] + 3 * in[W - 1] + 2) >> 2);
}

/* out = (a + 2*b + c + 2) >> 2, a whole row at a time */
static void blur_cols(const uint8_t *a, const uint8_t *b, const uint8_t *c, uint8_t *out) {
  int x = 0;
#if defined(__wasm_simd128__)
  const v128_t two = wasm_i16x8_splat(2);
  for (; x + 16 <= W; x += 16) {
    v128_t va = wasm_v128_load(a + x), vb = wasm_v128_load(b + x), vc = wasm_v128_load(c + x);
    v128_t lo = wasm_i16x8_add(wasm_u16x8_extend_low_u8x16(va), wasm_u16x8_extend_low_u8x16(vc));
    v128_t hi = wasm_i16x8_add(wasm_u16x8_extend_high_u8x16(va), wasm_u16x8_extend_high_u8x16(vc));
    lo = wasm_i16x8_add(lo, wasm_i16x8_shl(wasm_u16x8_extend_low_u8x16(vb), 1));
    hi = wasm_i16x8_add(hi, wasm_i16x8_shl(wasm_u16x8_extend_high_u8x16(vb), 1));
    lo = wasm_u16x8_shr(wasm_i16x8_add(lo, two), 2);
    hi = wasm_u16x8_shr(wasm_i16x8_add(hi, two), 2);
    wasm_v128_store(out + x, wasm_u8x16_narrow_i16x8(lo, hi));
  }
#endif
  for (; x < W; x++) out[x] = (uint8_t)((a[x] + 2 * b[x] + c[x] + 2) >> 2);
}

static void blur(uint8_t *img, uint8_t *tmp) {
  for (int y = 0; y < H; y++) blur_row(img + (size_t)y * W, tmp + (size_t)y * W);
  for (int y = 0; y < H; y++) {
    const uint8_t *a = tmp + (size_t)(y ? y - 1 : 0) * W;
    const uint8_t *b = tmp + (size_t)y * W;
    const uint8_t *c = tmp + (size_t)(y < H - 1 ? y + 1 : H - 1) * W;
    blur_cols(a, b, c, img + (size_t)y * W);
  }
}

/* img = min(img + k, 255); returns how many pixels are >= t */
static uint32_t lift_and_count(uint8_t *img, uint8_t k, uint8_t t) {
  size_t i = 0, n = (size_t)W * H;
  uint32_t count = 0;
#if defined(__wasm_simd128__)
  const v128_t vk = wasm_u8x16_splat(k), vt = wasm_u8x16_splat(t);
  for (; i + 16 <= n; i += 16) {
    v128_t v = wasm_u8x16_add_sat(wasm_v128_load(img + i), vk);
    wasm_v128_store(img + i, v);
    count += (uint32_t)__builtin_popcount(wasm_i8x16_bitmask(wasm_u8x16_ge(v, vt)));
  }
#endif
  for (; i < n; i++) {
    unsigned v = img[i] + k;
    img[i] = (uint8_t)(v > 255 ? 255 : v);
    count += img[i] >= t;
  }
  return count;
}

int main(int argc, char **argv) {
  int scale = bench_scale(argc, argv, 6);
  uint8_t *img = xmalloc((size_t)W * H), *tmp = xmalloc((size_t)W * H);
  rng_seed(42);
  for (size_t i = 0; i < (size_t)W * H; i++) img[i] = (uint8_t)(rng_next() >> 56);
  uint64_t h = FNV64_INIT;
  for (int s = 0; s < scale; s++) {
    for (int p = 0; p < 4; p++) blur(img, tmp);
    uint32_t bright = lift_and_count(img, (uint8_t)(3 + s), 140);
    h = mix64(h, bright);
    h = fnv1a64(img, (size_t)W * H, h);
  }
  printf("blur %dx%d scale=%d checksum=%016" PRIx64 "\n", W, H, scale, h);
  free(img);
  free(tmp);
  return 0;
}
