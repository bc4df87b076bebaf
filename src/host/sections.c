/* The module's section list at the byte level, so claims can be found,
 * stripped and appended exactly as wascap does: the signed hash covers the
 * module's bytes with every "jwt" section left out, section by section. */
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"

static bool read_u32(const uint8_t *p, size_t len, size_t *off, uint32_t *v) {
  uint32_t r = 0;
  for (unsigned shift = 0; shift < 35; shift += 7) {
    if (*off >= len) return false;
    uint8_t b = p[(*off)++];
    if (shift == 28 && (b & 0xf0)) return false;
    r |= (uint32_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return true;
    }
  }
  return false;
}

static size_t put_u32(uint8_t *out, uint32_t v) {
  size_t n = 0;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out[n++] = (uint8_t)(b | (v ? 0x80 : 0));
  } while (v);
  return n;
}

static const uint8_t header[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};

tea_code tea_sections_each(const uint8_t *m, size_t len, tea_section_fn fn, void *ctx, tea_error *err) {
  if (len < 8 || memcmp(m, header, 8) != 0)
    return tea_fail(err, TEA_ERR_MALFORMED, "not a WebAssembly module (bad header)");
  size_t off = 8;
  while (off < len) {
    size_t start = off;
    uint8_t id = m[off++];
    uint32_t size;
    if (!read_u32(m, len, &off, &size) || size > len - off)
      return tea_fail(err, TEA_ERR_MALFORMED, "section at offset %zu runs past the end", start);
    const uint8_t *payload = m + off;
    size_t plen = size;
    const char *name = NULL;
    size_t name_len = 0;
    if (id == 0) {
      size_t noff = 0;
      uint32_t nl;
      if (!read_u32(payload, plen, &noff, &nl) || nl > plen - noff)
        return tea_fail(err, TEA_ERR_MALFORMED, "custom section at offset %zu has a bad name", start);
      name = (const char *)payload + noff;
      name_len = nl;
      payload += noff + nl;
      plen -= noff + nl;
    }
    off += size;
    tea_code rc = fn(ctx, id, m + start, off - start, name, name_len, payload, plen, err);
    if (rc != TEA_OK) return rc;
  }
  return TEA_OK;
}

static bool named(const char *name, size_t name_len, const char *want) {
  return name && name_len == strlen(want) && memcmp(name, want, name_len) == 0;
}

typedef struct strip_ctx {
  const char *name;
  uint8_t *out;
  size_t len;
} strip_ctx;

static tea_code strip_one(void *c, uint8_t id, const uint8_t *sec, size_t sec_len, const char *name,
                          size_t name_len, const uint8_t *payload, size_t payload_len, tea_error *err) {
  (void)id, (void)payload, (void)payload_len, (void)err;
  strip_ctx *s = c;
  if (named(name, name_len, s->name)) return TEA_OK;
  memcpy(s->out + s->len, sec, sec_len);
  s->len += sec_len;
  return TEA_OK;
}

tea_code tea_sections_strip(const uint8_t *m, size_t len, const char *name, uint8_t **out,
                            size_t *out_len, tea_error *err) {
  strip_ctx s = {name, malloc(len ? len : 1), 0};
  if (!s.out) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if (len >= 8) {
    memcpy(s.out, m, 8);
    s.len = 8;
  }
  tea_code rc = tea_sections_each(m, len, strip_one, &s, err);
  if (rc != TEA_OK) {
    free(s.out);
    return rc;
  }
  *out = s.out;
  *out_len = s.len;
  return TEA_OK;
}

typedef struct find_ctx {
  const char *name;
  const uint8_t *payload;
  size_t len;
  unsigned found;
} find_ctx;

static tea_code find_one(void *c, uint8_t id, const uint8_t *sec, size_t sec_len, const char *name,
                         size_t name_len, const uint8_t *payload, size_t payload_len, tea_error *err) {
  (void)id, (void)sec, (void)sec_len, (void)err;
  find_ctx *f = c;
  if (!named(name, name_len, f->name)) return TEA_OK;
  f->found++;
  f->payload = payload;
  f->len = payload_len;
  return TEA_OK;
}

tea_code tea_sections_find_custom(const uint8_t *m, size_t len, const char *name,
                                  const uint8_t **payload, size_t *payload_len, tea_error *err) {
  find_ctx f = {name, NULL, 0, 0};
  tea_code rc = tea_sections_each(m, len, find_one, &f, err);
  if (rc != TEA_OK) return rc;
  if (f.found == 0) return tea_fail(err, TEA_ERR_NOT_FOUND, "no custom section \"%s\"", name);
  /* Two claims sections would let a reader pick the one it likes. */
  if (f.found > 1) return tea_fail(err, TEA_ERR_INVALID, "%u custom sections \"%s\"", f.found, name);
  *payload = f.payload;
  *payload_len = f.len;
  return TEA_OK;
}

tea_code tea_sections_append_custom(const uint8_t *m, size_t len, const char *name,
                                    const uint8_t *payload, size_t payload_len, uint8_t **out,
                                    size_t *out_len, tea_error *err) {
  size_t nl = strlen(name);
  if (payload_len > 0x7fffffff || nl > 0xffff)
    return tea_fail(err, TEA_ERR_LIMIT, "custom section too large");
  uint8_t nlb[5], szb[5];
  size_t nln = put_u32(nlb, (uint32_t)nl);
  uint32_t size = (uint32_t)(nln + nl + payload_len);
  size_t szn = put_u32(szb, size);
  size_t total = len + 1 + szn + size;
  uint8_t *o = malloc(total);
  if (!o) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  size_t p = 0;
  memcpy(o, m, len), p = len;
  o[p++] = 0;
  memcpy(o + p, szb, szn), p += szn;
  memcpy(o + p, nlb, nln), p += nln;
  memcpy(o + p, name, nl), p += nl;
  if (payload_len) memcpy(o + p, payload, payload_len);
  *out = o;
  *out_len = total;
  return TEA_OK;
}
