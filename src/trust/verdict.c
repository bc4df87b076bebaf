/* Signed attestation verdicts: an attestor's judgement of one node at one height, in
 * deterministic CBOR, signed (Ed25519) over a domain-separated hash of every other
 * field. The ledger turns verdicts into node status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trust/internal.h"

#define VERDICT_TYPE "tea/verdict"
#define VERDICT_VERSION 1
#define VERDICT_TAG "tea/verdict/v1"

/* The fields, with the signature when with_sig. */
static void put_verdict(tea_cbor_enc *e, const tea_verdict *v, bool with_sig) {
  tea_cbor_begin_map(e, with_sig ? 12 : 11);
  tea_cbor_put_cstr(e, "type");
  tea_cbor_put_cstr(e, VERDICT_TYPE);
  tea_cbor_put_cstr(e, "v");
  tea_cbor_put_uint(e, VERDICT_VERSION);
  tea_cbor_put_cstr(e, "attestor");
  tea_cbor_put_bytes(e, v->attestor, TEA_ED25519_PK_LEN);
  tea_cbor_put_cstr(e, "node");
  tea_cbor_put_bytes(e, v->node, TEA_ED25519_PK_LEN);
  tea_cbor_put_cstr(e, "nonce");
  tea_cbor_put_bytes(e, v->nonce, TEA_NONCE_LEN);
  tea_cbor_put_cstr(e, "height");
  tea_cbor_put_uint(e, v->height);
  tea_cbor_put_cstr(e, "block");
  tea_cbor_put_bytes(e, v->block, TEA_SHA256_LEN);
  tea_cbor_put_cstr(e, "time");
  tea_cbor_put_uint(e, v->time);
  tea_cbor_put_cstr(e, "pass");
  tea_cbor_put_bool(e, v->pass);
  tea_cbor_put_cstr(e, "check");
  tea_cbor_put_cstr(e, v->check);
  tea_cbor_put_cstr(e, "reason");
  tea_cbor_put_cstr(e, v->reason);
  if (with_sig) {
    tea_cbor_put_cstr(e, "sig");
    tea_cbor_put_bytes(e, v->sig, TEA_ED25519_SIG_LEN);
  }
  tea_cbor_end(e);
}

static tea_code verdict_hash(const tea_verdict *v, uint8_t out[TEA_SHA256_LEN], tea_error *err) {
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  put_verdict(&e, v, false);
  uint8_t *buf;
  size_t len;
  tea_code rc = tea_cbor_enc_finish(&e, &buf, &len, err);
  tea_cbor_enc_free(&e);
  if (rc) return rc;
  rc = tea_trust_tagged_hash(VERDICT_TAG, out, err, 1, buf, len);
  free(buf);
  return rc;
}

tea_code tea_verdict_make(const tea_node_keys *attestor, const tea_challenge *c, const tea_attest_result *res,
                          const uint8_t block[TEA_SHA256_LEN], uint64_t time, tea_verdict *v, tea_error *err) {
  memset(v, 0, sizeof *v);
  memcpy(v->attestor, attestor->ed_pk, TEA_ED25519_PK_LEN);
  memcpy(v->node, c->node, TEA_ED25519_PK_LEN);
  memcpy(v->nonce, c->nonce, TEA_NONCE_LEN);
  v->height = res->height;
  memcpy(v->block, block, TEA_SHA256_LEN);
  v->time = time;
  v->pass = res->failed == TEA_AC_NONE;
  if (!v->pass) {
    snprintf(v->check, sizeof v->check, "%s", tea_attest_check_name(res->failed));
    snprintf(v->reason, sizeof v->reason, "%s", res->reason);
  }
  uint8_t h[TEA_SHA256_LEN];
  tea_code rc = verdict_hash(v, h, err);
  return rc ? rc : tea_trust_sign(attestor->ed_sk, h, v->sig, err);
}

tea_code tea_verdict_encode(const tea_verdict *v, uint8_t **out, size_t *out_len, tea_error *err) {
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  put_verdict(&e, v, true);
  tea_code rc = tea_cbor_enc_finish(&e, out, out_len, err);
  tea_cbor_enc_free(&e);
  return rc;
}

