/* Ledger: block validity (forged, duplicate, under-threshold and wrong-chain signatures,
 * broken links, non-canonical bytes, invalid transactions: each rejected with its reason
 * and nothing changed), node status rules, queries at past heights, governance, and the
 * file store's torn-tail handling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tea/ledger.h"

#define NCM 3
#define NNODES 5

typedef struct fx {
  tea_ledger *l;
  tea_ledger_keypair cm[NCM];
  tea_ledger_keypair node[NNODES];
  uint8_t chain[32];
  uint64_t nonce;
} fx;

static void seed_kp(tea_ledger_keypair *kp, uint8_t tag) {
  uint8_t seed[32];
  memset(seed, tag, sizeof seed);
  assert_int_equal(tea_ledger_keypair_from_seed(seed, kp, NULL), TEA_OK);
}

static tea_ledger_committee committee_of(const tea_ledger_keypair *kps, uint32_t n, uint32_t m) {
  tea_ledger_committee c;
  memset(&c, 0, sizeof c);
  c.n = n;
  c.threshold = m;
  for (uint32_t i = 0; i < n; i++) memcpy(c.keys[i], kps[i].pk, 32);
  return c;
}

static uint8_t *genesis_bytes(fx *f, const uint8_t *chain, size_t *n) {
  tea_ledger_committee c = committee_of(f->cm, NCM, 2);
  tea_ledger_params p = {.quarantine_attestors = 2, .fresh_window = 4, .recover_passes = 1};
  tea_ledger_block b;
  assert_int_equal(tea_ledger_genesis(&b, chain, &c, &p, 1000, NULL), TEA_OK);
  assert_int_equal(tea_ledger_block_sign(&b, &f->cm[0], NULL), TEA_OK);
  assert_int_equal(tea_ledger_block_sign(&b, &f->cm[1], NULL), TEA_OK);
  uint8_t *buf;
  assert_int_equal(tea_ledger_block_encode(&b, true, &buf, n, NULL), TEA_OK);
  return buf;
}

static int setup(void **state) {
  fx *f = calloc(1, sizeof *f);
  for (int i = 0; i < NCM; i++) seed_kp(&f->cm[i], (uint8_t)(1 + i));
  for (int i = 0; i < NNODES; i++) seed_kp(&f->node[i], (uint8_t)(100 + i));
  memset(f->chain, 0xAA, sizeof f->chain);
  tea_ledger_store *s;
  assert_int_equal(tea_ledger_store_mem_open(&s, NULL), TEA_OK);
  assert_int_equal(tea_ledger_open(&f->l, s, NULL), TEA_OK);
  size_t n;
  uint8_t *g = genesis_bytes(f, f->chain, &n);
  tea_error err;
  assert_int_equal(tea_ledger_append(f->l, g, n, &err), TEA_OK);
  free(g);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  tea_ledger_close(f->l);
  free(f);
  return 0;
}

/* ---- builders ---- */

static tea_ledger_tx *new_tx(fx *f, tea_tx_kind kind) {
  tea_ledger_tx *tx = calloc(1, sizeof *tx);
  tx->kind = kind;
  memcpy(tx->chain, f->chain, 32);
  tx->nonce = ++f->nonce;
  return tx;
}

/* Signs, encodes and frees tx. */
static tea_ledger_slice sign_tx(tea_ledger_tx *tx, const tea_ledger_keypair *kp) {
  tea_error err;
  if (tea_ledger_tx_sign(tx, kp, &err)) fail_msg("sign: %s", err.msg);
  uint8_t *buf;
  size_t n;
  assert_int_equal(tea_ledger_tx_encode(tx, &buf, &n, NULL), TEA_OK);
  free(tx);
  return (tea_ledger_slice){buf, n};
}

/* A block at the head + 1 signed by the committee members in `signers` (bit i: cm[i]). */
static uint8_t *block_bytes(fx *f, tea_ledger_slice *txs, size_t ntx, unsigned signers, size_t *n) {
  tea_ledger_block b;
  memset(&b, 0, sizeof b);
  memcpy(b.chain, f->chain, 32);
  b.height = tea_ledger_count(f->l);
  assert_int_equal(tea_ledger_block_cid_at(f->l, b.height - 1, &b.prev, NULL), TEA_OK);
  b.time = 1000 + b.height;
  b.ntx = ntx;
  b.txs = txs;
  for (int i = 0; i < NCM; i++)
    if (signers & (1u << i)) assert_int_equal(tea_ledger_block_sign(&b, &f->cm[i], NULL), TEA_OK);
  uint8_t *buf;
  assert_int_equal(tea_ledger_block_encode(&b, true, &buf, n, NULL), TEA_OK);
  return buf;
}

static void free_txs(tea_ledger_slice *txs, size_t n) {
  for (size_t i = 0; i < n; i++) free((void *)txs[i].p);
}

/* Appends a block of the given transactions (consumed); expects `want`. */
static tea_code commit(fx *f, tea_ledger_slice *txs, size_t ntx, tea_error *err) {
  size_t n;
  uint8_t *buf = block_bytes(f, txs, ntx, 3, &n);
  tea_code c = tea_ledger_append(f->l, buf, n, err);
  free(buf);
  free_txs(txs, ntx);
  return c;
}

static void commit_ok(fx *f, tea_ledger_slice *txs, size_t ntx) {
  tea_error err = {0};
  tea_code c = commit(f, txs, ntx, &err);
  if (c) fail_msg("append failed: %s", err.msg);
}

static tea_ledger_slice actor_tx(fx *f, tea_tx_kind kind, const char *name, uint8_t cid_tag, uint64_t min_rev) {
  tea_ledger_tx *tx = new_tx(f, kind);
  snprintf(tx->u.actor.name, sizeof tx->u.actor.name, "%s", name);
  if (kind != TEA_TX_ACTOR_RETIRE) {
    uint8_t data = cid_tag;
    assert_int_equal(tea_cid_of(TEA_CODEC_RAW, &data, 1, &tx->u.actor.cid, NULL), TEA_OK);
    tx->u.actor.ncaps = 2;
    strcpy(tx->u.actor.caps[0], "wasmcloud:keyvalue");
    strcpy(tx->u.actor.caps[1], "wasmcloud:log");
    tx->u.actor.nissuers = 1;
    memcpy(tx->u.actor.issuers[0], f->cm[0].pk, 32);
    tx->u.actor.min_rev = min_rev;
    tx->u.actor.limits.fuel = 1000000;
  }
  return sign_tx(tx, &f->cm[0]);
}

