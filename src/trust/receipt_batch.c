/* Batch signing of receipts. Under load an Ed25519 signature per receipt is
 * the largest cost of a call; receipts finished at the same moment are
 * signed together instead: the leaves of a Merkle tree are their hashes, the
 * node signs the root once, and each receipt carries the sibling hashes from
 * its leaf to that root. Inner nodes are hashed under their own domain tag,
 * so no receipt hash can pass for an inner node or the other way round. A
 * batch of one has an empty path and its signature is over the receipt hash
 * itself, exactly as an unbatched receipt. */
#include <stdlib.h>
#include <string.h>

#include "trust/internal.h"

#define TREE_TAG "tea/receipt-tree/v1"

static tea_code inner(const uint8_t left[TEA_SHA256_LEN], const uint8_t right[TEA_SHA256_LEN],
                      uint8_t out[TEA_SHA256_LEN], tea_error *err) {
  return tea_trust_tagged_hash(TREE_TAG, out, err, 2, left, (size_t)TEA_SHA256_LEN, right,
                               (size_t)TEA_SHA256_LEN);
}

tea_code tea_receipt_signed_root(const tea_receipt *r, const uint8_t hash[TEA_SHA256_LEN],
                                 uint8_t root[TEA_SHA256_LEN], tea_error *err) {
  if (r->path_len > TEA_RECEIPT_MAX_PATH)
    return tea_fail(err, TEA_ERR_INVALID, "receipt: a path of %zu levels", r->path_len);
  uint8_t cur[TEA_SHA256_LEN];
  memcpy(cur, hash, TEA_SHA256_LEN);
  for (size_t i = 0; i < r->path_len; i++) {
    const uint8_t *sibling = r->path[i] + 1;
    tea_code rc;
    if (r->path[i][0] == 0) rc = inner(sibling, cur, cur, err);
    else if (r->path[i][0] == 1) rc = inner(cur, sibling, cur, err);
    else rc = tea_fail(err, TEA_ERR_INVALID, "receipt: path side must be 0 or 1");
    if (rc) return rc;
  }
  memcpy(root, cur, TEA_SHA256_LEN);
  return TEA_OK;
}

static tea_code sign_leaves(tea_receipt *const *rs, uint8_t (*level)[TEA_SHA256_LEN], size_t n,
                            const tea_node_keys *keys, tea_error *err) {
  size_t *pos = malloc(n * sizeof *pos);
  if (!pos) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    rs[i]->path_len = 0;
    pos[i] = i;
  }
  tea_code rc = TEA_OK;
  /* level by level, in place: node j of the next level is made from nodes 2j
     and 2j+1, and an odd last node moves up as it is */
  for (size_t count = n; count > 1 && !rc; count = (count + 1) / 2) {
    for (size_t i = 0; i < n; i++) {
      size_t p = pos[i], sibling = p ^ 1;
      if (sibling < count) {
        tea_receipt *r = rs[i];
        r->path[r->path_len][0] = (p & 1) ? 0 : 1;
        memcpy(r->path[r->path_len] + 1, level[sibling], TEA_SHA256_LEN);
        r->path_len++;
      }
      pos[i] = p / 2;
    }
    for (size_t j = 0; j < count / 2 && !rc; j++) rc = inner(level[2 * j], level[2 * j + 1], level[j], err);
    if (count % 2) memmove(level[count / 2], level[count - 1], TEA_SHA256_LEN);
  }
  uint8_t sig[TEA_ED25519_SIG_LEN];
  if (!rc) rc = tea_trust_sign(keys->ed_sk, level[0], sig, err);
  for (size_t i = 0; i < n && !rc; i++) memcpy(rs[i]->sig, sig, sizeof sig);
  free(pos);
  return rc;
}

static bool batch_size_ok(tea_receipt *const *rs, size_t n, const tea_node_keys *keys) {
  return rs && keys && n > 0 && n <= (size_t)1 << TEA_RECEIPT_MAX_PATH;
}

tea_code tea_receipt_sign_batch(tea_receipt *const *rs, size_t n, const tea_node_keys *keys,
                                tea_error *err) {
  if (!batch_size_ok(rs, n, keys))
    return tea_fail(err, TEA_ERR_ARG, "receipt batch: 1 to %u receipts", 1u << TEA_RECEIPT_MAX_PATH);
  uint8_t (*level)[TEA_SHA256_LEN] = malloc(n * sizeof *level);
  tea_code rc = level ? TEA_OK : tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n && !rc; i++) {
    memcpy(rs[i]->node, keys->ed_pk, TEA_ED25519_PK_LEN);
    rc = tea_receipt_hash(rs[i], level[i], err);
  }
  if (!rc) rc = sign_leaves(rs, level, n, keys, err);
  free(level);
  return rc;
}

tea_code tea_receipt_sign_batch_hashed(tea_receipt *const *rs, const uint8_t (*hashes)[TEA_SHA256_LEN],
                                       size_t n, const tea_node_keys *keys, tea_error *err) {
  if (!batch_size_ok(rs, n, keys) || !hashes)
    return tea_fail(err, TEA_ERR_ARG, "receipt batch: 1 to %u receipts", 1u << TEA_RECEIPT_MAX_PATH);
  for (size_t i = 0; i < n; i++)
    if (memcmp(rs[i]->node, keys->ed_pk, TEA_ED25519_PK_LEN) != 0)
      return tea_fail(err, TEA_ERR_ARG, "receipt batch: receipt %zu names another node", i);
#ifndef NDEBUG
  for (size_t i = 0; i < n; i++) { /* the caller's promise, checked where it is cheap to */
    uint8_t h[TEA_SHA256_LEN];
    if (tea_receipt_hash(rs[i], h, err) != TEA_OK) return err ? err->code : TEA_ERR_ARG;
    if (memcmp(h, hashes[i], TEA_SHA256_LEN) != 0)
      return tea_fail(err, TEA_ERR_ARG, "receipt batch: hash %zu is not the receipt's", i);
  }
#endif
  uint8_t (*level)[TEA_SHA256_LEN] = malloc(n * sizeof *level);
  if (!level) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  memcpy(level, hashes, n * sizeof *level);
  tea_code rc = sign_leaves(rs, level, n, keys, err);
  free(level);
  return rc;
}
