/* The node's Ed25519 and X25519 keys, and comparing attestation keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "trust/internal.h"

bool tea_ak_equal(const tea_ak *a, const tea_ak *b) {
  return a->alg == b->alg && a->software == b->software && a->len == b->len &&
         a->len <= sizeof a->pub && memcmp(a->pub, b->pub, a->len) == 0;
}

tea_code tea_node_keys_generate(tea_node_keys *k, tea_error *err) {
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to initialise");
  if (crypto_sign_keypair(k->ed_pk, k->ed_sk) != 0 || crypto_box_keypair(k->x_pk, k->x_sk) != 0)
    return tea_fail(err, TEA_ERR_CRYPTO, "key generation failed");
  return TEA_OK;
}

/* File layout: Ed25519 seed (32) || X25519 secret (32). Public halves are derived. */
#define KEYFILE_LEN 64

tea_code tea_node_keys_load_or_create(const char *dir, tea_node_keys *k, tea_error *err) {
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to initialise");
  char path[4096];
  if (snprintf(path, sizeof path, "%s/node.key", dir) >= (int)sizeof path)
    return tea_fail(err, TEA_ERR_ARG, "state directory path too long");
  uint8_t *buf;
  size_t len;
  tea_code rc = tea_trust_read_file(path, KEYFILE_LEN, &buf, &len, err);
  if (rc == TEA_ERR_NOT_FOUND) {
    uint8_t fresh[KEYFILE_LEN];
    randombytes_buf(fresh, sizeof fresh);
    rc = tea_trust_write_private(path, fresh, sizeof fresh, err);
    sodium_memzero(fresh, sizeof fresh);
    if (rc) return rc;
    rc = tea_trust_read_file(path, KEYFILE_LEN, &buf, &len, err);
  }
  if (rc) return rc;
  if (len != KEYFILE_LEN) {
    sodium_memzero(buf, len);
    free(buf);
    return tea_fail(err, TEA_ERR_INVALID, "%s: %zu bytes, want %d", path, len, KEYFILE_LEN);
  }
  crypto_sign_seed_keypair(k->ed_pk, k->ed_sk, buf);
  memcpy(k->x_sk, buf + 32, 32);
  crypto_scalarmult_base(k->x_pk, k->x_sk);
  sodium_memzero(buf, len);
  free(buf);
  return TEA_OK;
}

void tea_node_keys_wipe(tea_node_keys *k) {
  sodium_memzero(k->ed_sk, sizeof k->ed_sk);
  sodium_memzero(k->x_sk, sizeof k->x_sk);
}