static tea_ledger_slice node_tx(fx *f, int i, uint32_t tier) {
  tea_ledger_tx *tx = new_tx(f, TEA_TX_NODE_REGISTER);
  memcpy(tx->u.node.node, f->node[i].pk, 32);
  tx->u.node.ak_len = 3;
  memcpy(tx->u.node.ak, "ak!", 3);
  strcpy(tx->u.node.ak_alg, "ed25519");
  memset(tx->u.node.enc, i, 32);
  snprintf(tx->u.node.endpoint, sizeof tx->u.node.endpoint, "http://127.0.0.1:%d", 7000 + i);
  tx->u.node.tier = tier;
  tx->u.node.evidence_len = 4;
  memcpy(tx->u.node.evidence, "qote", 4);
  return sign_tx(tx, &f->node[i]);
}

static tea_ledger_slice verdict_tx(fx *f, int attestor, int subject, bool pass, uint64_t fresh, uint32_t nonce) {
  tea_ledger_tx *tx = new_tx(f, TEA_TX_VERDICT);
  tea_ledger_verdict *v = &tx->u.verdict;
  memcpy(v->subject, f->node[subject].pk, 32);
  v->nonce_len = 8;
  memset(v->nonce, 0, 8);
  memcpy(v->nonce, &nonce, sizeof nonce);
  v->pass = pass;
  strcpy(v->reason, pass ? "ok" : "pcr mismatch");
  v->fresh_height = fresh;
  assert_int_equal(tea_ledger_block_cid_at(f->l, fresh, &v->fresh_cid, NULL), TEA_OK);
  return sign_tx(tx, &f->node[attestor]);
}

static tea_node_status status_at(fx *f, int i, uint64_t h) {
  tea_ledger_node n;
  tea_error err;
  tea_code c = tea_ledger_node_at(f->l, f->node[i].pk, h, &n, &err);
  if (c) fail_msg("node_at: %s", err.msg);
  return n.status;
}

static uint64_t head(fx *f) { return tea_ledger_count(f->l) - 1; }

/* Rejected with a reason containing `why`, and the ledger did not move. */
static void expect_reject(fx *f, const uint8_t *buf, size_t n, tea_code code, const char *why) {
  uint64_t before = tea_ledger_count(f->l);
  tea_error err = {0};
  tea_code c = tea_ledger_append(f->l, buf, n, &err);
  if (c != code) fail_msg("expected %s, got %s: %s", tea_code_name(code), tea_code_name(c), err.msg);
  if (!strstr(err.msg, why)) fail_msg("reason '%s' lacks '%s'", err.msg, why);
  assert_int_equal(tea_ledger_count(f->l), before);
}

/* ---- block validity ---- */

static void test_genesis_and_chain(void **state) {
  fx *f = *state;
  assert_int_equal(tea_ledger_count(f->l), 1);
  assert_memory_equal(tea_ledger_chain_id(f->l), f->chain, 32);
  tea_ledger_slice t = actor_tx(f, TEA_TX_ACTOR_REGISTER, "echo", 1, 1);
  commit_ok(f, &t, 1);
  assert_int_equal(tea_ledger_count(f->l), 2);
  tea_ledger_actor a;
  assert_int_equal(tea_ledger_actor_at(f->l, "echo", 1, &a, NULL), TEA_OK);
  assert_int_equal(a.ncaps, 2);
  assert_int_equal(tea_ledger_actor_at(f->l, "echo", 0, &a, NULL), TEA_ERR_NOT_FOUND);
  tea_error err;
  assert_int_equal(tea_ledger_verify_all(f->l, &err), TEA_OK);
}

static void test_forged_signature(void **state) {
  fx *f = *state;
  tea_ledger_slice t = actor_tx(f, TEA_TX_ACTOR_REGISTER, "echo", 1, 1);
  size_t n;
  uint8_t *buf = block_bytes(f, &t, 1, 3, &n);
  tea_ledger_block dec;
  assert_int_equal(tea_ledger_block_decode(buf, n, &dec, NULL), TEA_OK);
  uint8_t *sig = memmem(buf, n, dec.sigs[1].sig, TEA_LEDGER_SIG_LEN);
  tea_ledger_block_free(&dec);
  assert_non_null(sig);
  sig[10] ^= 1;
  expect_reject(f, buf, n, TEA_ERR_CRYPTO, "forged signature");
  tea_ledger_actor a;
  assert_int_equal(tea_ledger_actor_at(f->l, "echo", head(f), &a, NULL), TEA_ERR_NOT_FOUND);
  free(buf);
  /* a signature by a key outside the committee */
  tea_ledger_block b;
  memset(&b, 0, sizeof b);
  memcpy(b.chain, f->chain, 32);
  b.height = 1;
  b.time = 1001;
  tea_ledger_block_cid_at(f->l, 0, &b.prev, NULL);
  b.txs = &t;
  b.ntx = 1;
  tea_ledger_block_sign(&b, &f->cm[0], NULL);
  tea_ledger_block_sign(&b, &f->node[0], NULL);
  assert_int_equal(tea_ledger_block_encode(&b, true, &buf, &n, NULL), TEA_OK);
  expect_reject(f, buf, n, TEA_ERR_CRYPTO, "not a committee member");
  free(buf);
  free_txs(&t, 1);
}

static void test_duplicate_signature(void **state) {
  fx *f = *state;
  tea_ledger_block b;
  memset(&b, 0, sizeof b);
  memcpy(b.chain, f->chain, 32);
  b.height = 1;
  b.time = 1001;
  tea_ledger_block_cid_at(f->l, 0, &b.prev, NULL);
  tea_ledger_block_sign(&b, &f->cm[0], NULL);
  b.sigs[1] = b.sigs[0]; /* the same member twice makes "two" signatures */
  b.nsigs = 2;
  uint8_t *buf;
  size_t n;
  assert_int_equal(tea_ledger_block_encode(&b, true, &buf, &n, NULL), TEA_OK);
  expect_reject(f, buf, n, TEA_ERR_CRYPTO, "duplicate");
  free(buf);
}

static void test_under_threshold(void **state) {
  fx *f = *state;
  size_t n;
  uint8_t *buf = block_bytes(f, NULL, 0, 1, &n);
  expect_reject(f, buf, n, TEA_ERR_CRYPTO, "1 of 2 required");
  free(buf);
  buf = block_bytes(f, NULL, 0, 0, &n);
  expect_reject(f, buf, n, TEA_ERR_CRYPTO, "0 of 2 required");
  free(buf);
}

