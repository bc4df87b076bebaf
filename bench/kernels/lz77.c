/* LZ77-style compression: a greedy compressor with a hash-chain match finder over a
 * 64 KiB window, a byte-oriented token format (literal runs and back-references with
 * varint lengths and distances), and the decompressor. Each round compresses
 * generated text (words drawn from a skewed vocabulary, plus some noise),
 * decompresses it and verifies the round trip byte for byte. */
#include "common.h"

#define WINDOW (1u << 16)
#define HASH_BITS 15
#define MIN_MATCH 4
#define MAX_MATCH 258
#define MAX_CHAIN 32

static inline uint32_t hash4(const uint8_t *p) {
  uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  return (v * 2654435761u) >> (32 - HASH_BITS);
}

static uint8_t *put_varint(uint8_t *o, uint32_t v) {
  while (v >= 0x80) {
    *o++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *o++ = (uint8_t)v;
  return o;
}

static const uint8_t *get_varint(const uint8_t *p, const uint8_t *end, uint32_t *v) {
  uint32_t r = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (p >= end) return NULL;
    uint8_t b = *p++;
    r |= (uint32_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return p;
    }
  }
  return NULL;
}

/* Token: tag byte. tag < 0x80: literal run of tag+1 bytes follows.
 * tag >= 0x80: match, length (tag & 0x7f) + MIN_MATCH, or if (tag & 0x7f) == 0x7f a
 * varint extra length follows; then the distance - 1 as a varint. */
static uint8_t *emit_literals(uint8_t *o, const uint8_t *lit, size_t n) {
  while (n > 0) {
    size_t k = n > 128 ? 128 : n;
    *o++ = (uint8_t)(k - 1);
    memcpy(o, lit, k);
    o += k;
    lit += k;
    n -= k;
  }
  return o;
}

static size_t compress(const uint8_t *in, size_t n, uint8_t *out, int32_t *head, int32_t *prev) {
  for (size_t i = 0; i < (1u << HASH_BITS); i++) head[i] = -1;
  uint8_t *o = out;
  size_t i = 0, lit_start = 0;
  while (i + MIN_MATCH <= n) {
    uint32_t hv = hash4(in + i);
    int32_t cand = head[hv];
    prev[i & (WINDOW - 1)] = cand;
    head[hv] = (int32_t)i;
    size_t best_len = 0, best_dist = 0;
    size_t max_len = n - i < MAX_MATCH ? n - i : MAX_MATCH;
    for (int chain = 0; cand >= 0 && chain < MAX_CHAIN; chain++) {
      size_t dist = i - (size_t)cand;
      if (dist > WINDOW - 1) break;
      if (in[cand + best_len] == in[i + best_len]) {
        size_t l = 0;
        while (l < max_len && in[cand + l] == in[i + l]) l++;
        if (l > best_len) {
          best_len = l;
          best_dist = dist;
          if (l == max_len) break;
        }
      }
      cand = prev[cand & (WINDOW - 1)];
    }
    if (best_len >= MIN_MATCH) {
      o = emit_literals(o, in + lit_start, i - lit_start);
      uint32_t lcode = (uint32_t)(best_len - MIN_MATCH);
      if (lcode < 0x7f) {
        *o++ = (uint8_t)(0x80 | lcode);
      } else {
        *o++ = 0xff;
        o = put_varint(o, lcode - 0x7f);
      }
      o = put_varint(o, (uint32_t)(best_dist - 1));
      /* insert the skipped positions into the hash chains */
      size_t end = i + best_len;
      for (i++; i < end && i + MIN_MATCH <= n; i++) {
        uint32_t h2 = hash4(in + i);
        prev[i & (WINDOW - 1)] = head[h2];
        head[h2] = (int32_t)i;
      }
      i = end;
      lit_start = i;
    } else {
      i++;
    }
  }
  o = emit_literals(o, in + lit_start, n - lit_start);
  return (size_t)(o - out);
}

/* Returns the decompressed size, or (size_t)-1 on malformed input. */
static size_t decompress(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
  const uint8_t *p = in, *end = in + n;
  size_t o = 0;
  while (p < end) {
    uint8_t tag = *p++;
    if (tag < 0x80) {
      size_t k = (size_t)tag + 1;
      if ((size_t)(end - p) < k || cap - o < k) return (size_t)-1;
      memcpy(out + o, p, k);
      p += k;
      o += k;
    } else {
      uint32_t len = tag & 0x7f, extra, dist;
      if (len == 0x7f) {
        if (!(p = get_varint(p, end, &extra))) return (size_t)-1;
        len += extra;
      }
      len += MIN_MATCH;
      if (!(p = get_varint(p, end, &dist))) return (size_t)-1;
      dist += 1;
      if (dist > o || cap - o < len) return (size_t)-1;
      const uint8_t *src = out + o - dist;
      for (uint32_t k = 0; k < len; k++) out[o + k] = src[k]; /* may overlap */
      o += len;
    }
  }
  return o;
}

static size_t make_text(uint8_t *buf, size_t n) {
  static const char *const syll[] = {"ka", "lo", "mi", "ne", "ru", "sa", "te", "vo",
                                     "qua", "zen", "tho", "ph", "ing", "er", "st", "ou"};
  char words[512][16];
  for (int w = 0; w < 512; w++) {
    int ns = 1 + (int)rng_below(4);
    words[w][0] = 0;
    for (int s = 0; s < ns; s++) strcat(words[w], syll[rng_below(16)]);
  }
  size_t o = 0;
  while (o + 40 < n) {
    /* skewed: low word numbers much more frequent */
    uint32_t r = rng_below(512);
    uint32_t w = (r * r) / 512;
    size_t l = strlen(words[w]);
    memcpy(buf + o, words[w], l);
    o += l;
    uint32_t c = rng_below(64);
    if (c == 0) {
      memcpy(buf + o, ".\n", 2);
      o += 2;
    } else if (c < 4) {
      buf[o++] = ',';
      buf[o++] = ' ';
    } else if (c < 5) { /* noise: a number */
      o += (size_t)sprintf((char *)buf + o, " %u ", (unsigned)rng_below(100000));
    } else {
      buf[o++] = ' ';
    }
  }
  return o;
}

int main(int argc, char **argv) {
  int rounds = bench_scale(argc, argv, 4);
  const size_t cap = (size_t)1 << 20; /* 1 MiB of text per round */
  uint8_t *text = xmalloc(cap);
  uint8_t *comp = xmalloc(cap + cap / 64 + 64);
  uint8_t *back = xmalloc(cap);
  int32_t *head = xmalloc(sizeof(int32_t) << HASH_BITS);
  int32_t *prev = xmalloc(sizeof(int32_t) * WINDOW);
  uint64_t h = FNV64_INIT, total_in = 0, total_out = 0;
  rng_seed(77);
  for (int r = 0; r < rounds; r++) {
    size_t n = make_text(text, cap);
    size_t cn = compress(text, n, comp, head, prev);
    size_t dn = decompress(comp, cn, back, cap);
    if (dn != n || memcmp(text, back, n) != 0) bench_fail("round trip");
    h = fnv1a64(comp, cn, h);
    total_in += n;
    total_out += cn;
  }
  printf("lz77 rounds=%d in=%" PRIu64 " out=%" PRIu64 " hash=%016" PRIx64 "\n", rounds, total_in,
         total_out, h);
  free(text); free(comp); free(back); free(head); free(prev);
  return 0;
}