enum { F_TYPE, F_V, F_ATT, F_NODE, F_NONCE, F_HEIGHT, F_BLOCK, F_TIME, F_PASS, F_CHECK, F_REASON, F_SIG, F_COUNT };

tea_code tea_verdict_decode(const uint8_t *buf, size_t len, tea_verdict *v, tea_error *err) {
  memset(v, 0, sizeof *v);
  tea_cbor_reader r;
  uint64_t n, u;
  tea_code rc = tea_cbor_reader_init(&r, buf, len, err);
  if (!rc) rc = tea_cbor_read_map(&r, &n, err);
  if (rc) return rc;
  if (n != F_COUNT) return tea_fail(err, TEA_ERR_INVALID, "verdict: %llu fields, want %d", (unsigned long long)n, F_COUNT);
  unsigned seen = 0;
  for (uint64_t i = 0; i < n; i++) {
    const char *k;
    size_t kl;
    int f = -1;
    if ((rc = tea_cbor_read_text(&r, &k, &kl, err))) return rc;
    if (tea_trust_key_is(k, kl, "type")) f = F_TYPE, rc = tea_cbor_expect_text(&r, VERDICT_TYPE, err);
    else if (tea_trust_key_is(k, kl, "v")) {
      f = F_V;
      if (!(rc = tea_cbor_read_uint(&r, &u, err)) && u != VERDICT_VERSION)
        rc = tea_fail(err, TEA_ERR_UNSUPPORTED, "verdict: version %llu", (unsigned long long)u);
    } else if (tea_trust_key_is(k, kl, "attestor"))
      f = F_ATT, rc = tea_trust_read_fixed(&r, v->attestor, TEA_ED25519_PK_LEN, "attestor", err);
    else if (tea_trust_key_is(k, kl, "node")) f = F_NODE, rc = tea_trust_read_fixed(&r, v->node, TEA_ED25519_PK_LEN, "node", err);
    else if (tea_trust_key_is(k, kl, "nonce")) f = F_NONCE, rc = tea_trust_read_fixed(&r, v->nonce, TEA_NONCE_LEN, "nonce", err);
    else if (tea_trust_key_is(k, kl, "height")) f = F_HEIGHT, rc = tea_cbor_read_uint(&r, &v->height, err);
    else if (tea_trust_key_is(k, kl, "block")) f = F_BLOCK, rc = tea_trust_read_fixed(&r, v->block, TEA_SHA256_LEN, "block", err);
    else if (tea_trust_key_is(k, kl, "time")) f = F_TIME, rc = tea_cbor_read_uint(&r, &v->time, err);
    else if (tea_trust_key_is(k, kl, "pass")) f = F_PASS, rc = tea_cbor_read_bool(&r, &v->pass, err);
    else if (tea_trust_key_is(k, kl, "check")) f = F_CHECK, rc = tea_trust_read_cstr(&r, v->check, sizeof v->check, "check", err);
    else if (tea_trust_key_is(k, kl, "reason"))
      f = F_REASON, rc = tea_trust_read_cstr(&r, v->reason, sizeof v->reason, "reason", err);
    else if (tea_trust_key_is(k, kl, "sig")) f = F_SIG, rc = tea_trust_read_fixed(&r, v->sig, TEA_ED25519_SIG_LEN, "sig", err);
    if (rc) return rc;
    if (f < 0 || (seen & (1u << f))) return tea_fail(err, TEA_ERR_INVALID, "verdict: unknown or repeated field");
    seen |= 1u << f;
  }
  /* A pass carries no failure, a failure names its check: anything else is not a
   * verdict this code would have made. */
  if (v->pass != (v->check[0] == '\0') || (v->pass && v->reason[0]))
    return tea_fail(err, TEA_ERR_INVALID, "verdict: pass flag and check disagree");
  uint8_t h[TEA_SHA256_LEN];
  if ((rc = verdict_hash(v, h, err))) return rc;
  if (!tea_trust_sig_ok(v->attestor, h, v->sig)) return tea_fail(err, TEA_ERR_CRYPTO, "verdict: bad signature");
  return TEA_OK;
}