static void test_wrong_chain(void **state) {
  fx *f = *state;
  /* A block of another chain, properly signed by the same committee. */
  uint8_t other[32];
  memset(other, 0xBB, sizeof other);
  memcpy(f->chain, other, 32);
  size_t n;
  uint8_t *buf = block_bytes(f, NULL, 0, 3, &n);
  memset(f->chain, 0xAA, 32);
  expect_reject(f, buf, n, TEA_ERR_INVALID, "another chain");
  free(buf);
  /* Signatures lifted from the other chain's block onto ours do not verify. */
  tea_ledger_block ob;
  memset(other, 0xBB, sizeof other);
  memcpy(f->chain, other, 32);
  buf = block_bytes(f, NULL, 0, 3, &n);
  memset(f->chain, 0xAA, 32);
  assert_int_equal(tea_ledger_block_decode(buf, n, &ob, NULL), TEA_OK);
  free(buf);
  memcpy(ob.chain, f->chain, 32);
  assert_int_equal(tea_ledger_block_encode(&ob, true, &buf, &n, NULL), TEA_OK);
  tea_ledger_block_free(&ob);
  expect_reject(f, buf, n, TEA_ERR_CRYPTO, "forged signature");
  free(buf);
  /* A transaction signed for another chain inside our block. */
  tea_ledger_tx *tx = new_tx(f, TEA_TX_ACTOR_RETIRE);
  memset(tx->chain, 0xBB, 32);
  strcpy(tx->u.actor.name, "x");
  tea_ledger_slice t = sign_tx(tx, &f->cm[0]);
  buf = block_bytes(f, &t, 1, 3, &n);
  expect_reject(f, buf, n, TEA_ERR_INVALID, "transaction for another chain");
  free(buf);
  free_txs(&t, 1);
}

static void test_broken_link(void **state) {
  fx *f = *state;
  commit_ok(f, NULL, 0);
  tea_ledger_block b;
  size_t n;
  uint8_t *buf = block_bytes(f, NULL, 0, 3, &n);
  assert_int_equal(tea_ledger_block_decode(buf, n, &b, NULL), TEA_OK);
  free(buf);
  tea_ledger_block_cid_at(f->l, 0, &b.prev, NULL); /* skips block 1 */
  b.nsigs = 0;
  tea_ledger_block_sign(&b, &f->cm[0], NULL);
  tea_ledger_block_sign(&b, &f->cm[2], NULL);
  assert_int_equal(tea_ledger_block_encode(&b, true, &buf, &n, NULL), TEA_OK);
  tea_ledger_block_free(&b);
  expect_reject(f, buf, n, TEA_ERR_INVALID, "broken previous link");
  free(buf);
  /* time running backwards */
  buf = block_bytes(f, NULL, 0, 3, &n);
  assert_int_equal(tea_ledger_block_decode(buf, n, &b, NULL), TEA_OK);
  free(buf);
  b.time = 999;
  b.nsigs = 0;
  tea_ledger_block_sign(&b, &f->cm[0], NULL);
  tea_ledger_block_sign(&b, &f->cm[1], NULL);
  assert_int_equal(tea_ledger_block_encode(&b, true, &buf, &n, NULL), TEA_OK);
  tea_ledger_block_free(&b);
  expect_reject(f, buf, n, TEA_ERR_INVALID, "time goes backwards");
  free(buf);
  /* a replayed block (height already taken) */
  uint8_t *old;
  assert_int_equal(tea_ledger_block_bytes(f->l, 1, &old, &n, NULL), TEA_OK);
  expect_reject(f, old, n, TEA_ERR_INVALID, "expected 2");
  free(old);
}

static void test_non_canonical(void **state) {
  fx *f = *state;
  size_t n;
  uint8_t *buf = block_bytes(f, NULL, 0, 3, &n);
  /* "time": 1001 is encoded as 0x19 0x03 0xe9; re-encode it with an 8-byte head. */
  const uint8_t key[] = {0x64, 't', 'i', 'm', 'e', 0x19, 0x03, 0xe9};
  uint8_t *at = NULL;
  for (size_t i = 0; i + sizeof key <= n; i++)
    if (memcmp(buf + i, key, sizeof key) == 0) at = buf + i;
  assert_non_null(at);
  size_t off = (size_t)(at - buf) + 5;
  uint8_t *bad = malloc(n + 6);
  memcpy(bad, buf, off);
  const uint8_t wide[] = {0x1b, 0, 0, 0, 0, 0, 0, 0x03, 0xe9};
  memcpy(bad + off, wide, sizeof wide);
  memcpy(bad + off + sizeof wide, buf + off + 3, n - off - 3);
  expect_reject(f, bad, n + 6, TEA_ERR_INVALID, "non-shortest");
  free(bad);
  /* trailing garbage */
  uint8_t *longer = malloc(n + 1);
  memcpy(longer, buf, n);
  longer[n] = 0;
  expect_reject(f, longer, n + 1, TEA_ERR_MALFORMED, "");
  free(longer);
  free(buf);
}

