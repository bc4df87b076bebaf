/* TPMS_ATTEST quotes: parsing and building the TPM wire format, PCR digests, and
 * checking a quote's signature (Ed25519 for the soft TPM, ECDSA P-256 with Nettle for
 * a real one). The parser sees hostile bytes: every length is checked against what is
 * left and against the structure's own maximum. */
#include <string.h>

#include <gmp.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <sodium.h>

#include "trust/internal.h"

#define TPM_GENERATED_VALUE 0xff544347u
#define TPM_ST_ATTEST_QUOTE 0x8018
#define TPM_ALG_SHA256 0x000b

typedef struct cursor {
  const uint8_t *p;
  size_t n, off;
} cursor;

static bool take(cursor *c, void *out, size_t n) {
  if (c->n - c->off < n) return false;
  if (out) memcpy(out, c->p + c->off, n);
  c->off += n;
  return true;
}

static bool u8(cursor *c, uint8_t *v) { return take(c, v, 1); }

static bool u16(cursor *c, uint16_t *v) {
  uint8_t b[2];
  if (!take(c, b, 2)) return false;
  *v = (uint16_t)(b[0] << 8 | b[1]);
  return true;
}

static bool u32(cursor *c, uint32_t *v) {
  uint8_t b[4];
  if (!take(c, b, 4)) return false;
  *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
  return true;
}

static bool u64(cursor *c, uint64_t *v) {
  uint32_t hi, lo;
  if (!u32(c, &hi) || !u32(c, &lo)) return false;
  *v = (uint64_t)hi << 32 | lo;
  return true;
}

/* A TPM2B: 16-bit size then that many bytes, at most max. */
static bool tpm2b(cursor *c, uint8_t *out, size_t max, size_t *len) {
  uint16_t n;
  if (!u16(c, &n) || n > max) return false;
  *len = n;
  return take(c, out, n);
}

tea_code tea_attest_parse(const uint8_t *buf, size_t len, tea_attest_info *out, tea_error *err) {
  memset(out, 0, sizeof *out);
  if (!buf || len > TEA_ATTEST_MAX) return tea_fail(err, TEA_ERR_MALFORMED, "attest: too long");
  cursor c = {buf, len, 0};
  uint8_t safe;
  if (!u32(&c, &out->magic) || !u16(&c, &out->type))
    return tea_fail(err, TEA_ERR_MALFORMED, "attest: truncated header");
  /* Checked before anything else: a TPM refuses to sign external data that starts
   * with TPM_GENERATED_VALUE, so this magic is what tells a quote from a signed blob. */
  if (out->magic != TPM_GENERATED_VALUE)
    return tea_fail(err, TEA_ERR_INVALID, "attest: magic %08x is not TPM_GENERATED_VALUE", out->magic);
  if (out->type != TPM_ST_ATTEST_QUOTE)
    return tea_fail(err, TEA_ERR_UNSUPPORTED, "attest: type %04x is not a quote", out->type);
  if (!tpm2b(&c, out->signer, sizeof out->signer, &out->signer_len))
    return tea_fail(err, TEA_ERR_MALFORMED, "attest: bad qualifiedSigner");
  if (!tpm2b(&c, out->extra, sizeof out->extra, &out->extra_len))
    return tea_fail(err, TEA_ERR_MALFORMED, "attest: bad extraData");
  if (!u64(&c, &out->clock) || !u32(&c, &out->reset_count) || !u32(&c, &out->restart_count) ||
      !u8(&c, &safe) || !u64(&c, &out->firmware))
    return tea_fail(err, TEA_ERR_MALFORMED, "attest: truncated clock info");
  if (safe > 1) return tea_fail(err, TEA_ERR_MALFORMED, "attest: safe flag %u", safe);
  out->safe = safe == 1;
  uint32_t count;
  if (!u32(&c, &count)) return tea_fail(err, TEA_ERR_MALFORMED, "attest: truncated PCR selection");
  if (count != 1) return tea_fail(err, TEA_ERR_UNSUPPORTED, "attest: %u PCR banks (want one)", count);
  uint16_t alg;
  uint8_t sizeof_select, sel[4] = {0};
  if (!u16(&c, &alg) || !u8(&c, &sizeof_select))
    return tea_fail(err, TEA_ERR_MALFORMED, "attest: truncated PCR selection");
  if (alg != TPM_ALG_SHA256)
    return tea_fail(err, TEA_ERR_UNSUPPORTED, "attest: PCR bank %04x is not SHA-256", alg);
  if (sizeof_select < 3 || sizeof_select > 4 || !take(&c, sel, sizeof_select))
    return tea_fail(err, TEA_ERR_MALFORMED, "attest: bad PCR select size %u", sizeof_select);
  if (sel[3]) return tea_fail(err, TEA_ERR_UNSUPPORTED, "attest: PCR index above 23");
  out->pcr_mask = (uint32_t)sel[0] | (uint32_t)sel[1] << 8 | (uint32_t)sel[2] << 16;
  if (!tpm2b(&c, out->pcr_digest, sizeof out->pcr_digest, &out->pcr_digest_len))
    return tea_fail(err, TEA_ERR_MALFORMED, "attest: bad pcrDigest");
  if (c.off != c.n) return tea_fail(err, TEA_ERR_MALFORMED, "attest: %zu trailing bytes", c.n - c.off);
  return TEA_OK;
}

