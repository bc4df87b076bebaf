/* CAR v1 (https://ipld.io/specs/transport/car/carv1/):
 *   varint(header length) dag-cbor {"roots": [CID...], "version": 1}
 *   then sections: varint(length) CID block
 * CIDs in dag-cbor are tag 42 over bytes 0x00 (the identity multibase) + binary CID.
 * The reader treats the file as hostile: each length is bounded before anything is
 * allocated or read for it, and each block is hashed against its CID. */
#include "cas/internal.h"
#include "tea/cbor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CID_TAG 42

tea_code tea_mem_read(void *ctx, uint8_t *buf, size_t n, size_t *got, tea_error *err) {
  (void)err;
  tea_mem_source *m = ctx;
  size_t left = m->len - m->off;
  size_t k = n < left ? n : left;
  if (k) memcpy(buf, m->buf + m->off, k);
  m->off += k;
  *got = k;
  return TEA_OK;
}

tea_code tea_mem_write(void *ctx, const void *data, size_t n, tea_error *err) {
  tea_mem_sink *m = ctx;
  if (m->max && n > m->max - m->len)
    return tea_fail(err, TEA_ERR_LIMIT, "over the limit of %llu bytes", (unsigned long long)m->max);
  if (n > m->cap - m->len) {
    size_t cap = m->cap ? m->cap : 65536;
    while (cap - m->len < n) {
      if (cap > SIZE_MAX / 2) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
      cap *= 2;
    }
    uint8_t *p = realloc(m->buf, cap);
    if (!p) return tea_fail(err, TEA_ERR_NOMEM, "out of memory (%zu bytes)", cap);
    m->buf = p;
    m->cap = cap;
  }
  if (n) memcpy(m->buf + m->len, data, n);
  m->len += n;
  return TEA_OK;
}

tea_code tea_car_write_header(const tea_cid *roots, size_t nroots, tea_write_fn write, void *ctx,
                              tea_error *err) {
  if (nroots > TEA_CAR_MAX_ROOTS) return tea_fail(err, TEA_ERR_ARG, "car: more than %d roots", TEA_CAR_MAX_ROOTS);
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  tea_cbor_begin_map(&e, 2);
  tea_cbor_put_cstr(&e, "roots");
  tea_cbor_begin_array(&e, nroots);
  for (size_t i = 0; i < nroots; i++) {
    uint8_t b[1 + TEA_CID_MAX_BYTES];
    b[0] = 0x00;
    size_t n = tea_cid_encode(&roots[i], b + 1);
    if (!n) {
      tea_cbor_enc_free(&e);
      return tea_fail(err, TEA_ERR_ARG, "car: root %zu cannot be encoded", i);
    }
    tea_cbor_put_tag(&e, CID_TAG);
    tea_cbor_put_bytes(&e, b, n + 1);
  }
  tea_cbor_end(&e);
  tea_cbor_put_cstr(&e, "version");
  tea_cbor_put_uint(&e, 1);
  tea_cbor_end(&e);
  uint8_t *hdr;
  size_t hlen;
  tea_code c = tea_cbor_enc_finish(&e, &hdr, &hlen, err);
  tea_cbor_enc_free(&e);
  if (c) return c;
  uint8_t v[TEA_UVARINT_MAX];
  size_t vn = tea_uvarint_encode(hlen, v);
  if (!(c = write(ctx, v, vn, err))) c = write(ctx, hdr, hlen, err);
  free(hdr);
  return c;
}

tea_code tea_car_write_block(const tea_cid *cid, const void *block, size_t n, tea_write_fn write, void *ctx,
                             tea_error *err) {
  uint8_t cb[TEA_CID_MAX_BYTES], v[TEA_UVARINT_MAX];
  size_t cn = tea_cid_encode(cid, cb);
  if (!cn) return tea_fail(err, TEA_ERR_ARG, "car: CID cannot be encoded");
  if (n > TEA_BLOCK_MAX) return tea_fail(err, TEA_ERR_LIMIT, "car: block of %zu bytes over the limit", n);
  size_t vn = tea_uvarint_encode(cn + n, v);
  tea_code c;
  if ((c = write(ctx, v, vn, err)) || (c = write(ctx, cb, cn, err))) return c;
  return n ? write(ctx, block, n, err) : TEA_OK;
}

