/* Confidential inputs: a client seals its input to the node's X25519 key (libsodium
 * sealed box: an ephemeral key, so the sender stays anonymous and only the key's
 * holder can open it). The receipt then covers the plaintext's hash, which the
 * client can check without revealing the input to anyone else. */
#include <stdint.h>
#include <stdlib.h>

#include <sodium.h>

#include "trust/internal.h"

tea_code tea_seal(const uint8_t node_x25519[TEA_X25519_LEN], const uint8_t *msg, size_t len, uint8_t **out,
                  size_t *out_len, tea_error *err) {
  *out = NULL;
  if (!msg && len) return tea_fail(err, TEA_ERR_ARG, "seal: NULL message");
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to initialise");
  if (len > SIZE_MAX - crypto_box_SEALBYTES) return tea_fail(err, TEA_ERR_LIMIT, "seal: message too large");
  uint8_t *box = malloc(len + crypto_box_SEALBYTES);
  if (!box) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  static const uint8_t empty[1];
  if (crypto_box_seal(box, msg ? msg : empty, len, node_x25519) != 0) {
    free(box);
    return tea_fail(err, TEA_ERR_CRYPTO, "seal: failed (bad public key?)");
  }
  *out = box;
  *out_len = len + crypto_box_SEALBYTES;
  return TEA_OK;
}

tea_code tea_unseal(const tea_node_keys *keys, const uint8_t *box, size_t len, uint8_t **out, size_t *out_len,
                    tea_error *err) {
  *out = NULL;
  if (!box || len < crypto_box_SEALBYTES) return tea_fail(err, TEA_ERR_CRYPTO, "unseal: too short");
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to initialise");
  size_t n = len - crypto_box_SEALBYTES;
  uint8_t *msg = malloc(n ? n : 1);
  if (!msg) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if (crypto_box_seal_open(msg, box, len, keys->x_pk, keys->x_sk) != 0) {
    free(msg);
    return tea_fail(err, TEA_ERR_CRYPTO, "unseal: not sealed to this node, or altered");
  }
  *out = msg;
  *out_len = n;
  return TEA_OK;
}
