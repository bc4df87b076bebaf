/* Attestation evidence as deterministic CBOR: what a node sends a verifier (and what a
 * receipt attaches for a high-value call). Decoding is strict: every field exactly
 * once, nothing unknown, lengths checked, since evidence comes from the network. */
#include <stdlib.h>
#include <string.h>

#include "trust/internal.h"

#define EVIDENCE_TYPE "tea/evidence"
#define EVIDENCE_VERSION 1

void tea_evidence_free(tea_evidence *e) { tea_eventlog_free(&e->log); }

void tea_evidence_put(tea_cbor_enc *e, const tea_evidence *ev) {
  unsigned npcr = (unsigned)__builtin_popcount(ev->pcr_mask);
  tea_cbor_begin_map(e, 12);
  tea_cbor_put_cstr(e, "type");
  tea_cbor_put_cstr(e, EVIDENCE_TYPE);
  tea_cbor_put_cstr(e, "v");
  tea_cbor_put_uint(e, EVIDENCE_VERSION);
  tea_cbor_put_cstr(e, "node");
  tea_cbor_put_bytes(e, ev->node, TEA_ED25519_PK_LEN);
  tea_cbor_put_cstr(e, "reg");
  tea_cbor_put_bool(e, ev->registration);
  tea_cbor_put_cstr(e, "x25519");
  tea_cbor_put_bytes(e, ev->x25519, TEA_X25519_LEN);
  tea_cbor_put_cstr(e, "ak");
  tea_cbor_begin_array(e, 3);
  tea_cbor_put_uint(e, ev->ak.alg);
  tea_cbor_put_bool(e, ev->ak.software);
  tea_cbor_put_bytes(e, ev->ak.pub, ev->ak.len <= sizeof ev->ak.pub ? ev->ak.len : 0);
  tea_cbor_end(e);
  tea_cbor_put_cstr(e, "quote");
  tea_cbor_begin_array(e, 2);
  tea_cbor_put_bytes(e, ev->quote.attest, ev->quote.attest_len <= TEA_ATTEST_MAX ? ev->quote.attest_len : 0);
  tea_cbor_put_bytes(e, ev->quote.sig, ev->quote.sig_len <= sizeof ev->quote.sig ? ev->quote.sig_len : 0);
  tea_cbor_end(e);
  tea_cbor_put_cstr(e, "mask");
  tea_cbor_put_uint(e, ev->pcr_mask);
  tea_cbor_put_cstr(e, "pcrs");
  tea_cbor_begin_array(e, npcr);
  for (unsigned i = 0; i < TEA_PCR_COUNT; i++)
    if (ev->pcr_mask & (1u << i)) tea_cbor_put_bytes(e, ev->pcrs[i], TEA_SHA256_LEN);
  tea_cbor_end(e);
  tea_cbor_put_cstr(e, "height");
  tea_cbor_put_uint(e, ev->height);
  tea_cbor_put_cstr(e, "block");
  tea_cbor_put_bytes(e, ev->block, TEA_SHA256_LEN);
  tea_cbor_put_cstr(e, "log");
  tea_eventlog_put(e, &ev->log);
  tea_cbor_end(e);
}

static tea_code read_ak(tea_cbor_reader *r, tea_ak *ak, tea_error *err) {
  uint64_t n, alg;
  const uint8_t *p;
  size_t len;
  tea_code rc;
  if ((rc = tea_cbor_read_array(r, &n, err))) return rc;
  if (n != 3) return tea_fail(err, TEA_ERR_INVALID, "ak: %llu fields, want 3", (unsigned long long)n);
  if ((rc = tea_cbor_read_uint(r, &alg, err)) || (rc = tea_cbor_read_bool(r, &ak->software, err)) ||
      (rc = tea_cbor_read_bytes(r, &p, &len, err)))
    return rc;
  if (alg == TEA_AK_ED25519 ? len != TEA_ED25519_PK_LEN : alg == TEA_AK_P256 ? len != 65 : true)
    return tea_fail(err, TEA_ERR_INVALID, "ak: unknown algorithm or bad key length");
  /* Only a TPM holds a P-256 AK here and only the soft TPM an Ed25519 one: a node
   * must not present its file-based key as hardware. */
  if (ak->software != (alg == TEA_AK_ED25519))
    return tea_fail(err, TEA_ERR_INVALID, "ak: software flag does not match the key type");
  ak->alg = (tea_ak_alg)alg;
  ak->len = len;
  memcpy(ak->pub, p, len);
  return TEA_OK;
}

static tea_code read_quote(tea_cbor_reader *r, tea_quote *q, tea_error *err) {
  uint64_t n;
  const uint8_t *p, *s;
  size_t len, sl;
  tea_code rc;
  if ((rc = tea_cbor_read_array(r, &n, err))) return rc;
  if (n != 2) return tea_fail(err, TEA_ERR_INVALID, "quote: %llu fields, want 2", (unsigned long long)n);
  if ((rc = tea_cbor_read_bytes(r, &p, &len, err)) || (rc = tea_cbor_read_bytes(r, &s, &sl, err))) return rc;
  if (len > TEA_ATTEST_MAX || sl != 64) return tea_fail(err, TEA_ERR_INVALID, "quote: bad lengths");
  memcpy(q->attest, p, len);
  q->attest_len = len;
  memcpy(q->sig, s, sl);
  q->sig_len = sl;
  return TEA_OK;
}

enum { F_TYPE, F_V, F_NODE, F_REG, F_X, F_AK, F_QUOTE, F_MASK, F_PCRS, F_HEIGHT, F_BLOCK, F_LOG, F_COUNT };