typedef struct writer {
  uint8_t *p;
  size_t cap, off;
  bool ok;
} writer;

static void put(writer *w, const void *src, size_t n) {
  if (!w->ok || w->cap - w->off < n) {
    w->ok = false;
    return;
  }
  memcpy(w->p + w->off, src, n);
  w->off += n;
}

static void put_be(writer *w, uint64_t v, int bytes) {
  uint8_t b[8];
  for (int i = 0; i < bytes; i++) b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
  put(w, b, (size_t)bytes);
}

tea_code tea_attest_build(const tea_attest_info *info, uint8_t *out, size_t cap, size_t *out_len,
                          tea_error *err) {
  if (info->signer_len > sizeof info->signer || info->extra_len > sizeof info->extra ||
      info->pcr_digest_len > sizeof info->pcr_digest || info->pcr_mask >> TEA_PCR_COUNT)
    return tea_fail(err, TEA_ERR_ARG, "attest: field out of range");
  writer w = {out, cap, 0, true};
  put_be(&w, info->magic, 4);
  put_be(&w, info->type, 2);
  put_be(&w, info->signer_len, 2);
  put(&w, info->signer, info->signer_len);
  put_be(&w, info->extra_len, 2);
  put(&w, info->extra, info->extra_len);
  put_be(&w, info->clock, 8);
  put_be(&w, info->reset_count, 4);
  put_be(&w, info->restart_count, 4);
  put_be(&w, info->safe ? 1 : 0, 1);
  put_be(&w, info->firmware, 8);
  put_be(&w, 1, 4);
  put_be(&w, TPM_ALG_SHA256, 2);
  put_be(&w, 3, 1);
  uint8_t sel[3] = {(uint8_t)info->pcr_mask, (uint8_t)(info->pcr_mask >> 8),
                    (uint8_t)(info->pcr_mask >> 16)};
  put(&w, sel, 3);
  put_be(&w, info->pcr_digest_len, 2);
  put(&w, info->pcr_digest, info->pcr_digest_len);
  if (!w.ok) return tea_fail(err, TEA_ERR_LIMIT, "attest: does not fit in %zu bytes", cap);
  *out_len = w.off;
  return TEA_OK;
}

tea_code tea_pcr_digest(uint32_t mask, const uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN],
                        uint8_t out[TEA_SHA256_LEN], tea_error *err) {
  tea_sha256_ctx c;
  tea_code rc = tea_sha256_init(&c, err);
  for (unsigned i = 0; i < TEA_PCR_COUNT && rc == TEA_OK; i++)
    if (mask & (1u << i)) rc = tea_sha256_update(&c, pcrs[i], TEA_SHA256_LEN, err);
  if (rc) {
    tea_sha256_abort(&c);
    return rc;
  }
  return tea_sha256_final(&c, out, err);
}

/* ECDSA P-256 over msg (hashed here with SHA-256) or, when prehashed, over the
 * 32-byte digest msg itself. The key is 0x04 || X || Y (checked by the
 * callers), sig is r || s. Nettle refuses a point off the curve, and r or s
 * outside 1..n-1. */
