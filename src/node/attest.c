/* Attestation rounds: a node challenges a random sample of its peers (the
 * ledger's registry is the peer list), verifies their evidence against its own
 * copy of the ledger, and keeps a signed verdict transaction for each. The
 * committee collects them (GET /v1/ledger/pending) and puts them in blocks,
 * where the ledger's rules turn failures into suspicion and quarantine. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/internal.h"

#define MAX_PEERS 256

typedef struct peer_list {
  const uint8_t *self;
  size_t n;
  uint8_t key[MAX_PEERS][TEA_LEDGER_KEY_LEN];
  char endpoint[MAX_PEERS][TEA_LEDGER_TEXT_MAX];
} peer_list;

static bool collect(void *ctx, const tea_ledger_node *rec) {
  peer_list *pl = ctx;
  if (memcmp(rec->node, pl->self, TEA_LEDGER_KEY_LEN) == 0) return true;
  if (rec->status == TEA_NODE_QUARANTINED) return true; /* nothing left to decide */
  memcpy(pl->key[pl->n], rec->node, TEA_LEDGER_KEY_LEN);
  snprintf(pl->endpoint[pl->n], sizeof pl->endpoint[0], "%s", rec->endpoint);
  return ++pl->n < MAX_PEERS;
}

void node_pending_add(tea_node *n, uint8_t *tx, size_t len) {
  pthread_mutex_lock(&n->lock);
  if (n->npending == TEA_NODE_MAX_PENDING) { /* the oldest verdict goes first */
    free(n->pending[0]);
    memmove(&n->pending[0], &n->pending[1], (TEA_NODE_MAX_PENDING - 1) * sizeof n->pending[0]);
    memmove(&n->pending_len[0], &n->pending_len[1], (TEA_NODE_MAX_PENDING - 1) * sizeof n->pending_len[0]);
    n->npending--;
  }
  n->pending[n->npending] = tx;
  n->pending_len[n->npending] = len;
  n->npending++;
  pthread_mutex_unlock(&n->lock);
}

/* Attests one peer; on an answer (good or bad) records a verdict. */
static void attest_peer(tea_node *n, const uint8_t key[32], const char *endpoint) {
  tea_error err;
  tea_challenge ch;
  uint64_t now = (uint64_t)time(NULL);
  if (tea_challenge_new(key, now, &ch, &err) != TEA_OK) return;
  char hex[2 * TEA_NONCE_LEN + 1], url[TEA_LEDGER_TEXT_MAX + 128];
  tea_hex_encode(ch.nonce, TEA_NONCE_LEN, hex);
  snprintf(url, sizeof url, "%s/v1/attest?nonce=%s", endpoint, hex);
  uint8_t *ev = NULL;
  size_t evlen = 0;
  /* an unreachable peer gets no verdict: absence is not evidence of lying */
  if (node_http_get(url, "application/cbor", &ev, &evlen, &err) != TEA_OK) return;

  tea_attest_result res;
  tea_attest_options opt = {.now = now, .max_age = 60, .max_lag = 16};
  tea_ledger_tx *tx = calloc(1, sizeof *tx);
  if (!tx) {
    free(ev);
    return;
  }
  pthread_mutex_lock(&n->lock);
  tea_code rc = tea_attest_verify(&n->policy, &ch, ev, evlen, &opt, &res, &err);
  uint64_t head = tea_ledger_count(n->ledger) - 1;
  tea_cid block;
  if (rc == TEA_OK) rc = tea_ledger_block_cid_at(n->ledger, head, &block, &err);
  const uint8_t *chain = tea_ledger_chain_id(n->ledger);
  if (rc == TEA_OK && chain) memcpy(tx->chain, chain, TEA_SHA256_LEN);
  pthread_mutex_unlock(&n->lock);
  if (rc == TEA_OK) {
    atomic_fetch_add(&n->m.attestations, 1);
    if (res.failed != TEA_AC_NONE) atomic_fetch_add(&n->m.attestation_failures, 1);
    tx->kind = TEA_TX_VERDICT;
    randombytes_buf(&tx->nonce, sizeof tx->nonce);
    tea_ledger_verdict *v = &tx->u.verdict;
    memcpy(v->subject, key, TEA_LEDGER_KEY_LEN);
    memcpy(v->nonce, ch.nonce, TEA_NONCE_LEN);
    v->nonce_len = TEA_NONCE_LEN;
    v->pass = res.failed == TEA_AC_NONE;
    if (!v->pass)
      snprintf(v->reason, sizeof v->reason, "%s: %.200s", tea_attest_check_name(res.failed), res.reason);
    tea_sha256(ev, evlen, v->evidence_hash, &err);
    v->fresh_height = head;
    v->fresh_cid = block;
    tea_ledger_keypair kp;
    uint8_t *out = NULL;
    size_t len = 0;
    rc = tea_ledger_keypair_from_seed(n->keys.ed_sk, &kp, &err);
    if (rc == TEA_OK) rc = tea_ledger_tx_sign(tx, &kp, &err);
    sodium_memzero(&kp, sizeof kp);
    if (rc == TEA_OK) rc = tea_ledger_tx_encode(tx, &out, &len, &err);
    if (rc == TEA_OK) node_pending_add(n, out, len);
    char subject[65];
    tea_hex_encode(key, 32, subject);
    node_log_field f[] = {{"subject", subject, 0}, {"endpoint", endpoint, 0},
                          {"result", v->pass ? "pass" : "fail", 0}, {"reason", v->reason, 0}};
    node_log_kv(n, v->pass ? NODE_LOG_INFO : NODE_LOG_WARN, "attest.verdict", f, v->pass ? 3 : 4);
  }
  free(tx);
  free(ev);
}

