#include "tea/cbor.h"

#include <stdlib.h>
#include <string.h>

/* ---- shared: item heads ---- */

enum { MT_UINT, MT_NEG, MT_BYTES, MT_TEXT, MT_ARRAY, MT_MAP, MT_TAG, MT_SIMPLE };

typedef struct head {
  unsigned major, ai;
  uint64_t arg;
} head;

/* Parses the head at *off and enforces the canonical rules that concern a head alone:
 * shortest argument form, no indefinite lengths, no reserved additional info, and in
 * major type 7 only false, true and null. */
static tea_code read_head(const uint8_t *b, size_t len, size_t *off, head *h, tea_error *err) {
  size_t at = *off;
  h->major = h->ai = 0; /* defined on every path, failures included */
  h->arg = 0;
  if (at >= len) return tea_fail(err, TEA_ERR_MALFORMED, "cbor: truncated at offset %zu", at);
  uint8_t ib = b[at];
  h->major = ib >> 5;
  h->ai = ib & 31;
  if (h->major == MT_SIMPLE) {
    if (h->ai >= 20 && h->ai <= 22) {
      h->arg = h->ai;
      *off = at + 1;
      return TEA_OK;
    }
    if (h->ai >= 25 && h->ai <= 27)
      return tea_fail(err, TEA_ERR_INVALID, "cbor: float at offset %zu (not allowed)", at);
    if (h->ai == 31)
      return tea_fail(err, TEA_ERR_MALFORMED, "cbor: unexpected break at offset %zu", at);
    return tea_fail(err, TEA_ERR_INVALID, "cbor: simple value 0x%02x at offset %zu (only false, true, null)",
                    ib, at);
  }
  if (h->ai < 24) {
    h->arg = h->ai;
    *off = at + 1;
    return TEA_OK;
  }
  if (h->ai == 31)
    return tea_fail(err, TEA_ERR_INVALID, "cbor: indefinite length at offset %zu (not allowed)", at);
  if (h->ai > 27)
    return tea_fail(err, TEA_ERR_MALFORMED, "cbor: reserved additional info %u at offset %zu", h->ai, at);
  size_t n = (size_t)1 << (h->ai - 24);
  if (len - at - 1 < n)
    return tea_fail(err, TEA_ERR_MALFORMED, "cbor: truncated head at offset %zu", at);
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) v = v << 8 | b[at + 1 + i];
  /* The shortest form is the only canonical one: a value that fits the next smaller
   * form must use it. */
  static const uint64_t min_for[4] = {24, 0x100, 0x10000, 0x100000000ull};
  if (v < min_for[h->ai - 24])
    return tea_fail(err, TEA_ERR_INVALID, "cbor: non-shortest integer or length at offset %zu", at);
  h->arg = v;
  *off = at + 1 + n;
  return TEA_OK;
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n) {
  if (n <= 8) { /* most text is a short ASCII key or name: one word */
    uint64_t w = 0;
    if (n) memcpy(&w, s, n);
    if (!(w & 0x8080808080808080ull)) return true;
  }
  size_t i = 0;
  while (i < n) {
    if (n - i >= 8) { /* ASCII runs, eight bytes at a time */
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (!(w & 0x8080808080808080ull)) {
        i += 8;
        continue;
      }
    }
    uint8_t c = s[i];
    if (c < 0x80) { i++; continue; }
    size_t k;
    uint32_t cp, min;
    if ((c & 0xe0) == 0xc0) { k = 1; cp = c & 0x1f; min = 0x80; }
    else if ((c & 0xf0) == 0xe0) { k = 2; cp = c & 0x0f; min = 0x800; }
    else if ((c & 0xf8) == 0xf0) { k = 3; cp = c & 0x07; min = 0x10000; }
    else return false;
    if (n - i - 1 < k) return false;
    for (size_t j = 1; j <= k; j++) {
      if ((s[i + j] & 0xc0) != 0x80) return false;
      cp = cp << 6 | (s[i + j] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += k + 1;
  }
  return true;
}

/* ---- validation ---- */

static tea_code validate_item(const uint8_t *b, size_t len, size_t *off, unsigned depth, tea_error *err) {
  size_t at = *off;
  head h = {0};
  tea_code c = read_head(b, len, off, &h, err);
  if (c) return c;
  switch (h.major) {
  case MT_UINT:
  case MT_NEG:
  case MT_SIMPLE:
    return TEA_OK;
  case MT_BYTES:
  case MT_TEXT:
    if (h.arg > len - *off)
      return tea_fail(err, TEA_ERR_MALFORMED, "cbor: string length %llu at offset %zu runs past the input",
                      (unsigned long long)h.arg, at);
    if (h.major == MT_TEXT && !utf8_valid(b + *off, (size_t)h.arg))
      return tea_fail(err, TEA_ERR_INVALID, "cbor: text at offset %zu is not valid UTF-8", at);
    *off += (size_t)h.arg;
    return TEA_OK;
  default:
    break;
  }
  if (depth >= TEA_CBOR_MAX_DEPTH)
    return tea_fail(err, TEA_ERR_LIMIT, "cbor: nesting deeper than %d at offset %zu", TEA_CBOR_MAX_DEPTH, at);
  if (h.major == MT_TAG) return validate_item(b, len, off, depth + 1, err);
  /* Every item takes at least one byte, so a count beyond the remaining input is a lie;
   * checking it first also bounds the loops below by the input size. */
  uint64_t items = h.arg;
  if (h.major == MT_MAP) {
    if (items > (len - *off) / 2)
      return tea_fail(err, TEA_ERR_MALFORMED, "cbor: map of %llu pairs at offset %zu runs past the input",
                      (unsigned long long)items, at);
    const uint8_t *prev = NULL;
    size_t prev_len = 0;
    for (uint64_t i = 0; i < items; i++) {
      size_t kstart = *off;
      if ((c = validate_item(b, len, off, depth + 1, err))) return c;
      size_t klen = *off - kstart;
      if (prev) {
        size_t m = prev_len < klen ? prev_len : klen;
        int cmp = memcmp(prev, b + kstart, m);
        if (cmp == 0 && prev_len == klen)
          return tea_fail(err, TEA_ERR_INVALID, "cbor: duplicate map key at offset %zu", kstart);
        if (cmp > 0 || (cmp == 0 && prev_len > klen))
          return tea_fail(err, TEA_ERR_INVALID, "cbor: map key at offset %zu out of order", kstart);
      }
      prev = b + kstart;
      prev_len = klen;
      if ((c = validate_item(b, len, off, depth + 1, err))) return c;
    }
    return TEA_OK;
  }
  if (items > len - *off)
    return tea_fail(err, TEA_ERR_MALFORMED, "cbor: array of %llu items at offset %zu runs past the input",
                    (unsigned long long)items, at);
  for (uint64_t i = 0; i < items; i++)
    if ((c = validate_item(b, len, off, depth + 1, err))) return c;
  return TEA_OK;
}

tea_code tea_cbor_validate_prefix(const uint8_t *buf, size_t len, size_t *item_len, tea_error *err) {
  if (!buf && len) return tea_fail(err, TEA_ERR_ARG, "cbor: NULL buffer");
  size_t off = 0;
  tea_code c = validate_item(buf, len, &off, 0, err);
  if (c) return c;
  if (item_len) *item_len = off;
  return TEA_OK;
}

tea_code tea_cbor_validate(const uint8_t *buf, size_t len, tea_error *err) {
  size_t n = 0;
  tea_code c = tea_cbor_validate_prefix(buf, len, &n, err);
  if (c) return c;
  if (n != len)
    return tea_fail(err, TEA_ERR_MALFORMED, "cbor: %zu trailing bytes at offset %zu", len - n, n);
  return TEA_OK;
}

/* Length of the (already validated) item at off, for skipping and for sorting map pairs
 * in the encoder. Still bounds-checked so a logic error cannot read out of bounds. */
static tea_code item_end(const uint8_t *b, size_t len, size_t *off, unsigned depth, tea_error *err) {
  head h = {0};
  tea_code c = read_head(b, len, off, &h, err);
  if (c) return c;
  if (depth > TEA_CBOR_MAX_DEPTH + 1) return tea_fail(err, TEA_ERR_LIMIT, "cbor: nesting too deep");
  switch (h.major) {
  case MT_BYTES:
  case MT_TEXT:
    if (h.arg > len - *off) return tea_fail(err, TEA_ERR_MALFORMED, "cbor: string runs past the input");
    *off += (size_t)h.arg;
    return TEA_OK;
  case MT_TAG:
    return item_end(b, len, off, depth + 1, err);
  case MT_ARRAY:
  case MT_MAP: {
    uint64_t n = h.major == MT_MAP ? h.arg * 2 : h.arg;
    if (h.arg > len - *off) return tea_fail(err, TEA_ERR_MALFORMED, "cbor: container runs past the input");
    for (uint64_t i = 0; i < n; i++)
      if ((c = item_end(b, len, off, depth + 1, err))) return c;
    return TEA_OK;
  }
  default:
    return TEA_OK;
  }
}

/* ---- encoder ---- */

void tea_cbor_enc_init(tea_cbor_enc *e) {
  /* not a memset of the whole encoder (2.8 KiB, mostly the frame stack): a
     frame is written whole when its container opens, before it is read */
  e->buf = NULL;
  e->len = e->cap = 0;
  e->limit = TEA_CBOR_DEFAULT_LIMIT;
  e->depth = e->pending_tags = 0;
  tea_error_clear(&e->err);
}

void tea_cbor_enc_set_limit(tea_cbor_enc *e, size_t limit) { e->limit = limit; }

void tea_cbor_enc_free(tea_cbor_enc *e) {
  free(e->buf);
  e->buf = NULL;
  e->len = e->cap = 0;
}

static tea_code enc_fail(tea_cbor_enc *e, tea_code code, const char *msg) {
  if (e->err.code == TEA_OK) tea_fail(&e->err, code, "cbor encode: %s at offset %zu", msg, e->len);
  return e->err.code;
}

static tea_code enc_reserve(tea_cbor_enc *e, size_t n) {
  if (n > e->limit || e->len > e->limit - n) return enc_fail(e, TEA_ERR_LIMIT, "output over its limit");
  if (e->len + n <= e->cap) return TEA_OK;
  size_t cap = e->cap ? e->cap : 64;
  while (cap < e->len + n) cap = cap > SIZE_MAX / 2 ? e->len + n : cap * 2;
  uint8_t *nb = realloc(e->buf, cap);
  if (!nb) return enc_fail(e, TEA_ERR_NOMEM, "cannot grow buffer");
  e->buf = nb;
  e->cap = cap;
  return TEA_OK;
}

tea_code tea_cbor_enc_reserve(tea_cbor_enc *e, size_t n) {
  return e->err.code ? e->err.code : enc_reserve(e, n);
}

size_t tea_cbor_head(uint8_t out[9], unsigned major, uint64_t v) {
  size_t n;
  uint8_t mt = (uint8_t)((major & 7) << 5);
  if (v < 24) { out[0] = mt | (uint8_t)v; n = 1; }
  else if (v <= 0xff) { out[0] = mt | 24; n = 2; }
  else if (v <= 0xffff) { out[0] = mt | 25; n = 3; }
  else if (v <= 0xffffffffull) { out[0] = mt | 26; n = 5; }
  else { out[0] = mt | 27; n = 9; }
  for (size_t i = 1; i < n; i++) out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
  return n;
}

static tea_code enc_head(tea_cbor_enc *e, unsigned major, uint64_t v) {
  uint8_t tmp[9];
  size_t n = tea_cbor_head(tmp, major, v);
  if (enc_reserve(e, n)) return e->err.code;
  memcpy(e->buf + e->len, tmp, n);
  e->len += n;
  return TEA_OK;
}

/* Called before writing any item (or a container's head): checks room in the
 * parent, and notes where a map key starts (at its first tag, if any). */
static tea_code enc_begin_item(tea_cbor_enc *e) {
  if (e->err.code) return e->err.code;
  if (e->depth) {
    tea_cbor_frame *f = &e->stack[e->depth - 1];
    if (f->written >= f->expected) return enc_fail(e, TEA_ERR_STATE, "more items than the container declared");
    if (f->is_map && f->written % 2 == 0 && !e->pending_tags) f->key_start = e->len;
  }
  return TEA_OK;
}

/* Called when an item (with any tags before it) is complete. A map key is
 * compared with the one before it as it is written, so that a map written in
 * canonical order (most are) closes without being walked again. */
static void enc_item_done(tea_cbor_enc *e) {
  e->pending_tags = 0;
  if (!e->depth) return;
  tea_cbor_frame *f = &e->stack[e->depth - 1];
  if (f->is_map && f->written % 2 == 0) {
    size_t klen = e->len - f->key_start;
    if (f->written) {
      /* the heads differ for most keys (their lengths do) and decide */
      int c = (int)e->buf[f->prev_key] - (int)e->buf[f->key_start];
      if (c == 0) {
        size_t m = f->prev_key_len < klen ? f->prev_key_len : klen;
        c = memcmp(e->buf + f->prev_key, e->buf + f->key_start, m);
      }
      if (c > 0 || (c == 0 && f->prev_key_len >= klen)) f->unsorted = 1; /* or a duplicate */
    }
    f->prev_key = f->key_start;
    f->prev_key_len = klen;
  }
  f->written++;
}

tea_code tea_cbor_put_uint(tea_cbor_enc *e, uint64_t v) {
  if (enc_begin_item(e) || enc_head(e, MT_UINT, v)) return e->err.code;
  enc_item_done(e);
  return TEA_OK;
}

tea_code tea_cbor_put_int(tea_cbor_enc *e, int64_t v) {
  if (v >= 0) return tea_cbor_put_uint(e, (uint64_t)v);
  /* -1 - v without overflow: ~v reinterprets as the CBOR argument. */
  if (enc_begin_item(e) || enc_head(e, MT_NEG, ~(uint64_t)v)) return e->err.code;
  enc_item_done(e);
  return TEA_OK;
}

static tea_code enc_string(tea_cbor_enc *e, unsigned major, const void *p, size_t n) {
  if (enc_begin_item(e)) return e->err.code;
  if (n && !p) return enc_fail(e, TEA_ERR_ARG, "NULL string");
  if (major == MT_TEXT && !utf8_valid(p, n)) return enc_fail(e, TEA_ERR_ARG, "text is not valid UTF-8");
  uint8_t head[9];
  size_t hl = tea_cbor_head(head, major, n);
  if (enc_reserve(e, hl + n)) return e->err.code; /* head and bytes: one check, one copy each */
  memcpy(e->buf + e->len, head, hl);
  if (n) memcpy(e->buf + e->len + hl, p, n);
  e->len += hl + n;
  enc_item_done(e);
  return TEA_OK;
}

tea_code tea_cbor_put_bytes(tea_cbor_enc *e, const void *p, size_t n) { return enc_string(e, MT_BYTES, p, n); }
tea_code tea_cbor_put_text(tea_cbor_enc *e, const char *s, size_t n) { return enc_string(e, MT_TEXT, s, n); }
tea_code tea_cbor_put_cstr(tea_cbor_enc *e, const char *s) {
  if (!s) return enc_fail(e, TEA_ERR_ARG, "NULL string");
  return enc_string(e, MT_TEXT, s, strlen(s));
}

static tea_code enc_simple(tea_cbor_enc *e, uint8_t byte) {
  if (enc_begin_item(e) || enc_reserve(e, 1)) return e->err.code;
  e->buf[e->len++] = byte;
  enc_item_done(e);
  return TEA_OK;
}

tea_code tea_cbor_put_bool(tea_cbor_enc *e, bool v) { return enc_simple(e, v ? 0xf5 : 0xf4); }
tea_code tea_cbor_put_null(tea_cbor_enc *e) { return enc_simple(e, 0xf6); }

/* Containers and tags enclosing the next item: the validator's depth for it. Tags nest
 * like containers on the reading side, so they share the budget. */
static unsigned enc_level(const tea_cbor_enc *e) {
  return (e->depth ? e->stack[e->depth - 1].levels : 0) + e->pending_tags;
}

tea_code tea_cbor_put_tag(tea_cbor_enc *e, uint64_t tag) {
  if (enc_begin_item(e)) return e->err.code;
  if (enc_level(e) >= TEA_CBOR_MAX_DEPTH) return enc_fail(e, TEA_ERR_LIMIT, "nesting too deep");
  if (enc_head(e, MT_TAG, tag)) return e->err.code;
  e->pending_tags++;
  return TEA_OK;
}

tea_code tea_cbor_put_raw(tea_cbor_enc *e, const uint8_t *item, size_t n) {
  if (enc_begin_item(e)) return e->err.code;
  tea_error verr;
  if (tea_cbor_validate(item, n, &verr)) {
    if (e->err.code == TEA_OK) tea_fail(&e->err, verr.code, "cbor encode: raw item: %s", verr.msg);
    return e->err.code;
  }
  if (enc_reserve(e, n)) return e->err.code;
  memcpy(e->buf + e->len, item, n);
  e->len += n;
  enc_item_done(e);
  return TEA_OK;
}

static tea_code enc_begin(tea_cbor_enc *e, bool is_map, uint64_t n) {
  if (enc_begin_item(e)) return e->err.code;
  unsigned level = enc_level(e);
  /* The stack holds one frame per container, and containers are at most all the levels. */
  if (level >= TEA_CBOR_MAX_DEPTH) return enc_fail(e, TEA_ERR_LIMIT, "nesting too deep");
  if (is_map && n > UINT64_MAX / 2) return enc_fail(e, TEA_ERR_ARG, "map too large");
  if (enc_head(e, is_map ? MT_MAP : MT_ARRAY, n)) return e->err.code;
  tea_cbor_frame *f = &e->stack[e->depth++];
  f->levels = level + 1;
  f->is_map = is_map;
  f->start = e->len;
  f->expected = is_map ? n * 2 : n;
  f->written = 0;
  f->unsorted = 0;
  /* Tags before the container belong to it; they are counted when it closes. */
  e->pending_tags = 0;
  return TEA_OK;
}

tea_code tea_cbor_begin_array(tea_cbor_enc *e, uint64_t n) { return enc_begin(e, false, n); }
tea_code tea_cbor_begin_map(tea_cbor_enc *e, uint64_t npairs) { return enc_begin(e, true, npairs); }

typedef struct pair_ref {
  const uint8_t *key;
  size_t key_len, off, len; /* pair offset and length (key + value) */
} pair_ref;

static int pair_cmp(const void *a, const void *b) {
  const pair_ref *x = a, *y = b;
  size_t m = x->key_len < y->key_len ? x->key_len : y->key_len;
  int c = memcmp(x->key, y->key, m);
  if (c) return c;
  return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* Sorts the pairs of the map whose contents occupy buf[start..len) bytewise by encoded
 * key, as RFC 8949 4.2.1 requires, and rejects duplicate keys. */
static tea_code sort_map(tea_cbor_enc *e, size_t start, uint64_t npairs) {
  if (npairs < 2) return TEA_OK;
  /* Receipts and blocks are hashed on every call: small maps need no heap,
     and a map written in canonical order is left as it is. */
  pair_ref small[32];
  pair_ref *refs = npairs <= 32 ? small : calloc((size_t)npairs, sizeof *refs);
  uint8_t *tmp = NULL;
  tea_code c = TEA_OK;
  if (!refs) {
    c = enc_fail(e, TEA_ERR_NOMEM, "cannot sort map");
    goto out;
  }
  size_t off = start;
  tea_error ierr;
  bool sorted = true;
  for (uint64_t i = 0; i < npairs; i++) {
    pair_ref *p = &refs[i];
    p->off = off;
    p->key = e->buf + off;
    if (item_end(e->buf, e->len, &off, 0, &ierr)) { c = enc_fail(e, TEA_ERR_STATE, "internal: bad map key"); goto out; }
    p->key_len = off - p->off;
    if (item_end(e->buf, e->len, &off, 0, &ierr)) { c = enc_fail(e, TEA_ERR_STATE, "internal: bad map value"); goto out; }
    p->len = off - p->off;
    if (i && pair_cmp(&refs[i - 1], p) >= 0) sorted = false;
  }
  if (sorted) goto out;
  qsort(refs, (size_t)npairs, sizeof *refs, pair_cmp);
  if (!(tmp = malloc(e->len - start))) {
    c = enc_fail(e, TEA_ERR_NOMEM, "cannot sort map");
    goto out;
  }
  size_t w = 0;
  for (uint64_t i = 0; i < npairs; i++) {
    if (i && pair_cmp(&refs[i - 1], &refs[i]) == 0) {
      c = enc_fail(e, TEA_ERR_ARG, "duplicate map key");
      goto out;
    }
    memcpy(tmp + w, refs[i].key, refs[i].len);
    w += refs[i].len;
  }
  memcpy(e->buf + start, tmp, w);
out:
  if (refs != small) free(refs);
  free(tmp);
  return c;
}

tea_code tea_cbor_end(tea_cbor_enc *e) {
  if (e->err.code) return e->err.code;
  if (!e->depth) return enc_fail(e, TEA_ERR_STATE, "end without an open container");
  if (e->pending_tags) return enc_fail(e, TEA_ERR_STATE, "tag without content");
  tea_cbor_frame *f = &e->stack[e->depth - 1];
  if (f->written != f->expected) return enc_fail(e, TEA_ERR_STATE, "fewer items than the container declared");
  if (f->is_map && f->unsorted && sort_map(e, f->start, f->expected / 2)) return e->err.code;
  e->depth--;
  enc_item_done(e);
  return TEA_OK;
}

tea_code tea_cbor_enc_finish(tea_cbor_enc *e, uint8_t **out, size_t *out_len, tea_error *err) {
  if (!e->err.code && (e->depth || e->pending_tags)) enc_fail(e, TEA_ERR_STATE, "unclosed container or tag");
  if (e->err.code) {
    if (err) *err = e->err;
    return e->err.code;
  }
  *out = e->buf;
  *out_len = e->len;
  e->buf = NULL;
  e->len = e->cap = 0;
  return TEA_OK;
}

/* ---- reader ---- */

static const char *type_name(unsigned major, uint64_t arg) {
  static const char *names[] = {"uint", "negint", "bytes", "text", "array", "map", "tag"};
  if (major < 7) return names[major];
  return arg == 22 ? "null" : "bool";
}

tea_code tea_cbor_reader_init(tea_cbor_reader *r, const uint8_t *buf, size_t len, tea_error *err) {
  r->buf = NULL;
  r->len = r->off = 0;
  tea_code c = tea_cbor_validate(buf, len, err);
  if (c) return c;
  r->buf = buf;
  r->len = len;
  return TEA_OK;
}

bool tea_cbor_at_end(const tea_cbor_reader *r) { return r->off >= r->len; }
size_t tea_cbor_offset(const tea_cbor_reader *r) { return r->off; }

tea_code tea_cbor_peek(const tea_cbor_reader *r, tea_cbor_type *type, tea_error *err) {
  if (r->off >= r->len) return tea_fail(err, TEA_ERR_NOT_FOUND, "cbor: no more items at offset %zu", r->off);
  uint8_t ib = r->buf[r->off];
  unsigned major = ib >> 5;
  static const tea_cbor_type map[] = {TEA_CBOR_UINT, TEA_CBOR_NEGINT, TEA_CBOR_BYTES, TEA_CBOR_TEXT,
                                      TEA_CBOR_ARRAY, TEA_CBOR_MAP, TEA_CBOR_TAG};
  *type = major < 7 ? map[major] : (ib == 0xf6 ? TEA_CBOR_NULL : TEA_CBOR_BOOL);
  return TEA_OK;
}

/* Reads the next head and checks its major type (and for simple values, which one). */
static tea_code expect(tea_cbor_reader *r, unsigned major, head *h, const char *want, tea_error *err) {
  size_t at = r->off, off = r->off;
  if (!r->buf) return tea_fail(err, TEA_ERR_STATE, "cbor: reader not initialised");
  tea_code c = read_head(r->buf, r->len, &off, h, err);
  if (c) return c;
  if (h->major != major)
    return tea_fail(err, TEA_ERR_INVALID, "cbor: expected %s at offset %zu, found %s", want, at,
                    type_name(h->major, h->arg));
  r->off = off;
  return TEA_OK;
}

tea_code tea_cbor_read_uint(tea_cbor_reader *r, uint64_t *v, tea_error *err) {
  head h = {0};
  tea_code c = expect(r, MT_UINT, &h, "uint", err);
  if (!c) *v = h.arg;
  return c;
}

tea_code tea_cbor_read_int(tea_cbor_reader *r, int64_t *v, tea_error *err) {
  tea_cbor_type t = TEA_CBOR_NULL;
  tea_code c = tea_cbor_peek(r, &t, err);
  if (c) return c;
  size_t at = r->off, off = r->off;
  head h = {0};
  if (t != TEA_CBOR_UINT && t != TEA_CBOR_NEGINT) return expect(r, MT_UINT, &h, "integer", err);
  if ((c = read_head(r->buf, r->len, &off, &h, err))) return c;
  if (h.arg > INT64_MAX) return tea_fail(err, TEA_ERR_LIMIT, "cbor: integer at offset %zu outside int64", at);
  *v = t == TEA_CBOR_UINT ? (int64_t)h.arg : -1 - (int64_t)h.arg;
  r->off = off;
  return TEA_OK;
}

static tea_code read_string(tea_cbor_reader *r, unsigned major, const uint8_t **p, size_t *n, tea_error *err) {
  head h = {0};
  size_t at = r->off;
  tea_code c = expect(r, major, &h, major == MT_BYTES ? "bytes" : "text", err);
  if (c) return c;
  if (h.arg > r->len - r->off) {
    r->off = at;
    return tea_fail(err, TEA_ERR_MALFORMED, "cbor: string at offset %zu runs past the input", at);
  }
  *p = r->buf + r->off;
  *n = (size_t)h.arg;
  r->off += (size_t)h.arg;
  return TEA_OK;
}

tea_code tea_cbor_read_bytes(tea_cbor_reader *r, const uint8_t **p, size_t *n, tea_error *err) {
  return read_string(r, MT_BYTES, p, n, err);
}

tea_code tea_cbor_read_text(tea_cbor_reader *r, const char **s, size_t *n, tea_error *err) {
  const uint8_t *p = NULL;
  tea_code c = read_string(r, MT_TEXT, &p, n, err);
  if (!c) *s = (const char *)p;
  return c;
}

tea_code tea_cbor_expect_text(tea_cbor_reader *r, const char *s, tea_error *err) {
  size_t at = r->off, n = 0;
  const char *got = NULL;
  tea_code c = tea_cbor_read_text(r, &got, &n, err);
  if (c) return c;
  if (n != strlen(s) || memcmp(got, s, n) != 0) {
    r->off = at;
    return tea_fail(err, TEA_ERR_INVALID, "cbor: expected \"%s\" at offset %zu", s, at);
  }
  return TEA_OK;
}

tea_code tea_cbor_read_bool(tea_cbor_reader *r, bool *v, tea_error *err) {
  head h = {0};
  size_t at = r->off;
  tea_code c = expect(r, MT_SIMPLE, &h, "bool", err);
  if (c) return c;
  if (h.arg == 22) {
    r->off = at;
    return tea_fail(err, TEA_ERR_INVALID, "cbor: expected bool at offset %zu, found null", at);
  }
  *v = h.arg == 21;
  return TEA_OK;
}

tea_code tea_cbor_read_null(tea_cbor_reader *r, tea_error *err) {
  head h = {0};
  size_t at = r->off;
  tea_code c = expect(r, MT_SIMPLE, &h, "null", err);
  if (c) return c;
  if (h.arg != 22) {
    r->off = at;
    return tea_fail(err, TEA_ERR_INVALID, "cbor: expected null at offset %zu, found bool", at);
  }
  return TEA_OK;
}

tea_code tea_cbor_read_tag(tea_cbor_reader *r, uint64_t *tag, tea_error *err) {
  head h = {0};
  tea_code c = expect(r, MT_TAG, &h, "tag", err);
  if (!c) *tag = h.arg;
  return c;
}

tea_code tea_cbor_read_array(tea_cbor_reader *r, uint64_t *n, tea_error *err) {
  head h = {0};
  tea_code c = expect(r, MT_ARRAY, &h, "array", err);
  if (!c) *n = h.arg;
  return c;
}

tea_code tea_cbor_read_map(tea_cbor_reader *r, uint64_t *npairs, tea_error *err) {
  head h = {0};
  tea_code c = expect(r, MT_MAP, &h, "map", err);
  if (!c) *npairs = h.arg;
  return c;
}

tea_code tea_cbor_skip(tea_cbor_reader *r, const uint8_t **raw, size_t *raw_len, tea_error *err) {
  if (!r->buf) return tea_fail(err, TEA_ERR_STATE, "cbor: reader not initialised");
  size_t start = r->off, off = r->off;
  tea_code c = item_end(r->buf, r->len, &off, 0, err);
  if (c) return c;
  if (raw) *raw = r->buf + start;
  if (raw_len) *raw_len = off - start;
  r->off = off;
  return TEA_OK;
}
