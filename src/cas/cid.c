/* CIDs: https://github.com/multiformats/cid. Binary v1 is
 *   varint(1) varint(codec) varint(0x12) varint(32) digest
 * and v0 is the bare multihash 0x12 0x20 digest (dag-pb implied). */
#include "tea/cas.h"

#include <string.h>

size_t tea_uvarint_encode(uint64_t v, uint8_t out[TEA_UVARINT_MAX]) {
  if (v >> 63) return 0; /* the spec caps varints at 9 bytes, i.e. 63 bits */
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}

tea_code tea_uvarint_decode(const uint8_t *buf, size_t len, uint64_t *v, size_t *used, tea_error *err) {
  uint64_t x = 0;
  for (size_t i = 0; i < TEA_UVARINT_MAX; i++) {
    if (i >= len) return tea_fail(err, TEA_ERR_MALFORMED, "varint: truncated at offset %zu", i);
    uint8_t b = buf[i];
    x |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      /* A last byte of zero means a shorter encoding existed. */
      if (b == 0 && i > 0) return tea_fail(err, TEA_ERR_MALFORMED, "varint: non-minimal encoding");
      *v = x;
      *used = i + 1;
      return TEA_OK;
    }
  }
  return tea_fail(err, TEA_ERR_MALFORMED, "varint: longer than %d bytes", TEA_UVARINT_MAX);
}

bool tea_cid_codec_known(uint64_t codec) {
  return codec == TEA_CODEC_RAW || codec == TEA_CODEC_DAG_PB || codec == TEA_CODEC_DAG_CBOR;
}

size_t tea_cid_encode(const tea_cid *cid, uint8_t out[TEA_CID_MAX_BYTES]) {
  size_t n = 0;
  if (cid->version == 1) {
    n += tea_uvarint_encode(1, out);
    size_t k = tea_uvarint_encode(cid->codec, out + n);
    if (!k) return 0;
    n += k;
  } else if (cid->version != 0 || cid->codec != TEA_CODEC_DAG_PB) {
    return 0;
  }
  out[n++] = TEA_MH_SHA2_256;
  out[n++] = TEA_SHA256_LEN;
  memcpy(out + n, cid->digest, TEA_SHA256_LEN);
  return n + TEA_SHA256_LEN;
}

static tea_code read_multihash(const uint8_t *buf, size_t len, size_t *off, tea_cid *cid, tea_error *err) {
  uint64_t fn, dlen;
  size_t u;
  tea_code c = tea_uvarint_decode(buf + *off, len - *off, &fn, &u, err);
  if (c) return c;
  *off += u;
  if ((c = tea_uvarint_decode(buf + *off, len - *off, &dlen, &u, err))) return c;
  *off += u;
  if (fn != TEA_MH_SHA2_256)
    return tea_fail(err, TEA_ERR_UNSUPPORTED, "cid: multihash function 0x%llx (only sha2-256)", (unsigned long long)fn);
  if (dlen != TEA_SHA256_LEN)
    return tea_fail(err, TEA_ERR_INVALID, "cid: sha2-256 digest of length %llu", (unsigned long long)dlen);
  if (len - *off < TEA_SHA256_LEN) return tea_fail(err, TEA_ERR_MALFORMED, "cid: truncated digest");
  memcpy(cid->digest, buf + *off, TEA_SHA256_LEN);
  *off += TEA_SHA256_LEN;
  return TEA_OK;
}

tea_code tea_cid_decode(const uint8_t *buf, size_t len, tea_cid *cid, size_t *used, tea_error *err) {
  if (!buf || len < 2) return tea_fail(err, TEA_ERR_MALFORMED, "cid: too short");
  size_t off = 0;
  tea_code c;
  if (buf[0] == TEA_MH_SHA2_256 && buf[1] == TEA_SHA256_LEN) {
    /* v0: a bare sha2-256 multihash. */
    cid->version = 0;
    cid->codec = TEA_CODEC_DAG_PB;
    if ((c = read_multihash(buf, len, &off, cid, err))) return c;
    *used = off;
    return TEA_OK;
  }
  uint64_t version, codec;
  size_t u;
  if ((c = tea_uvarint_decode(buf, len, &version, &u, err))) return c;
  off += u;
  if (version != 1) return tea_fail(err, TEA_ERR_UNSUPPORTED, "cid: version %llu", (unsigned long long)version);
  if ((c = tea_uvarint_decode(buf + off, len - off, &codec, &u, err))) return c;
  off += u;
  cid->version = 1;
  cid->codec = codec;
  if ((c = read_multihash(buf, len, &off, cid, err))) return c;
  *used = off;
  return TEA_OK;
}