size_t tea_node_attest_round(tea_node *n, size_t sample) {
  peer_list *pl = calloc(1, sizeof *pl);
  if (!pl) return 0;
  pl->self = n->keys.ed_pk;
  pthread_mutex_lock(&n->lock);
  uint64_t count = tea_ledger_count(n->ledger);
  if (count) tea_ledger_each_node(n->ledger, count - 1, collect, pl);
  pthread_mutex_unlock(&n->lock);
  /* a random sample: shuffle the first `sample` places */
  size_t k = pl->n < sample ? pl->n : sample;
  for (size_t i = 0; i < k; i++) {
    size_t j = i + randombytes_uniform((uint32_t)(pl->n - i));
    uint8_t key[TEA_LEDGER_KEY_LEN];
    char ep[TEA_LEDGER_TEXT_MAX];
    memcpy(key, pl->key[i], sizeof key);
    memcpy(pl->key[i], pl->key[j], sizeof key);
    memcpy(pl->key[j], key, sizeof key);
    memcpy(ep, pl->endpoint[i], sizeof ep);
    memcpy(pl->endpoint[i], pl->endpoint[j], sizeof ep);
    memcpy(pl->endpoint[j], ep, sizeof ep);
  }
  for (size_t i = 0; i < k; i++) attest_peer(n, pl->key[i], pl->endpoint[i]);
  free(pl);
  return k;
}

/* Hands the pending verdicts to the committee: a CBOR array of encoded
 * transactions. Each verdict is handed out once. */
tea_code node_pending_take(tea_node *n, uint8_t **out, size_t *len, tea_error *err) {
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  pthread_mutex_lock(&n->lock);
  tea_cbor_begin_array(&e, n->npending);
  for (size_t i = 0; i < n->npending; i++) tea_cbor_put_bytes(&e, n->pending[i], n->pending_len[i]);
  tea_cbor_end(&e);
  tea_code rc = tea_cbor_enc_finish(&e, out, len, err);
  if (rc == TEA_OK) {
    for (size_t i = 0; i < n->npending; i++) free(n->pending[i]);
    n->npending = 0;
  }
  pthread_mutex_unlock(&n->lock);
  return rc;
}