static tea_code p256_verify(const tea_ak *ak, const uint8_t sig64[64], const uint8_t *msg, size_t len,
                            bool prehashed, tea_error *err) {
  uint8_t digest[TEA_SHA256_LEN];
  if (!prehashed) {
    tea_code rc = tea_sha256(msg, len, digest, err);
    if (rc != TEA_OK) return rc;
    msg = digest;
    len = sizeof digest;
  }
  struct ecc_point pub;
  struct dsa_signature sig;
  mpz_t x, y;
  ecc_point_init(&pub, nettle_get_secp_256r1());
  dsa_signature_init(&sig);
  mpz_inits(x, y, NULL);
  mpz_import(x, 32, 1, 1, 1, 0, ak->pub + 1); /* big-endian bytes */
  mpz_import(y, 32, 1, 1, 1, 0, ak->pub + 33);
  mpz_import(sig.r, 32, 1, 1, 1, 0, sig64);
  mpz_import(sig.s, 32, 1, 1, 1, 0, sig64 + 32);
  tea_code rc;
  if (!ecc_point_set(&pub, x, y))
    rc = tea_fail(err, TEA_ERR_CRYPTO, "key is not a P-256 point");
  else if (!ecdsa_verify(&pub, len, msg, &sig))
    rc = tea_fail(err, TEA_ERR_CRYPTO, "ECDSA signature does not verify");
  else
    rc = TEA_OK;
  mpz_clears(x, y, NULL);
  dsa_signature_clear(&sig);
  ecc_point_clear(&pub);
  return rc;
}

tea_code tea_bound_verify(const tea_ak *key, const uint8_t digest[TEA_SHA256_LEN], const uint8_t sig[64],
                          tea_error *err) {
  if (!key || !digest || !sig) return tea_fail(err, TEA_ERR_ARG, "bound key: NULL argument");
  if (key->alg == TEA_AK_ED25519 && key->len == TEA_ED25519_PK_LEN) {
    if (crypto_sign_verify_detached(sig, digest, TEA_SHA256_LEN, key->pub) != 0)
      return tea_fail(err, TEA_ERR_CRYPTO, "bound key: Ed25519 signature does not verify");
    return TEA_OK;
  }
  if (key->alg == TEA_AK_P256 && key->len == 65 && key->pub[0] == 0x04)
    return p256_verify(key, sig, digest, TEA_SHA256_LEN, true, err);
  return tea_fail(err, TEA_ERR_CRYPTO, "bound key: unknown key type");
}

tea_code tea_quote_check_signature(const tea_quote *q, const tea_ak *ak, tea_error *err) {
  if (q->alg != ak->alg) return tea_fail(err, TEA_ERR_CRYPTO, "quote: signed with another key type");
  if (q->attest_len > TEA_ATTEST_MAX || q->sig_len != 64)
    return tea_fail(err, TEA_ERR_MALFORMED, "quote: bad lengths");
  switch (ak->alg) {
  case TEA_AK_ED25519:
    if (ak->len != TEA_ED25519_PK_LEN) return tea_fail(err, TEA_ERR_CRYPTO, "quote: bad Ed25519 key");
    if (crypto_sign_verify_detached(q->sig, q->attest, q->attest_len, ak->pub) != 0)
      return tea_fail(err, TEA_ERR_CRYPTO, "quote: Ed25519 signature does not verify");
    return TEA_OK;
  case TEA_AK_P256:
    if (ak->len != 65 || ak->pub[0] != 0x04)
      return tea_fail(err, TEA_ERR_CRYPTO, "quote: bad P-256 key");
    return p256_verify(ak, q->sig, q->attest, q->attest_len, false, err);
  }
  return tea_fail(err, TEA_ERR_CRYPTO, "quote: unknown key type");
}

tea_code tea_quote_verify(const tea_quote *q, const tea_ak *ak, const uint8_t *qual, size_t qual_len,
                          const uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN], tea_attest_info *info,
                          tea_error *err) {
  tea_attest_info local;
  if (!info) info = &local;
  tea_code rc = tea_quote_check_signature(q, ak, err);
  if (rc) return rc;
  rc = tea_attest_parse(q->attest, q->attest_len, info, err);
  if (rc) return rc;
  if (info->extra_len != qual_len || (qual_len && memcmp(info->extra, qual, qual_len) != 0))
    return tea_fail(err, TEA_ERR_CRYPTO, "quote: qualifying data differs");
  if (!info->safe) return tea_fail(err, TEA_ERR_INVALID, "quote: TPM clock not safe");
  uint8_t d[TEA_SHA256_LEN];
  rc = tea_pcr_digest(info->pcr_mask, pcrs, d, err);
  if (rc) return rc;
  if (info->pcr_digest_len != TEA_SHA256_LEN || memcmp(d, info->pcr_digest, TEA_SHA256_LEN) != 0)
    return tea_fail(err, TEA_ERR_CRYPTO, "quote: PCR digest differs");
  return TEA_OK;
}