tea_code tea_evidence_read(tea_cbor_reader *r, tea_evidence *ev, tea_error *err) {
  memset(ev, 0, sizeof *ev);
  tea_eventlog_init(&ev->log);
  uint64_t npairs;
  tea_code rc = tea_cbor_read_map(r, &npairs, err);
  if (rc) return rc;
  if (npairs != F_COUNT) return tea_fail(err, TEA_ERR_INVALID, "evidence: %llu fields, want %d", (unsigned long long)npairs, F_COUNT);
  unsigned seen = 0;
  uint64_t u;
  /* The PCR values mean something only with the mask: keep them raw until both are
   * read, so the code does not depend on the order the keys sort in. */
  const uint8_t *pcrs_raw = NULL;
  size_t pcrs_raw_len = 0;
  for (uint64_t i = 0; i < npairs; i++) {
    const char *k;
    size_t kl;
    int f = -1;
    if ((rc = tea_cbor_read_text(r, &k, &kl, err))) goto fail;
    if (tea_trust_key_is(k, kl, "type")) {
      f = F_TYPE;
      rc = tea_cbor_expect_text(r, EVIDENCE_TYPE, err);
    } else if (tea_trust_key_is(k, kl, "v")) {
      f = F_V;
      if (!(rc = tea_cbor_read_uint(r, &u, err)) && u != EVIDENCE_VERSION)
        rc = tea_fail(err, TEA_ERR_UNSUPPORTED, "evidence: version %llu", (unsigned long long)u);
    } else if (tea_trust_key_is(k, kl, "node")) {
      f = F_NODE;
      rc = tea_trust_read_fixed(r, ev->node, TEA_ED25519_PK_LEN, "evidence node", err);
    } else if (tea_trust_key_is(k, kl, "reg")) {
      f = F_REG;
      rc = tea_cbor_read_bool(r, &ev->registration, err);
    } else if (tea_trust_key_is(k, kl, "x25519")) {
      f = F_X;
      rc = tea_trust_read_fixed(r, ev->x25519, TEA_X25519_LEN, "evidence x25519", err);
    } else if (tea_trust_key_is(k, kl, "ak")) {
      f = F_AK;
      rc = read_ak(r, &ev->ak, err);
    } else if (tea_trust_key_is(k, kl, "quote")) {
      f = F_QUOTE;
      rc = read_quote(r, &ev->quote, err);
    } else if (tea_trust_key_is(k, kl, "mask")) {
      f = F_MASK;
      if (!(rc = tea_cbor_read_uint(r, &u, err))) {
        if (u == 0 || u >> TEA_PCR_COUNT) rc = tea_fail(err, TEA_ERR_INVALID, "evidence: bad PCR mask");
        ev->pcr_mask = (uint32_t)u;
      }
    } else if (tea_trust_key_is(k, kl, "pcrs")) {
      f = F_PCRS;
      rc = tea_cbor_skip(r, &pcrs_raw, &pcrs_raw_len, err);
    } else if (tea_trust_key_is(k, kl, "height")) {
      f = F_HEIGHT;
      rc = tea_cbor_read_uint(r, &ev->height, err);
    } else if (tea_trust_key_is(k, kl, "block")) {
      f = F_BLOCK;
      rc = tea_trust_read_fixed(r, ev->block, TEA_SHA256_LEN, "evidence block", err);
    } else if (tea_trust_key_is(k, kl, "log")) {
      f = F_LOG;
      rc = tea_eventlog_read(r, &ev->log, err);
    }
    if (rc) goto fail;
    if (f < 0 || (seen & (1u << f))) {
      rc = tea_fail(err, TEA_ERR_INVALID, "evidence: unknown or repeated field %.*s", (int)(kl > 32 ? 32 : kl), k);
      goto fail;
    }
    seen |= 1u << f;
  }
  ev->quote.alg = ev->ak.alg;
  {
    tea_cbor_reader pr;
    uint64_t n;
    if ((rc = tea_cbor_reader_init(&pr, pcrs_raw, pcrs_raw_len, err)) || (rc = tea_cbor_read_array(&pr, &n, err)))
      goto fail;
    if (n != (uint64_t)__builtin_popcount(ev->pcr_mask)) {
      rc = tea_fail(err, TEA_ERR_INVALID, "evidence: %llu PCR values for the mask", (unsigned long long)n);
      goto fail;
    }
    for (unsigned i = 0; i < TEA_PCR_COUNT; i++)
      if (ev->pcr_mask & (1u << i))
        if ((rc = tea_trust_read_fixed(&pr, ev->pcrs[i], TEA_SHA256_LEN, "PCR value", err))) goto fail;
  }
  return TEA_OK;
fail:
  tea_evidence_free(ev);
  return rc;
}

tea_code tea_evidence_encode(const tea_evidence *e, uint8_t **out, size_t *out_len, tea_error *err) {
  tea_cbor_enc enc;
  tea_cbor_enc_init(&enc);
  tea_evidence_put(&enc, e);
  tea_code rc = tea_cbor_enc_finish(&enc, out, out_len, err);
  tea_cbor_enc_free(&enc);
  return rc;
}

tea_code tea_evidence_decode(const uint8_t *buf, size_t len, tea_evidence *e, tea_error *err) {
  tea_cbor_reader r;
  memset(e, 0, sizeof *e);
  tea_code rc = tea_cbor_reader_init(&r, buf, len, err);
  if (rc) return rc;
  rc = tea_evidence_read(&r, e, err);
  if (!rc && !tea_cbor_at_end(&r)) {
    tea_evidence_free(e);
    rc = tea_fail(err, TEA_ERR_MALFORMED, "evidence: trailing data");
  }
  return rc;
}