static void test_invalid_tx(void **state) {
  fx *f = *state;
  /* a valid registration followed by an update of an unknown actor: the block is
   * rejected whole, so the registration does not stick either */
  tea_ledger_slice t[2] = {actor_tx(f, TEA_TX_ACTOR_REGISTER, "echo", 1, 1),
                           actor_tx(f, TEA_TX_ACTOR_UPDATE, "nope", 2, 1)};
  size_t n;
  uint8_t *buf = block_bytes(f, t, 2, 3, &n);
  expect_reject(f, buf, n, TEA_ERR_INVALID, "transaction 1: actor.update: no actor 'nope'");
  free(buf);
  free_txs(t, 2);
  tea_ledger_actor a;
  assert_int_equal(tea_ledger_actor_at(f->l, "echo", head(f), &a, NULL), TEA_ERR_NOT_FOUND);
  /* committee-only transaction proposed by a node */
  tea_ledger_tx *tx = new_tx(f, TEA_TX_RUNTIME_APPROVE);
  memset(tx->u.runtime.hash, 7, 32);
  strcpy(tx->u.runtime.version, "1.0");
  strcpy(tx->u.runtime.platform, "x86_64-linux");
  t[0] = sign_tx(tx, &f->node[0]);
  buf = block_bytes(f, t, 1, 3, &n);
  expect_reject(f, buf, n, TEA_ERR_INVALID, "not a committee member");
  free(buf);
  free_txs(t, 1);
  /* a tampered transaction signature */
  t[0] = actor_tx(f, TEA_TX_ACTOR_REGISTER, "echo", 1, 1);
  tea_ledger_tx *tt = calloc(1, sizeof *tt);
  assert_int_equal(tea_ledger_tx_decode(t[0].p, t[0].n, tt, NULL), TEA_OK);
  uint8_t *sig = memmem((void *)t[0].p, t[0].n, tt->sig, TEA_LEDGER_SIG_LEN);
  free(tt);
  assert_non_null(sig);
  sig[3] ^= 0x40;
  buf = block_bytes(f, t, 1, 3, &n);
  expect_reject(f, buf, n, TEA_ERR_CRYPTO, "bad transaction signature");
  free(buf);
  free_txs(t, 1);
  /* node registration signed by someone else */
  tea_ledger_slice nt = node_tx(f, 0, 1);
  tea_ledger_tx *dec = calloc(1, sizeof *dec);
  assert_int_equal(tea_ledger_tx_decode(nt.p, nt.n, dec, NULL), TEA_OK);
  free((void *)nt.p);
  t[0] = sign_tx(dec, &f->node[1]);
  buf = block_bytes(f, t, 1, 3, &n);
  expect_reject(f, buf, n, TEA_ERR_INVALID, "not signed by the node key");
  free(buf);
  free_txs(t, 1);
  /* a replayed transaction */
  t[0] = actor_tx(f, TEA_TX_ACTOR_REGISTER, "echo", 1, 1);
  tea_ledger_slice copy = {malloc(t[0].n), t[0].n};
  memcpy((void *)copy.p, t[0].p, t[0].n);
  commit_ok(f, t, 1);
  buf = block_bytes(f, &copy, 1, 3, &n);
  expect_reject(f, buf, n, TEA_ERR_INVALID, "duplicate transaction");
  free(buf);
  free_txs(&copy, 1);
  /* minimum revision going down */
  t[0] = actor_tx(f, TEA_TX_ACTOR_UPDATE, "echo", 3, 0);
  assert_int_not_equal(commit(f, t, 1, NULL), TEA_OK);
}

/* ---- node status ---- */

static void register_nodes(fx *f, uint32_t tier) {
  tea_ledger_slice t[NNODES];
  for (int i = 0; i < NNODES; i++) t[i] = node_tx(f, i, tier);
  commit_ok(f, t, NNODES);
}

static void test_status_suspicious_quarantine(void **state) {
  fx *f = *state;
  register_nodes(f, 1);
  uint64_t h_reg = head(f);
  assert_int_equal(status_at(f, 0, h_reg), TEA_NODE_ACTIVE);
  /* self-verdict: ignored */
  tea_ledger_slice t = verdict_tx(f, 0, 0, false, h_reg, 1);
  commit_ok(f, &t, 1);
  assert_int_equal(status_at(f, 0, head(f)), TEA_NODE_ACTIVE);
  /* one failure: suspicious */
  t = verdict_tx(f, 1, 0, false, head(f), 1);
  commit_ok(f, &t, 1);
  uint64_t h_susp = head(f);
  assert_int_equal(status_at(f, 0, h_susp), TEA_NODE_SUSPICIOUS);
  /* the same attestor again (new nonce) is still one distinct attestor */
  t = verdict_tx(f, 1, 0, false, head(f), 2);
  commit_ok(f, &t, 1);
  assert_int_equal(status_at(f, 0, head(f)), TEA_NODE_SUSPICIOUS);
  /* stale: fresh against the registration block, now more than 4 blocks old */
  for (int i = 0; i < 4; i++) commit_ok(f, NULL, 0);
  t = verdict_tx(f, 2, 0, false, h_reg, 3);
  commit_ok(f, &t, 1);
  assert_int_equal(status_at(f, 0, head(f)), TEA_NODE_SUSPICIOUS);
  /* a second distinct attestor: quarantined */
  t = verdict_tx(f, 2, 0, false, head(f), 4);
  tea_ledger_slice dup = {malloc(t.n), t.n};
  memcpy((void *)dup.p, t.p, t.n);
  commit_ok(f, &t, 1);
  uint64_t h_q = head(f);
  assert_int_equal(status_at(f, 0, h_q), TEA_NODE_QUARANTINED);
  /* a replayed verdict is a duplicate transaction */
  size_t n;
  uint8_t *buf = block_bytes(f, &dup, 1, 3, &n);
  expect_reject(f, buf, n, TEA_ERR_INVALID, "duplicate transaction");
  free(buf);
  free_txs(&dup, 1);
  /* passes do not lift a quarantine; the committee does */
  t = verdict_tx(f, 3, 0, true, head(f), 5);
  commit_ok(f, &t, 1);
  assert_int_equal(status_at(f, 0, head(f)), TEA_NODE_QUARANTINED);
  tea_ledger_tx *tx = new_tx(f, TEA_TX_REINSTATE);
  memcpy(tx->u.quarantine.node, f->node[0].pk, 32);
  strcpy(tx->u.quarantine.reason, "fixed");
  t = sign_tx(tx, &f->cm[1]);
  commit_ok(f, &t, 1);
  assert_int_equal(status_at(f, 0, head(f)), TEA_NODE_ACTIVE);
  /* history is intact */
  assert_int_equal(status_at(f, 0, h_reg), TEA_NODE_ACTIVE);
  assert_int_equal(status_at(f, 0, h_susp), TEA_NODE_SUSPICIOUS);
  assert_int_equal(status_at(f, 0, h_q), TEA_NODE_QUARANTINED);
  tea_ledger_node nd;
  assert_int_equal(tea_ledger_node_at(f->l, f->node[0].pk, h_reg - 1, &nd, NULL), TEA_ERR_NOT_FOUND);
}

static void test_status_recover_and_committee_quarantine(void **state) {
  fx *f = *state;
  register_nodes(f, 1);
  tea_ledger_slice t = verdict_tx(f, 1, 0, false, head(f), 1);
  commit_ok(f, &t, 1);
  assert_int_equal(status_at(f, 0, head(f)), TEA_NODE_SUSPICIOUS);
  t = verdict_tx(f, 2, 0, true, head(f), 2); /* recover_passes = 1 */
  commit_ok(f, &t, 1);
  assert_int_equal(status_at(f, 0, head(f)), TEA_NODE_ACTIVE);
  tea_ledger_tx *tx = new_tx(f, TEA_TX_QUARANTINE);
  memcpy(tx->u.quarantine.node, f->node[3].pk, 32);
  strcpy(tx->u.quarantine.reason, "stolen");
  t = sign_tx(tx, &f->cm[2]);
  commit_ok(f, &t, 1);
  assert_int_equal(status_at(f, 3, head(f)), TEA_NODE_QUARANTINED);
  /* a quarantined attestor's verdicts carry no weight */
  t = verdict_tx(f, 3, 1, false, head(f), 3);
  commit_ok(f, &t, 1);
  assert_int_equal(status_at(f, 1, head(f)), TEA_NODE_ACTIVE);
  /* a verdict fresh against a block not in this chain is invalid */
  tea_ledger_tx *v = new_tx(f, TEA_TX_VERDICT);
  memcpy(v->u.verdict.subject, f->node[1].pk, 32);
  v->u.verdict.fresh_height = head(f);
  uint8_t x = 9;
  tea_cid_of(TEA_CODEC_DAG_CBOR, &x, 1, &v->u.verdict.fresh_cid, NULL);
  t = sign_tx(v, &f->node[2]);
  size_t n;
  uint8_t *buf = block_bytes(f, &t, 1, 3, &n);
  expect_reject(f, buf, n, TEA_ERR_INVALID, "not this chain's");
  free(buf);
  free_txs(&t, 1);
}

