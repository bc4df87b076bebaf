/* Bounds-checked reading of the WebAssembly binary encoding (bytes and
 * LEB128 integers), shared by the decoder and the function compiler.
 * Internal. Every function returns NULL on success or the spec's reason. */
#ifndef TEA_WASM_READER_H
#define TEA_WASM_READER_H

#include <stdint.h>
#include <string.h>

typedef struct tea_reader {
  const uint8_t *p;
  const uint8_t *end;
} tea_reader;

#define TEA_RD_EOF "unexpected end"
#define TEA_RD_LONG "integer representation too long"
#define TEA_RD_LARGE "integer too large"

static inline const char *tea_rd_u8(tea_reader *r, uint8_t *out) {
  if (r->p >= r->end) return TEA_RD_EOF;
  *out = *r->p++;
  return NULL;
}

/* Unsigned LEB128 of at most `bits` bits (32 or 64). */
static inline const char *tea_rd_uleb(tea_reader *r, unsigned bits, uint64_t *out) {
  uint64_t v = 0;
  unsigned shift = 0;
  unsigned max_bytes = (bits + 6) / 7;
  for (unsigned i = 0;; i++) {
    if (r->p >= r->end) return TEA_RD_EOF;
    uint8_t b = *r->p++;
    if (i == max_bytes - 1) {
      /* the last byte may only carry the bits that remain */
      unsigned rem = bits - shift;
      if (b & 0x80) return TEA_RD_LONG;
      if (rem < 7 && (b >> rem) != 0) return TEA_RD_LARGE;
      v |= (uint64_t)b << shift;
      break;
    }
    v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  *out = v;
  return NULL;
}

/* Signed LEB128 of at most `bits` bits (32, 33 or 64). */
static inline const char *tea_rd_sleb(tea_reader *r, unsigned bits, int64_t *out) {
  uint64_t v = 0;
  unsigned shift = 0;
  unsigned max_bytes = (bits + 6) / 7;
  uint8_t b;
  for (unsigned i = 0;; i++) {
    if (r->p >= r->end) return TEA_RD_EOF;
    b = *r->p++;
    if (i == max_bytes - 1) {
      if (b & 0x80) return TEA_RD_LONG;
      /* the unused high bits must all equal the sign bit */
      unsigned rem = bits - shift; /* value bits in this byte, 1..7 */
      if (rem < 7) {
        int8_t sb = (int8_t)(b << 1) >> 1; /* sign-extend 7 bits */
        int8_t top = (int8_t)(sb >> (rem - 1));
        if (top != 0 && top != -1) return TEA_RD_LARGE;
      }
      v |= (uint64_t)(b & 0x7f) << shift;
      shift += 7;
      break;
    }
    v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  if (shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
  *out = (int64_t)v;
  return NULL;
}

static inline const char *tea_rd_u32(tea_reader *r, uint32_t *out) {
  uint64_t v;
  const char *e = tea_rd_uleb(r, 32, &v);
  if (!e) *out = (uint32_t)v;
  return e;
}

static inline const char *tea_rd_bytes(tea_reader *r, size_t n, const uint8_t **out) {
  if ((size_t)(r->end - r->p) < n) return TEA_RD_EOF;
  *out = r->p;
  r->p += n;
  return NULL;
}

#endif