/* Reads exactly n bytes; *eof_at_start tells a clean end before the first byte. */
static tea_code read_exact(tea_car_reader *r, uint8_t *buf, size_t n, bool *eof_at_start, tea_error *err) {
  size_t have = 0;
  if (eof_at_start) *eof_at_start = false;
  while (have < n) {
    size_t got = 0;
    tea_code c = r->read(r->ctx, buf + have, n - have, &got, err);
    if (c) return c;
    if (got == 0) {
      if (have == 0 && eof_at_start) {
        *eof_at_start = true;
        return TEA_OK;
      }
      return tea_fail(err, TEA_ERR_MALFORMED, "car: truncated at offset %llu", (unsigned long long)(r->offset + have));
    }
    if (got > n - have) return tea_fail(err, TEA_ERR_STATE, "car: source returned too many bytes");
    have += got;
  }
  r->offset += n;
  return TEA_OK;
}

static tea_code read_varint(tea_car_reader *r, uint64_t *v, bool *eof, tea_error *err) {
  uint8_t b[TEA_UVARINT_MAX];
  uint64_t start = r->offset;
  for (size_t i = 0; i < TEA_UVARINT_MAX; i++) {
    tea_code c = read_exact(r, b + i, 1, i == 0 ? eof : NULL, err);
    if (c) return c;
    if (i == 0 && eof && *eof) return TEA_OK;
    if (!(b[i] & 0x80)) {
      size_t used;
      if (tea_uvarint_decode(b, i + 1, v, &used, err))
        return tea_fail(err, TEA_ERR_MALFORMED, "car: bad varint at offset %llu", (unsigned long long)start);
      return TEA_OK;
    }
  }
  return tea_fail(err, TEA_ERR_MALFORMED, "car: varint too long at offset %llu", (unsigned long long)start);
}

static tea_code parse_header(tea_car_reader *r, const uint8_t *h, size_t n, tea_error *err) {
  tea_cbor_reader cr;
  tea_error cerr;
  uint64_t pairs, nroots, version, tag;
  if (tea_cbor_reader_init(&cr, h, n, &cerr) || tea_cbor_read_map(&cr, &pairs, &cerr))
    return tea_fail(err, TEA_ERR_MALFORMED, "car: header: %s", cerr.msg);
  if (pairs == 1) {
    /* CARv2 starts with the pragma {"version": 2}. */
    if (!tea_cbor_expect_text(&cr, "version", NULL) && !tea_cbor_read_uint(&cr, &version, NULL) && version == 2)
      return tea_fail(err, TEA_ERR_UNSUPPORTED, "car: version 2 (only CARv1 is read)");
    return tea_fail(err, TEA_ERR_MALFORMED, "car: header is not {roots, version}");
  }
  if (pairs != 2 || tea_cbor_expect_text(&cr, "roots", &cerr) || tea_cbor_read_array(&cr, &nroots, &cerr))
    return tea_fail(err, TEA_ERR_MALFORMED, "car: header is not {roots, version}");
  if (nroots > TEA_CAR_MAX_ROOTS) return tea_fail(err, TEA_ERR_LIMIT, "car: more than %d roots", TEA_CAR_MAX_ROOTS);
  for (uint64_t i = 0; i < nroots; i++) {
    const uint8_t *b;
    size_t bn, used;
    if (tea_cbor_read_tag(&cr, &tag, &cerr) || tag != CID_TAG || tea_cbor_read_bytes(&cr, &b, &bn, &cerr))
      return tea_fail(err, TEA_ERR_MALFORMED, "car: root %llu is not a tag-42 CID", (unsigned long long)i);
    if (bn < 1 || b[0] != 0x00 || tea_cid_decode(b + 1, bn - 1, &r->roots[i], &used, &cerr) || used != bn - 1)
      return tea_fail(err, TEA_ERR_MALFORMED, "car: root %llu is not a valid CID", (unsigned long long)i);
  }
  r->nroots = (size_t)nroots;
  if (tea_cbor_expect_text(&cr, "version", &cerr) || tea_cbor_read_uint(&cr, &version, &cerr))
    return tea_fail(err, TEA_ERR_MALFORMED, "car: header is not {roots, version}");
  if (version != 1) return tea_fail(err, TEA_ERR_UNSUPPORTED, "car: version %llu", (unsigned long long)version);
  return TEA_OK;
}