static void test_upgrade_pending(void **state) {
  fx *f = *state;
  tea_ledger_slice t = actor_tx(f, TEA_TX_ACTOR_REGISTER, "echo", 1, 1);
  commit_ok(f, &t, 1);
  register_nodes(f, 1);
  tea_ledger_actor a;
  assert_int_equal(tea_ledger_actor_at(f->l, "echo", head(f), &a, NULL), TEA_OK);
  tea_cid old = a.cid;
  uint64_t h0 = head(f);
  tea_ledger_tx *tx = new_tx(f, TEA_TX_UPGRADE);
  tea_ledger_upgrade *u = &tx->u.upgrade;
  strcpy(u->actor, "echo");
  uint8_t data = 2;
  tea_cid_of(TEA_CODEC_RAW, &data, 1, &u->cid, NULL);
  tea_cid newc = u->cid;
  u->nwaves = 2;
  u->waves[0] = (tea_ledger_wave){1, h0 + 2};
  u->waves[1] = (tea_ledger_wave){2, h0 + 10};
  u->passes = 2;
  t = sign_tx(tx, &f->cm[0]);
  commit_ok(f, &t, 1); /* h0 + 1: announced, no wave yet */
  tea_cid c;
  assert_int_equal(status_at(f, 0, head(f)), TEA_NODE_ACTIVE);
  assert_int_equal(tea_ledger_actor_cid_for(f->l, "echo", 1, head(f), &c, NULL), TEA_OK);
  assert_true(tea_cid_equal(&c, &old));
  commit_ok(f, NULL, 0); /* h0 + 2: tier 1's wave starts */
  assert_int_equal(status_at(f, 0, head(f)), TEA_NODE_PENDING);
  assert_int_equal(tea_ledger_actor_cid_for(f->l, "echo", 1, head(f), &c, NULL), TEA_OK);
  assert_true(tea_cid_equal(&c, &newc));
  assert_int_equal(tea_ledger_actor_cid_for(f->l, "echo", 2, head(f), &c, NULL), TEA_OK);
  assert_true(tea_cid_equal(&c, &old));
  assert_int_equal(tea_ledger_actor_cid_for(f->l, "echo", 3, head(f), &c, NULL), TEA_OK);
  assert_true(tea_cid_equal(&c, &old)); /* no wave of its own: waits for the last */
  /* self and one pass: still pending; a second distinct attestor: active */
  tea_ledger_slice v[2] = {verdict_tx(f, 0, 0, true, head(f), 1), verdict_tx(f, 1, 0, true, head(f), 1)};
  commit_ok(f, v, 2);
  assert_int_equal(status_at(f, 0, head(f)), TEA_NODE_PENDING);
  v[0] = verdict_tx(f, 1, 0, true, head(f), 2); /* same attestor, new nonce: not distinct */
  commit_ok(f, v, 1);
  assert_int_equal(status_at(f, 0, head(f)), TEA_NODE_PENDING);
  v[0] = verdict_tx(f, 2, 0, true, head(f), 1);
  commit_ok(f, v, 1);
  assert_int_equal(status_at(f, 0, head(f)), TEA_NODE_ACTIVE);
  assert_int_equal(status_at(f, 0, h0 + 2), TEA_NODE_PENDING);
  assert_int_equal(status_at(f, 0, h0), TEA_NODE_ACTIVE);
}


