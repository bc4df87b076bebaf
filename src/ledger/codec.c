/* Small CBOR helpers the ledger's record codecs share: fixed-size byte strings, bounded
 * text, CIDs as dag-cbor links (tag 42 over 0x00 ‖ binary CID), domain-separated hashes. */
#include <string.h>

#include "ledger/internal.h"

tea_code tea_put_cid(tea_cbor_enc *e, const tea_cid *cid) {
  uint8_t b[1 + TEA_CID_MAX_BYTES];
  b[0] = 0x00; /* the multibase "identity" prefix dag-cbor links carry */
  /* Records link by CIDv1 only (one form per content); a v0 is written as its v1. */
  tea_cid v1 = tea_cid_to_v1(cid);
  size_t n = tea_cid_encode(&v1, b + 1);
  tea_cbor_put_tag(e, 42);
  return tea_cbor_put_bytes(e, b, n + 1);
}

tea_code tea_read_cid(tea_cbor_reader *r, tea_cid *cid, tea_error *err) {
  uint64_t tag;
  const uint8_t *p;
  size_t n, used;
  tea_code c = tea_cbor_read_tag(r, &tag, err);
  if (c) return c;
  if (tag != 42) return tea_fail(err, TEA_ERR_MALFORMED, "expected a CID (tag 42), got tag %llu",
                                 (unsigned long long)tag);
  if ((c = tea_cbor_read_bytes(r, &p, &n, err))) return c;
  if (n < 2 || p[0] != 0x00) return tea_fail(err, TEA_ERR_MALFORMED, "bad CID link");
  if ((c = tea_cid_decode(p + 1, n - 1, cid, &used, err))) return c;
  if (used != n - 1) return tea_fail(err, TEA_ERR_MALFORMED, "trailing bytes after a CID");
  if (cid->version != 1) return tea_fail(err, TEA_ERR_MALFORMED, "CID links must be CIDv1");
  return TEA_OK;
}

tea_code tea_read_fixed(tea_cbor_reader *r, uint8_t *out, size_t n, const char *what, tea_error *err) {
  const uint8_t *p;
  size_t got;
  tea_code c = tea_cbor_read_bytes(r, &p, &got, err);
  if (c) return tea_fail(err, c, "%s: expected bytes", what);
  if (got != n) return tea_fail(err, TEA_ERR_MALFORMED, "%s: expected %zu bytes, got %zu", what, n, got);
  memcpy(out, p, n);
  return TEA_OK;
}

tea_code tea_read_var(tea_cbor_reader *r, uint8_t *out, size_t cap, size_t *n, const char *what, tea_error *err) {
  const uint8_t *p;
  size_t got;
  tea_code c = tea_cbor_read_bytes(r, &p, &got, err);
  if (c) return tea_fail(err, c, "%s: expected bytes", what);
  if (got > cap) return tea_fail(err, TEA_ERR_LIMIT, "%s: %zu bytes, at most %zu", what, got, cap);
  if (got) memcpy(out, p, got);
  *n = got;
  return TEA_OK;
}

tea_code tea_read_str(tea_cbor_reader *r, char *out, size_t cap, const char *what, tea_error *err) {
  const char *s;
  size_t n;
  tea_code c = tea_cbor_read_text(r, &s, &n, err);
  if (c) return tea_fail(err, c, "%s: expected text", what);
  if (n >= cap) return tea_fail(err, TEA_ERR_LIMIT, "%s: longer than %zu bytes", what, cap - 1);
  if (memchr(s, 0, n)) return tea_fail(err, TEA_ERR_MALFORMED, "%s: contains NUL", what);
  memcpy(out, s, n);
  out[n] = '\0';
  return TEA_OK;
}

tea_code tea_read_u32(tea_cbor_reader *r, uint32_t *v, const char *what, tea_error *err) {
  uint64_t x;
  tea_code c = tea_cbor_read_uint(r, &x, err);
  if (c) return tea_fail(err, c, "%s: expected an unsigned integer", what);
  if (x > UINT32_MAX) return tea_fail(err, TEA_ERR_LIMIT, "%s: too large", what);
  *v = (uint32_t)x;
  return TEA_OK;
}

tea_code tea_read_key(tea_cbor_reader *r, char *out, size_t cap, tea_error *err) {
  return tea_read_str(r, out, cap, "map key", err);
}

tea_code tea_check_fields(uint32_t seen, uint32_t want, const char *what, tea_error *err) {
  if ((seen & want) != want) return tea_fail(err, TEA_ERR_MALFORMED, "%s: missing field(s)", what);
  return TEA_OK;
}

tea_code tea_domain_hash(const char *domain, const uint8_t *buf, size_t n, uint8_t out[TEA_SHA256_LEN],
                         tea_error *err) {
  tea_sha256_ctx ctx;
  tea_code c = tea_sha256_init(&ctx, err);
  if (c) return c;
  if ((c = tea_sha256_update(&ctx, domain, strlen(domain) + 1, err)) ||
      (c = tea_sha256_update(&ctx, buf, n, err))) {
    tea_sha256_abort(&ctx);
    return c;
  }
  return tea_sha256_final(&ctx, out, err);
}

int tea_key_cmp(const void *a, const void *b) { return memcmp(a, b, TEA_LEDGER_KEY_LEN); }