tea_code tea_cid_format(const tea_cid *cid, char out[TEA_CID_STR_MAX], tea_error *err) {
  uint8_t bin[TEA_CID_MAX_BYTES];
  size_t n = tea_cid_encode(cid, bin);
  if (!n) return tea_fail(err, TEA_ERR_ARG, "cid: cannot encode (bad version or codec)");
  if (cid->version == 0) return tea_base58_encode(bin, n, out, TEA_CID_STR_MAX, err);
  return tea_multibase_encode(TEA_BASE32, bin, n, out, TEA_CID_STR_MAX, err);
}

tea_code tea_cid_parse(const char *s, size_t n, tea_cid *cid, tea_error *err) {
  uint8_t bin[TEA_CID_MAX_BYTES];
  size_t blen, used;
  tea_code c;
  if (!s) return tea_fail(err, TEA_ERR_ARG, "cid: NULL string");
  if (n == 46 && s[0] == 'Q' && s[1] == 'm') {
    /* v0 text is bare base58btc of the 34-byte multihash. */
    tea_error derr;
    if (tea_base58_decode(s, n, bin, sizeof bin, &blen, &derr) || blen != 34 || bin[0] != TEA_MH_SHA2_256 ||
        bin[1] != TEA_SHA256_LEN || tea_cid_decode(bin, blen, cid, &used, &derr) || used != blen)
      return tea_fail(err, TEA_ERR_MALFORMED, "cid: bad v0 string");
    return TEA_OK;
  }
  tea_multibase base;
  if ((c = tea_multibase_decode(s, n, &base, bin, sizeof bin, &blen, err))) {
    if (c == TEA_ERR_LIMIT) return tea_fail(err, TEA_ERR_MALFORMED, "cid: string too long");
    return c;
  }
  /* A multibase-prefixed v0 is ambiguous and forbidden by the CID spec. */
  if (blen && bin[0] == TEA_MH_SHA2_256) return tea_fail(err, TEA_ERR_MALFORMED, "cid: v0 inside multibase");
  if ((c = tea_cid_decode(bin, blen, cid, &used, err))) return c;
  if (used != blen) return tea_fail(err, TEA_ERR_MALFORMED, "cid: %zu trailing bytes", blen - used);
  return TEA_OK;
}

tea_code tea_cid_parse_cstr(const char *s, tea_cid *cid, tea_error *err) {
  if (!s) return tea_fail(err, TEA_ERR_ARG, "cid: NULL string");
  return tea_cid_parse(s, strlen(s), cid, err);
}

tea_code tea_cid_of(uint64_t codec, const void *block, size_t n, tea_cid *cid, tea_error *err) {
  if (codec >> 63) return tea_fail(err, TEA_ERR_ARG, "cid: codec too large");
  cid->version = 1;
  cid->codec = codec;
  return tea_sha256(block, n, cid->digest, err);
}

tea_code tea_cid_verify(const tea_cid *cid, const void *block, size_t n, tea_error *err) {
  uint8_t d[TEA_SHA256_LEN];
  tea_code c = tea_sha256(block, n, d, err);
  if (c) return c;
  /* Not secret data: a plain comparison is fine. */
  if (memcmp(d, cid->digest, sizeof d) != 0) {
    char s[TEA_CID_STR_MAX];
    if (tea_cid_format(cid, s, NULL)) strcpy(s, "?");
    return tea_fail(err, TEA_ERR_CRYPTO, "cid: block of %zu bytes does not hash to %s", n, s);
  }
  return TEA_OK;
}

bool tea_cid_equal(const tea_cid *a, const tea_cid *b) {
  return a->version == b->version && a->codec == b->codec && memcmp(a->digest, b->digest, TEA_SHA256_LEN) == 0;
}

tea_cid tea_cid_to_v1(const tea_cid *cid) {
  tea_cid v = *cid;
  v.version = 1;
  return v;
}
