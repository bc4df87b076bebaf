/* The software TPM. It gives the node a working attestation flow everywhere, but it
 * proves nothing about the host: the AK is a file the node (and root) can read, so its
 * evidence is marked software and a ledger policy can refuse it. Quotes use the same
 * TPMS_ATTEST layout as a real TPM, signed with Ed25519, so one verifier handles both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "trust/internal.h"

typedef struct soft_tpm {
  tea_tpm base;
  uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN];
  uint8_t seed[32];
  uint8_t pk[TEA_ED25519_PK_LEN];
  uint8_t sk[TEA_ED25519_SK_LEN];
  uint64_t start_ms;
} soft_tpm;

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static tea_code soft_extend(tea_tpm *t, unsigned pcr, const uint8_t digest[TEA_SHA256_LEN], tea_error *err) {
  soft_tpm *s = (soft_tpm *)t;
  uint8_t buf[2 * TEA_SHA256_LEN];
  memcpy(buf, s->pcrs[pcr], TEA_SHA256_LEN);
  memcpy(buf + TEA_SHA256_LEN, digest, TEA_SHA256_LEN);
  return tea_sha256(buf, sizeof buf, s->pcrs[pcr], err);
}

static tea_code soft_read(tea_tpm *t, uint32_t mask, uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN],
                          tea_error *err) {
  (void)err;
  soft_tpm *s = (soft_tpm *)t;
  for (unsigned i = 0; i < TEA_PCR_COUNT; i++)
    if (mask & (1u << i)) memcpy(pcrs[i], s->pcrs[i], TEA_SHA256_LEN);
  return TEA_OK;
}

static tea_code soft_quote(tea_tpm *t, uint32_t mask, const uint8_t *qual, size_t qual_len,
                           tea_quote *out, tea_error *err) {
  soft_tpm *s = (soft_tpm *)t;
  tea_attest_info a;
  memset(&a, 0, sizeof a);
  a.magic = 0xff544347u;
  a.type = 0x8018;
  /* The signer's name as a TPM writes it: nameAlg (SHA-256) || digest of the key. */
  a.signer[0] = 0x00;
  a.signer[1] = 0x0b;
  tea_code rc = tea_sha256(s->pk, sizeof s->pk, a.signer + 2, err);
  if (rc) return rc;
  a.signer_len = 34;
  if (qual_len) memcpy(a.extra, qual, qual_len);
  a.extra_len = qual_len;
  a.clock = now_ms() - s->start_ms;
  a.safe = true;
  a.firmware = 0x7465610000000001ull; /* "tea" v1 */
  a.pcr_mask = mask;
  a.pcr_digest_len = TEA_SHA256_LEN;
  rc = tea_pcr_digest(mask, (const uint8_t(*)[TEA_SHA256_LEN])s->pcrs, a.pcr_digest, err);
  if (rc) return rc;
  memset(out, 0, sizeof *out);
  out->alg = TEA_AK_ED25519;
  rc = tea_attest_build(&a, out->attest, sizeof out->attest, &out->attest_len, err);
  if (rc) return rc;
  crypto_sign_detached(out->sig, NULL, out->attest, out->attest_len, s->sk);
  out->sig_len = TEA_ED25519_SIG_LEN;
  return TEA_OK;
}

static tea_code soft_ak_public(tea_tpm *t, tea_ak *out, tea_error *err) {
  (void)err;
  soft_tpm *s = (soft_tpm *)t;
  memset(out, 0, sizeof *out);
  out->alg = TEA_AK_ED25519;
  out->software = true;
  out->len = TEA_ED25519_PK_LEN;
  memcpy(out->pub, s->pk, TEA_ED25519_PK_LEN);
  return TEA_OK;
}

/* The bound key is derived from the AK seed and the PCR digest it is bound to, and
 * used only while the PCRs match: the same contract as a TPM key with a PolicyPCR
 * authorisation (and, like everything here, only as strong as the process). */
static tea_code soft_sign_bound(tea_tpm *t, uint32_t mask, const uint8_t pcr_digest[TEA_SHA256_LEN],
                                const uint8_t digest[TEA_SHA256_LEN], uint8_t sig[64], tea_ak *key,
                                tea_error *err) {
  soft_tpm *s = (soft_tpm *)t;
  uint8_t now[TEA_SHA256_LEN];
  tea_code rc = tea_pcr_digest(mask, (const uint8_t(*)[TEA_SHA256_LEN])s->pcrs, now, err);
  if (rc) return rc;
  if (sodium_memcmp(now, pcr_digest, TEA_SHA256_LEN) != 0)
    return tea_fail(err, TEA_ERR_STATE, "tpm: PCR values differ from the key's policy");
  uint8_t seed[32], sk[TEA_ED25519_SK_LEN];
  uint32_t m = mask;
  rc = tea_trust_tagged_hash("tea/soft-tpm/bound-key/v1", seed, err, 3, s->seed, sizeof s->seed,
                             &m, sizeof m, pcr_digest, (size_t)TEA_SHA256_LEN);
  if (rc) return rc;
  memset(key, 0, sizeof *key);
  key->alg = TEA_AK_ED25519;
  key->software = true;
  key->len = TEA_ED25519_PK_LEN;
  crypto_sign_seed_keypair(key->pub, sk, seed);
  crypto_sign_detached(sig, NULL, digest, TEA_SHA256_LEN, sk);
  sodium_memzero(seed, sizeof seed);
  sodium_memzero(sk, sizeof sk);
  return TEA_OK;
}

static void soft_close(tea_tpm *t) {
  soft_tpm *s = (soft_tpm *)t;
  sodium_memzero(s, sizeof *s);
  free(s);
}

static const tea_tpm_ops soft_ops = {
    .name = "soft",
    .extend = soft_extend,
    .read = soft_read,
    .quote = soft_quote,
    .ak_public = soft_ak_public,
    .sign_bound = soft_sign_bound,
    .close = soft_close,
};

tea_code tea_tpm_open_soft(const char *state_dir, tea_tpm **out, tea_error *err) {
  *out = NULL;
  if (!state_dir) return tea_fail(err, TEA_ERR_ARG, "tpm: no state directory");
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to initialise");
  char path[4096];
  if (snprintf(path, sizeof path, "%s/tpm-soft-ak.key", state_dir) >= (int)sizeof path)
    return tea_fail(err, TEA_ERR_ARG, "state directory path too long");
  uint8_t *buf;
  size_t len;
  tea_code rc = tea_trust_read_file(path, 32, &buf, &len, err);
  if (rc == TEA_ERR_NOT_FOUND) {
    uint8_t fresh[32];
    randombytes_buf(fresh, sizeof fresh);
    rc = tea_trust_write_private(path, fresh, sizeof fresh, err);
    sodium_memzero(fresh, sizeof fresh);
    if (rc) return rc;
    rc = tea_trust_read_file(path, 32, &buf, &len, err);
  }
  if (rc) return rc;
  if (len != 32) {
    free(buf);
    return tea_fail(err, TEA_ERR_INVALID, "%s: %zu bytes, want 32", path, len);
  }
  soft_tpm *s = calloc(1, sizeof *s);
  if (!s) {
    sodium_memzero(buf, len);
    free(buf);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  }
  s->base.ops = &soft_ops;
  memcpy(s->seed, buf, 32);
  sodium_memzero(buf, len);
  free(buf);
  crypto_sign_seed_keypair(s->pk, s->sk, s->seed);
  s->start_ms = now_ms();
  *out = &s->base;
  return TEA_OK;
}