static void test_registry_rules(void **state) {
  fx *f = *state;
  /* providers: a hash for one platform, a CID for another; replaced by a later one */
  tea_ledger_tx *tx = new_tx(f, TEA_TX_PROVIDER);
  strcpy(tx->u.provider.name, "keyvalue");
  tx->u.provider.n = 2;
  strcpy(tx->u.provider.a[0].platform, "x86_64-linux");
  memset(tx->u.provider.a[0].hash, 0x22, 32);
  strcpy(tx->u.provider.a[1].platform, "wasm32");
  tx->u.provider.a[1].is_cid = true;
  tea_ledger_block_cid_at(f->l, 0, &tx->u.provider.a[1].cid, NULL);
  tea_ledger_slice t = sign_tx(tx, &f->cm[0]);
  commit_ok(f, &t, 1);
  tea_ledger_provider p;
  assert_int_equal(tea_ledger_provider_at(f->l, "keyvalue", 1, &p, NULL), TEA_OK);
  assert_int_equal(p.n, 2);
  uint8_t h22[32];
  memset(h22, 0x22, sizeof h22);
  for (uint32_t i = 0; i < p.n; i++)
    if (strcmp(p.a[i].platform, "wasm32") == 0) assert_true(p.a[i].is_cid);
    else assert_memory_equal(p.a[i].hash, h22, 32);
  assert_int_equal(tea_ledger_provider_at(f->l, "keyvalue", 0, &p, NULL), TEA_ERR_NOT_FOUND);
  /* actors: retire, then the name may be registered again */
  t = actor_tx(f, TEA_TX_ACTOR_REGISTER, "echo", 1, 4);
  commit_ok(f, &t, 1);
  t = actor_tx(f, TEA_TX_ACTOR_RETIRE, "echo", 0, 0);
  commit_ok(f, &t, 1);
  tea_ledger_actor a;
  tea_cid c;
  assert_int_equal(tea_ledger_actor_at(f->l, "echo", head(f), &a, NULL), TEA_OK);
  assert_true(a.retired);
  assert_int_equal(a.min_rev, 4);
  assert_int_equal(tea_ledger_actor_cid_for(f->l, "echo", 0, head(f), &c, NULL), TEA_ERR_NOT_FOUND);
  assert_int_equal(tea_ledger_actor_cid_for(f->l, "echo", 0, head(f) - 1, &c, NULL), TEA_OK);
  t = actor_tx(f, TEA_TX_ACTOR_RETIRE, "echo", 0, 0);
  tea_error err = {0};
  assert_int_equal(commit(f, &t, 1, &err), TEA_ERR_INVALID);
  assert_non_null(strstr(err.msg, "no actor 'echo'"));
  t = actor_tx(f, TEA_TX_ACTOR_REGISTER, "echo", 5, 1);
  commit_ok(f, &t, 1);
  /* an upgrade may not start while another of the same actor rolls out */
  tea_ledger_slice up[2];
  for (int i = 0; i < 2; i++) {
    tx = new_tx(f, TEA_TX_UPGRADE);
    strcpy(tx->u.upgrade.actor, "echo");
    uint8_t d = (uint8_t)(10 + i);
    tea_cid_of(TEA_CODEC_RAW, &d, 1, &tx->u.upgrade.cid, NULL);
    tx->u.upgrade.nwaves = 1;
    tx->u.upgrade.waves[0] = (tea_ledger_wave){1, 1000};
    tx->u.upgrade.passes = 1;
    up[i] = sign_tx(tx, &f->cm[0]);
  }
  assert_int_equal(commit(f, up, 2, &err), TEA_ERR_INVALID);
  assert_non_null(strstr(err.msg, "still rolling out"));
  /* a retirement height that is not in the future */
  tx = new_tx(f, TEA_TX_RUNTIME_APPROVE);
  memset(tx->u.runtime.hash, 1, 32);
  t = sign_tx(tx, &f->cm[0]);
  commit_ok(f, &t, 1);
  tx = new_tx(f, TEA_TX_RUNTIME_RETIRE);
  memset(tx->u.runtime.hash, 1, 32);
  tx->u.runtime.retire_height = head(f);
  t = sign_tx(tx, &f->cm[0]);
  assert_int_equal(commit(f, &t, 1, &err), TEA_ERR_INVALID);
  assert_non_null(strstr(err.msg, "not after this block"));
  /* a committee with an impossible threshold */
  tx = new_tx(f, TEA_TX_COMMITTEE);
  tx->u.committee = committee_of(f->cm, 1, 2);
  t = sign_tx(tx, &f->cm[0]);
  assert_int_equal(commit(f, &t, 1, &err), TEA_ERR_INVALID);
  assert_non_null(strstr(err.msg, "threshold 2 outside 1..1"));
  /* a verdict fresh against the block it is in (not before it) */
  register_nodes(f, 1);
  tx = new_tx(f, TEA_TX_VERDICT);
  memcpy(tx->u.verdict.subject, f->node[1].pk, 32);
  tx->u.verdict.fresh_height = head(f) + 1;
  tea_ledger_block_cid_at(f->l, head(f), &tx->u.verdict.fresh_cid, NULL);
  t = sign_tx(tx, &f->node[0]);
  assert_int_equal(commit(f, &t, 1, &err), TEA_ERR_INVALID);
  assert_non_null(strstr(err.msg, "not before this block"));
  /* registering twice */
  t = node_tx(f, 2, 1);
  assert_int_equal(commit(f, &t, 1, &err), TEA_ERR_INVALID);
  assert_non_null(strstr(err.msg, "already registered"));
  assert_int_equal(tea_ledger_verify_all(f->l, &err), TEA_OK);
}

/* ---- queries at past heights, committee change ---- */

static void test_runtime_history(void **state) {
  fx *f = *state;
  uint8_t hash[32];
  memset(hash, 0x42, sizeof hash);
  tea_ledger_tx *tx = new_tx(f, TEA_TX_RUNTIME_APPROVE);
  memcpy(tx->u.runtime.hash, hash, 32);
  strcpy(tx->u.runtime.version, "0.1.0");
  strcpy(tx->u.runtime.platform, "x86_64-linux");
  tea_ledger_slice t = sign_tx(tx, &f->cm[0]);
  commit_ok(f, &t, 1); /* height 1 */
  tx = new_tx(f, TEA_TX_RUNTIME_RETIRE);
  memcpy(tx->u.runtime.hash, hash, 32);
  tx->u.runtime.retire_height = 5;
  t = sign_tx(tx, &f->cm[0]);
  commit_ok(f, &t, 1); /* height 2: retires at 5 */
  for (int i = 0; i < 4; i++) commit_ok(f, NULL, 0);
  assert_false(tea_ledger_runtime_valid(f->l, hash, 0));
  for (uint64_t h = 1; h < 5; h++) assert_true(tea_ledger_runtime_valid(f->l, hash, h));
  assert_false(tea_ledger_runtime_valid(f->l, hash, 5));
  assert_false(tea_ledger_runtime_valid(f->l, hash, 99)); /* past the head */
  char *json;
  assert_int_equal(tea_ledger_state_json(f->l, 3, &json, NULL), TEA_OK);
  assert_non_null(strstr(json, "\"retire_height\": 5"));
  free(json);
}

static void test_committee_change(void **state) {
  fx *f = *state;
  tea_ledger_keypair nk[2];
  seed_kp(&nk[0], 50);
  seed_kp(&nk[1], 51);
  tea_ledger_tx *tx = new_tx(f, TEA_TX_COMMITTEE);
  tx->u.committee = committee_of(nk, 2, 2);
  if (memcmp(nk[0].pk, nk[1].pk, 32) > 0) {
    memcpy(tx->u.committee.keys[0], nk[1].pk, 32);
    memcpy(tx->u.committee.keys[1], nk[0].pk, 32);
  }
  tea_ledger_slice t = sign_tx(tx, &f->cm[0]);
  commit_ok(f, &t, 1); /* signed by the old committee */
  size_t n;
  uint8_t *buf = block_bytes(f, NULL, 0, 3, &n);
  expect_reject(f, buf, n, TEA_ERR_CRYPTO, "not a committee member");
  free(buf);
  tea_ledger_block b;
  memset(&b, 0, sizeof b);
  memcpy(b.chain, f->chain, 32);
  b.height = 2;
  b.time = 1002;
  tea_ledger_block_cid_at(f->l, 1, &b.prev, NULL);
  tea_ledger_block_sign(&b, &nk[0], NULL);
  tea_ledger_block_sign(&b, &nk[1], NULL);
  assert_int_equal(tea_ledger_block_encode(&b, true, &buf, &n, NULL), TEA_OK);
  assert_int_equal(tea_ledger_append(f->l, buf, n, NULL), TEA_OK);
  free(buf);
  tea_ledger_committee c;
  assert_int_equal(tea_ledger_committee_at(f->l, 0, &c, NULL), TEA_OK);
  assert_int_equal(c.n, 3);
  assert_int_equal(tea_ledger_committee_at(f->l, 2, &c, NULL), TEA_OK);
  assert_int_equal(c.n, 2);
}