tea_code tea_car_reader_open(tea_car_reader *r, tea_read_fn read, void *ctx, tea_error *err) {
  memset(r, 0, sizeof *r);
  r->read = read;
  r->ctx = ctx;
  uint64_t hlen;
  bool eof = false;
  uint8_t hdr[TEA_CAR_HEADER_MAX];
  tea_code c = read_varint(r, &hlen, &eof, err);
  if (c) return c;
  if (eof) return tea_fail(err, TEA_ERR_MALFORMED, "car: empty input");
  if (hlen == 0 || hlen > TEA_CAR_HEADER_MAX)
    return tea_fail(err, TEA_ERR_LIMIT, "car: header length %llu out of range", (unsigned long long)hlen);
  if ((c = read_exact(r, hdr, (size_t)hlen, NULL, err))) return c;
  return parse_header(r, hdr, (size_t)hlen, err);
}

tea_code tea_car_reader_next(tea_car_reader *r, tea_cid *cid, const uint8_t **block, size_t *n, bool *done,
                             tea_error *err) {
  *done = false;
  *block = NULL;
  *n = 0;
  if (!r->read) return tea_fail(err, TEA_ERR_STATE, "car: reader not open");
  uint64_t start = r->offset, len;
  bool eof = false;
  tea_code c = read_varint(r, &len, &eof, err);
  if (c) return c;
  if (eof) {
    *done = true;
    return TEA_OK;
  }
  /* Bound the length before allocating: a section is one CID and one block at most. */
  if (len == 0 || len > TEA_CID_MAX_BYTES + (uint64_t)TEA_BLOCK_MAX)
    return tea_fail(err, TEA_ERR_LIMIT, "car: section at offset %llu has length %llu", (unsigned long long)start,
                    (unsigned long long)len);
  if (len > r->block_cap) {
    uint8_t *nb = realloc(r->block, (size_t)len);
    if (!nb) return tea_fail(err, TEA_ERR_NOMEM, "car: out of memory");
    r->block = nb;
    r->block_cap = (size_t)len;
  }
  if ((c = read_exact(r, r->block, (size_t)len, NULL, err))) return c;
  size_t used;
  tea_error cerr;
  if ((c = tea_cid_decode(r->block, (size_t)len, cid, &used, &cerr)))
    return tea_fail(err, c, "car: section at offset %llu: %s", (unsigned long long)start, cerr.msg);
  if ((c = tea_cid_verify(cid, r->block + used, (size_t)len - used, &cerr)))
    return tea_fail(err, c, "car: section at offset %llu: %s", (unsigned long long)start, cerr.msg);
  *block = r->block + used;
  *n = (size_t)len - used;
  return TEA_OK;
}

void tea_car_reader_close(tea_car_reader *r) {
  free(r->block);
  r->block = NULL;
  r->block_cap = 0;
  r->read = NULL;
}

typedef struct dag_writer {
  cas_map seen; /* a block linked twice is written once (dups=n) */
  tea_write_fn write;
  void *wctx;
} dag_writer;

static tea_code write_once(void *ctx, const tea_cid *cid, const uint8_t *block, size_t n, tea_error *err) {
  dag_writer *w = ctx;
  bool added;
  tea_code c = cas_map_put(&w->seen, cid, NULL, 0, &added, err);
  if (c || !added) return c;
  return tea_car_write_block(cid, block, n, w->write, w->wctx, err);
}

tea_code tea_car_write_dag(const tea_cid *root, bool whole, tea_block_get_fn get, void *gctx, tea_write_fn write,
                           void *wctx, tea_error *err) {
  tea_code c = tea_car_write_header(root, 1, write, wctx, err);
  if (c) return c;
  if (!whole) {
    uint8_t *block = NULL;
    size_t n = 0;
    if ((c = get(gctx, root, &block, &n, err)) == TEA_OK && (c = tea_cid_verify(root, block, n, err)) == TEA_OK)
      c = tea_car_write_block(root, block, n, write, wctx, err);
    free(block);
    return c;
  }
  dag_writer w = {.write = write, .wctx = wctx};
  c = tea_dag_walk(root, get, gctx, write_once, &w, err);
  cas_map_free(&w.seen);
  return c;
}
