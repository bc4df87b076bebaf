/* A node's registration transaction: its keys, its attestation key and the
 * evidence binding them (a quote whose qualifying data is the hash of the
 * node key and the X25519 key), signed by the node key itself. The committee
 * checks the evidence and puts the transaction in a block. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/internal.h"

tea_code tea_node_registration(tea_node *n, uint8_t **out, size_t *len, tea_error *err) {
  *out = NULL;
  const uint8_t *chain = tea_ledger_chain_id(n->ledger);
  if (!chain)
    return tea_fail(err, TEA_ERR_STATE, "the node's ledger (%s) has no genesis block yet", n->cfg.ledger);
  tea_ledger_tx *tx = calloc(1, sizeof *tx);
  if (!tx) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  tea_evidence ev;
  uint8_t *evb = NULL;
  size_t evlen = 0;
  tea_ak ak;
  tea_code rc = tea_attest_register(n->tpm, &n->keys, &n->log, &ev, err);
  if (rc == TEA_OK) {
    ak = ev.ak;
    rc = tea_evidence_encode(&ev, &evb, &evlen, err);
    tea_evidence_free(&ev);
  }
  if (rc == TEA_OK && evlen > TEA_LEDGER_EVIDENCE_MAX)
    rc = tea_fail(err, TEA_ERR_LIMIT, "registration evidence of %zu bytes is over the ledger's limit", evlen);
  if (rc == TEA_OK) {
    tx->kind = TEA_TX_NODE_REGISTER;
    memcpy(tx->chain, chain, TEA_SHA256_LEN);
    randombytes_buf(&tx->nonce, sizeof tx->nonce);
    tea_ledger_node_reg *r = &tx->u.node;
    memcpy(r->node, n->keys.ed_pk, TEA_LEDGER_KEY_LEN);
    memcpy(r->ak, ak.pub, ak.len);
    r->ak_len = ak.len;
    snprintf(r->ak_alg, sizeof r->ak_alg, "%s", node_ak_alg_name(&ak));
    memcpy(r->enc, n->keys.x_pk, TEA_LEDGER_KEY_LEN);
    snprintf(r->endpoint, sizeof r->endpoint, "%s", n->cfg.endpoint);
    r->tier = n->cfg.tier;
    memcpy(r->evidence, evb, evlen);
    r->evidence_len = evlen;
    tea_ledger_keypair kp;
    /* libsodium's Ed25519 secret key starts with the seed */
    rc = tea_ledger_keypair_from_seed(n->keys.ed_sk, &kp, err);
    if (rc == TEA_OK) rc = tea_ledger_tx_sign(tx, &kp, err);
    sodium_memzero(&kp, sizeof kp);
  }
  if (rc == TEA_OK) rc = tea_ledger_tx_encode(tx, out, len, err);
  free(evb);
  free(tx);
  return rc;
}

/* How often a node that is still not registered queues its registration again
 * (the committee may have missed it, or refused a stale one). */
#define OFFER_EVERY_MS 60000ull

bool tea_node_offer_registration(tea_node *n) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t now = (uint64_t)ts.tv_sec * 1000ull + (uint64_t)ts.tv_nsec / 1000000ull;
  pthread_mutex_lock(&n->lock);
  uint64_t count = tea_ledger_count(n->ledger);
  tea_ledger_node rec;
  tea_error err;
  bool want = count && tea_ledger_node_at(n->ledger, n->keys.ed_pk, count - 1, &rec, &err) != TEA_OK &&
              (!n->registration_offered_ms || now - n->registration_offered_ms >= OFFER_EVERY_MS);
  if (want) n->registration_offered_ms = now;
  pthread_mutex_unlock(&n->lock);
  if (!want) return false;
  uint8_t *tx;
  size_t len;
  if (tea_node_registration(n, &tx, &len, &err) != TEA_OK) {
    node_log(n, NODE_LOG_WARN, "node.registration_failed", "%s", err.msg);
    return false;
  }
  node_pending_add(n, tx, len);
  node_log(n, NODE_LOG_INFO, "node.registration_offered",
           "not in the ledger yet: registration queued for the committee (GET /v1/ledger/pending)");
  return true;
}