static void test_many_blocks_query(void **state) {
  fx *f = *state;
  register_nodes(f, 1);
  /* 600 blocks, each flipping node 0 between suspicious and active */
  for (int i = 0; i < 300; i++) {
    tea_ledger_slice t = verdict_tx(f, 1 + (i % 2), 0, false, head(f), (uint32_t)i);
    commit_ok(f, &t, 1);
    t = verdict_tx(f, 3, 0, true, head(f), (uint32_t)i);
    commit_ok(f, &t, 1);
  }
  uint64_t top = head(f);
  for (uint64_t h = 2; h <= top; h++)
    assert_int_equal(status_at(f, 0, h), (h % 2) ? TEA_NODE_ACTIVE : TEA_NODE_SUSPICIOUS);
}

/* ---- governance ---- */

static void test_propose_approve(void **state) {
  fx *f = *state;
  tea_ledger_slice t = actor_tx(f, TEA_TX_ACTOR_REGISTER, "echo", 1, 1);
  tea_ledger_block b;
  tea_error err;
  assert_int_equal(tea_ledger_propose(f->l, &t, 1, 77, &b, &err), TEA_OK);
  free_txs(&t, 1);
  bool done;
  assert_int_equal(tea_ledger_approve(f->l, &b, &f->node[0], &done, &err), TEA_ERR_INVALID);
  assert_int_equal(tea_ledger_approve(f->l, &b, &f->cm[2], &done, &err), TEA_OK);
  assert_false(done);
  /* the proposal round-trips through its encoding (a file between members) */
  uint8_t *buf;
  size_t n;
  assert_int_equal(tea_ledger_block_encode(&b, true, &buf, &n, NULL), TEA_OK);
  tea_ledger_block_free(&b);
  assert_int_equal(tea_ledger_block_decode(buf, n, &b, NULL), TEA_OK);
  free(buf);
  assert_int_equal(tea_ledger_approve(f->l, &b, &f->cm[2], &done, &err), TEA_OK); /* again: still one */
  assert_false(done);
  assert_int_equal(tea_ledger_count(f->l), 1);
  assert_int_equal(tea_ledger_approve(f->l, &b, &f->cm[0], &done, &err), TEA_OK);
  assert_true(done);
  assert_int_equal(tea_ledger_count(f->l), 2);
  tea_ledger_block_free(&b);
  /* an invalid proposal is refused up front */
  t = actor_tx(f, TEA_TX_ACTOR_RETIRE, "ghost", 0, 0);
  assert_int_equal(tea_ledger_propose(f->l, &t, 1, 78, &b, &err), TEA_ERR_INVALID);
  free_txs(&t, 1);
  char *json;
  assert_int_equal(tea_ledger_block_bytes(f->l, 1, &buf, &n, NULL), TEA_OK);
  assert_int_equal(tea_ledger_block_decode(buf, n, &b, NULL), TEA_OK);
  assert_int_equal(tea_ledger_block_json(&b, &json, NULL), TEA_OK);
  assert_non_null(strstr(json, "\"kind\": \"actor.register\""));
  free(json);
  free(buf);
  tea_ledger_block_free(&b);
}

/* Signatures gathered from copies signed elsewhere (a node collecting approvals):
 * a forged or non-member signature, or signatures for another block, are refused and
 * leave what was gathered as it was; at the threshold the block is appended. */
static void test_gather(void **state) {
  fx *f = *state;
  tea_ledger_slice t = actor_tx(f, TEA_TX_ACTOR_REGISTER, "echo", 1, 1);
  tea_ledger_slice u = actor_tx(f, TEA_TX_ACTOR_REGISTER, "other", 2, 1);
  tea_ledger_block gathered, a, c, x, other;
  tea_error err;
  assert_int_equal(tea_ledger_propose(f->l, &t, 1, 77, &gathered, &err), TEA_OK);
  assert_int_equal(tea_ledger_propose(f->l, &t, 1, 77, &a, &err), TEA_OK);
  assert_int_equal(tea_ledger_propose(f->l, &t, 1, 77, &c, &err), TEA_OK);
  assert_int_equal(tea_ledger_propose(f->l, &t, 1, 77, &x, &err), TEA_OK);
  assert_int_equal(tea_ledger_propose(f->l, &u, 1, 77, &other, &err), TEA_OK);
  free_txs(&t, 1);
  free_txs(&u, 1);
  bool done;
  assert_int_equal(tea_ledger_block_sign(&a, &f->cm[0], &err), TEA_OK);
  assert_int_equal(tea_ledger_gather(f->l, &gathered, &a, &done, &err), TEA_OK);
  assert_false(done);
  assert_int_equal(gathered.nsigs, 1);
  assert_int_equal(tea_ledger_gather(f->l, &gathered, &a, &done, &err), TEA_OK); /* again: still one */
  assert_int_equal(gathered.nsigs, 1);
  /* a non-member's signature */
  assert_int_equal(tea_ledger_block_sign(&x, &f->node[0], &err), TEA_OK);
  assert_int_not_equal(tea_ledger_gather(f->l, &gathered, &x, &done, &err), TEA_OK);
  assert_int_equal(gathered.nsigs, 1);
  /* a member's signature, forged */
  assert_int_equal(tea_ledger_block_sign(&c, &f->cm[1], &err), TEA_OK);
  c.sigs[0].sig[3] ^= 1;
  assert_int_not_equal(tea_ledger_gather(f->l, &gathered, &c, &done, &err), TEA_OK);
  assert_int_equal(gathered.nsigs, 1);
  c.sigs[0].sig[3] ^= 1;
  /* signatures for another block */
  assert_int_equal(tea_ledger_block_sign(&other, &f->cm[1], &err), TEA_OK);
  assert_int_equal(tea_ledger_gather(f->l, &gathered, &other, &done, &err), TEA_ERR_ARG);
  assert_non_null(strstr(err.msg, "another block"));
  assert_int_equal(gathered.nsigs, 1);
  assert_int_equal(tea_ledger_count(f->l), 1);
  /* the second member: appended */
  assert_int_equal(tea_ledger_gather(f->l, &gathered, &c, &done, &err), TEA_OK);
  assert_true(done);
  assert_int_equal(gathered.nsigs, 2);
  assert_int_equal(tea_ledger_count(f->l), 2);
  tea_ledger_block_free(&gathered);
  tea_ledger_block_free(&a);
  tea_ledger_block_free(&c);
  tea_ledger_block_free(&x);
  tea_ledger_block_free(&other);
}

/* ---- file store ---- */

static void test_file_store(void **state) {
  fx *f = *state;
  char path[] = "/tmp/tea-ledger-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  unlink(path);
  tea_ledger_store *s;
  tea_ledger *l;
  assert_int_equal(tea_ledger_store_file_open(&s, path, NULL), TEA_OK);
  assert_int_equal(tea_ledger_open(&l, s, NULL), TEA_OK);
  /* copy the fixture's chain (genesis + 3 blocks) into the file */
  for (int i = 0; i < 3; i++) commit_ok(f, NULL, 0);
  for (uint64_t h = 0; h < 4; h++) {
    uint8_t *buf;
    size_t n;
    assert_int_equal(tea_ledger_block_bytes(f->l, h, &buf, &n, NULL), TEA_OK);
    assert_int_equal(tea_ledger_append(l, buf, n, NULL), TEA_OK);
    free(buf);
  }
  /* a second opener is refused while the first holds it */
  tea_ledger_store *s2;
  assert_int_equal(tea_ledger_store_file_open(&s2, path, NULL), TEA_ERR_STATE);
  tea_ledger_close(l);
  FILE *fp = fopen(path, "r+b");
  fseek(fp, 0, SEEK_END);
  long size = ftell(fp);
  /* torn tail: half a record appended */
  fwrite("\x40\x00\x00\x00\x12\x34", 1, 6, fp);
  fclose(fp);
  assert_int_equal(tea_ledger_store_file_open(&s, path, NULL), TEA_OK);
  assert_int_equal(tea_ledger_open(&l, s, NULL), TEA_OK);
  assert_int_equal(tea_ledger_count(l), 4);
  tea_error err;
  assert_int_equal(tea_ledger_verify_all(l, &err), TEA_OK);
  tea_ledger_close(l);
  fp = fopen(path, "r+b");
  fseek(fp, 0, SEEK_END);
  assert_int_equal(ftell(fp), size);
  /* a flipped byte in the middle record: corruption, not a torn tail */
  fseek(fp, 60, SEEK_SET);
  int ch = fgetc(fp);
  fseek(fp, 60, SEEK_SET);
  fputc(ch ^ 0xff, fp);
  fclose(fp);
  assert_int_equal(tea_ledger_store_file_open(&s, path, &err), TEA_ERR_MALFORMED);
  assert_non_null(strstr(err.msg, "corrupt"));
  unlink(path);
}

/* A store another writer appends to (etcd, shared by nodes and the committee): refresh
 * reads only what is past the head, verifies it like a block from a peer, and stops at
 * a block that fails, keeping the good ones before it. */
static void test_refresh_shared_store(void **state) {
  fx *f = *state;
  for (int i = 0; i < 3; i++) {
    tea_ledger_slice t = actor_tx(f, TEA_TX_ACTOR_REGISTER, i == 0 ? "a" : i == 1 ? "b" : "c", 1, 1);
    commit_ok(f, &t, 1);
  }
  tea_ledger_store *s;
  tea_ledger *reader;
  assert_int_equal(tea_ledger_store_mem_open(&s, NULL), TEA_OK);
  assert_int_equal(tea_ledger_open(&reader, s, NULL), TEA_OK); /* reader owns s; s stays valid */
  uint64_t added = 99;
  tea_error err = {0};
  assert_int_equal(tea_ledger_refresh(reader, &added, &err), TEA_OK);
  assert_int_equal(added, 0);
  /* the other writer: blocks 0..2 straight into the store */
  for (uint64_t h = 0; h < 3; h++) {
    uint8_t *b;
    size_t n;
    assert_int_equal(tea_ledger_block_bytes(f->l, h, &b, &n, NULL), TEA_OK);
    assert_int_equal(s->ops->append(s, h, b, n, NULL), TEA_OK);
    free(b);
  }
  assert_int_equal(tea_ledger_refresh(reader, &added, &err), TEA_OK);
  assert_int_equal(added, 3);
  assert_int_equal(tea_ledger_count(reader), 3);
  tea_ledger_actor a;
  assert_int_equal(tea_ledger_actor_at(reader, "b", 2, &a, NULL), TEA_OK);
  assert_int_equal(tea_ledger_refresh(reader, &added, &err), TEA_OK);
  assert_int_equal(added, 0);
  /* block 3 with one byte of a signature changed, then nothing more is applied */
  uint8_t *b;
  size_t n;
  assert_int_equal(tea_ledger_block_bytes(f->l, 3, &b, &n, NULL), TEA_OK);
  b[n - 5] ^= 1;
  assert_int_equal(s->ops->append(s, 3, b, n, NULL), TEA_OK);
  free(b);
  assert_int_not_equal(tea_ledger_refresh(reader, &added, &err), TEA_OK);
  assert_int_equal(added, 0);
  assert_non_null(strstr(err.msg, "stored block 3"));
  assert_int_equal(tea_ledger_count(reader), 3);
  assert_int_equal(tea_ledger_actor_at(reader, "c", 2, &a, NULL), TEA_ERR_NOT_FOUND);
  tea_ledger_close(reader);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_genesis_and_chain, setup, teardown),
      cmocka_unit_test_setup_teardown(test_forged_signature, setup, teardown),
      cmocka_unit_test_setup_teardown(test_duplicate_signature, setup, teardown),
      cmocka_unit_test_setup_teardown(test_under_threshold, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wrong_chain, setup, teardown),
      cmocka_unit_test_setup_teardown(test_broken_link, setup, teardown),
      cmocka_unit_test_setup_teardown(test_non_canonical, setup, teardown),
      cmocka_unit_test_setup_teardown(test_invalid_tx, setup, teardown),
      cmocka_unit_test_setup_teardown(test_status_suspicious_quarantine, setup, teardown),
      cmocka_unit_test_setup_teardown(test_status_recover_and_committee_quarantine, setup, teardown),
      cmocka_unit_test_setup_teardown(test_upgrade_pending, setup, teardown),
      cmocka_unit_test_setup_teardown(test_registry_rules, setup, teardown),
      cmocka_unit_test_setup_teardown(test_runtime_history, setup, teardown),
      cmocka_unit_test_setup_teardown(test_committee_change, setup, teardown),
      cmocka_unit_test_setup_teardown(test_many_blocks_query, setup, teardown),
      cmocka_unit_test_setup_teardown(test_propose_approve, setup, teardown),
      cmocka_unit_test_setup_teardown(test_gather, setup, teardown),
      cmocka_unit_test_setup_teardown(test_file_store, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refresh_shared_store, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
