/* Transactions: the canonical CBOR codec of every kind, signing and verification.
 *
 *   {"type": "tea/tx", "v": 1, "kind": text, "chain": bytes(32), "from": bytes(32),
 *    "nonce": uint, "body": {...}, "sig": bytes(64)}
 *
 * The signature covers SHA-256("tea/tx/v1" ‖ NUL ‖ the map without "sig"). Sets
 * (keys, issuers, capabilities) must be sorted and distinct so that each value has one
 * encoding; docs/ledger.md lists every body. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/internal.h"

static const char *const kind_names[] = {
    [TEA_TX_COMMITTEE] = "committee.set",
    [TEA_TX_RUNTIME_APPROVE] = "runtime.approve",
    [TEA_TX_RUNTIME_RETIRE] = "runtime.retire",
    [TEA_TX_ACTOR_REGISTER] = "actor.register",
    [TEA_TX_ACTOR_UPDATE] = "actor.update",
    [TEA_TX_ACTOR_RETIRE] = "actor.retire",
    [TEA_TX_PROVIDER] = "provider.register",
    [TEA_TX_NODE_REGISTER] = "node.register",
    [TEA_TX_VERDICT] = "verdict",
    [TEA_TX_QUARANTINE] = "node.quarantine",
    [TEA_TX_REINSTATE] = "node.reinstate",
    [TEA_TX_UPGRADE] = "upgrade",
};
#define NKINDS (sizeof kind_names / sizeof kind_names[0])

const char *tea_tx_kind_name(tea_tx_kind k) {
  return (unsigned)k < NKINDS && kind_names[k] ? kind_names[k] : "unknown";
}

tea_tx_kind tea_tx_kind_parse(const char *name) {
  for (size_t i = 1; i < NKINDS; i++)
    if (strcmp(kind_names[i], name) == 0) return (tea_tx_kind)i;
  return 0;
}

/* ---- encoding ---- */

static void put_key_list(tea_cbor_enc *e, const uint8_t (*keys)[TEA_LEDGER_KEY_LEN], uint32_t n) {
  tea_cbor_begin_array(e, n);
  for (uint32_t i = 0; i < n; i++) tea_cbor_put_bytes(e, keys[i], TEA_LEDGER_KEY_LEN);
  tea_cbor_end(e);
}

static void put_actor(tea_cbor_enc *e, const tea_ledger_actor *a) {
  tea_cbor_begin_map(e, 6);
  tea_cbor_put_cstr(e, "name");
  tea_cbor_put_cstr(e, a->name);
  tea_cbor_put_cstr(e, "cid");
  tea_put_cid(e, &a->cid);
  tea_cbor_put_cstr(e, "issuers");
  put_key_list(e, a->issuers, a->nissuers);
  tea_cbor_put_cstr(e, "caps");
  tea_cbor_begin_array(e, a->ncaps);
  for (uint32_t i = 0; i < a->ncaps; i++) tea_cbor_put_cstr(e, a->caps[i]);
  tea_cbor_end(e);
  tea_cbor_put_cstr(e, "min_rev");
  tea_cbor_put_uint(e, a->min_rev);
  tea_cbor_put_cstr(e, "limits");
  tea_cbor_begin_map(e, 2);
  tea_cbor_put_cstr(e, "fuel");
  tea_cbor_put_uint(e, a->limits.fuel);
  tea_cbor_put_cstr(e, "memory");
  tea_cbor_put_uint(e, a->limits.memory);
  tea_cbor_end(e);
  tea_cbor_end(e);
}

static void put_body(tea_cbor_enc *e, const tea_ledger_tx *tx) {
  switch (tx->kind) {
  case TEA_TX_COMMITTEE:
    tea_cbor_begin_map(e, 2);
    tea_cbor_put_cstr(e, "keys");
    put_key_list(e, tx->u.committee.keys, tx->u.committee.n);
    tea_cbor_put_cstr(e, "threshold");
    tea_cbor_put_uint(e, tx->u.committee.threshold);
    break;
  case TEA_TX_RUNTIME_APPROVE:
    tea_cbor_begin_map(e, 3);
    tea_cbor_put_cstr(e, "hash");
    tea_cbor_put_bytes(e, tx->u.runtime.hash, TEA_SHA256_LEN);
    tea_cbor_put_cstr(e, "version");
    tea_cbor_put_cstr(e, tx->u.runtime.version);
    tea_cbor_put_cstr(e, "platform");
    tea_cbor_put_cstr(e, tx->u.runtime.platform);
    break;
  case TEA_TX_RUNTIME_RETIRE:
    tea_cbor_begin_map(e, 2);
    tea_cbor_put_cstr(e, "hash");
    tea_cbor_put_bytes(e, tx->u.runtime.hash, TEA_SHA256_LEN);
    tea_cbor_put_cstr(e, "at");
    tea_cbor_put_uint(e, tx->u.runtime.retire_height);
    break;
  case TEA_TX_ACTOR_REGISTER:
  case TEA_TX_ACTOR_UPDATE:
    put_actor(e, &tx->u.actor);
    return;
  case TEA_TX_ACTOR_RETIRE:
    tea_cbor_begin_map(e, 1);
    tea_cbor_put_cstr(e, "name");
    tea_cbor_put_cstr(e, tx->u.actor.name);
    break;
  case TEA_TX_PROVIDER:
    tea_cbor_begin_map(e, 2);
    tea_cbor_put_cstr(e, "name");
    tea_cbor_put_cstr(e, tx->u.provider.name);
    tea_cbor_put_cstr(e, "platforms");
    tea_cbor_begin_map(e, tx->u.provider.n);
    for (uint32_t i = 0; i < tx->u.provider.n; i++) {
      const tea_ledger_artifact *a = &tx->u.provider.a[i];
      tea_cbor_put_cstr(e, a->platform);
      if (a->is_cid) tea_put_cid(e, &a->cid);
      else tea_cbor_put_bytes(e, a->hash, TEA_SHA256_LEN);
    }
    tea_cbor_end(e);
    break;
  case TEA_TX_NODE_REGISTER: {
    const tea_ledger_node_reg *n = &tx->u.node;
    tea_cbor_begin_map(e, 7);
    tea_cbor_put_cstr(e, "node");
    tea_cbor_put_bytes(e, n->node, TEA_LEDGER_KEY_LEN);
    tea_cbor_put_cstr(e, "ak");
    tea_cbor_put_bytes(e, n->ak, n->ak_len);
    tea_cbor_put_cstr(e, "ak_alg");
    tea_cbor_put_cstr(e, n->ak_alg);
    tea_cbor_put_cstr(e, "enc");
    tea_cbor_put_bytes(e, n->enc, TEA_LEDGER_KEY_LEN);
    tea_cbor_put_cstr(e, "endpoint");
    tea_cbor_put_cstr(e, n->endpoint);
    tea_cbor_put_cstr(e, "tier");
    tea_cbor_put_uint(e, n->tier);
    tea_cbor_put_cstr(e, "evidence");
    tea_cbor_put_bytes(e, n->evidence, n->evidence_len);
    break;
  }
  case TEA_TX_VERDICT: {
    const tea_ledger_verdict *v = &tx->u.verdict;
    tea_cbor_begin_map(e, 7);
    tea_cbor_put_cstr(e, "subject");
    tea_cbor_put_bytes(e, v->subject, TEA_LEDGER_KEY_LEN);
    tea_cbor_put_cstr(e, "nonce");
    tea_cbor_put_bytes(e, v->nonce, v->nonce_len);
    tea_cbor_put_cstr(e, "result");
    tea_cbor_put_cstr(e, v->pass ? "pass" : "fail");
    tea_cbor_put_cstr(e, "reason");
    tea_cbor_put_cstr(e, v->reason);
    tea_cbor_put_cstr(e, "evidence");
    tea_cbor_put_bytes(e, v->evidence_hash, TEA_SHA256_LEN);
    tea_cbor_put_cstr(e, "fresh_height");
    tea_cbor_put_uint(e, v->fresh_height);
    tea_cbor_put_cstr(e, "fresh_block");
    tea_put_cid(e, &v->fresh_cid);
    break;
  }
  case TEA_TX_QUARANTINE:
  case TEA_TX_REINSTATE:
    tea_cbor_begin_map(e, 2);
    tea_cbor_put_cstr(e, "node");
    tea_cbor_put_bytes(e, tx->u.quarantine.node, TEA_LEDGER_KEY_LEN);
    tea_cbor_put_cstr(e, "reason");
    tea_cbor_put_cstr(e, tx->u.quarantine.reason);
    break;
  case TEA_TX_UPGRADE: {
    const tea_ledger_upgrade *u = &tx->u.upgrade;
    tea_cbor_begin_map(e, 4);
    tea_cbor_put_cstr(e, "actor");
    tea_cbor_put_cstr(e, u->actor);
    tea_cbor_put_cstr(e, "cid");
    tea_put_cid(e, &u->cid);
    tea_cbor_put_cstr(e, "waves");
    tea_cbor_begin_map(e, u->nwaves);
    for (uint32_t i = 0; i < u->nwaves; i++) {
      tea_cbor_put_uint(e, u->waves[i].tier);
      tea_cbor_put_uint(e, u->waves[i].start);
    }
    tea_cbor_end(e);
    tea_cbor_put_cstr(e, "passes");
    tea_cbor_put_uint(e, u->passes);
    break;
  }
  default:
    tea_cbor_begin_map(e, 0);
    break;
  }
  tea_cbor_end(e);
}

static tea_code encode(const tea_ledger_tx *tx, bool with_sig, uint8_t **out, size_t *n, tea_error *err) {
  if (tx->kind < TEA_TX_COMMITTEE || tx->kind > TEA_TX_UPGRADE)
    return tea_fail(err, TEA_ERR_ARG, "unknown transaction kind %d", (int)tx->kind);
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  tea_cbor_begin_map(&e, with_sig ? 8 : 7);
  tea_cbor_put_cstr(&e, "type");
  tea_cbor_put_cstr(&e, "tea/tx");
  tea_cbor_put_cstr(&e, "v");
  tea_cbor_put_uint(&e, 1);
  tea_cbor_put_cstr(&e, "kind");
  tea_cbor_put_cstr(&e, tea_tx_kind_name(tx->kind));
  tea_cbor_put_cstr(&e, "chain");
  tea_cbor_put_bytes(&e, tx->chain, TEA_SHA256_LEN);
  tea_cbor_put_cstr(&e, "from");
  tea_cbor_put_bytes(&e, tx->from, TEA_LEDGER_KEY_LEN);
  tea_cbor_put_cstr(&e, "nonce");
  tea_cbor_put_uint(&e, tx->nonce);
  tea_cbor_put_cstr(&e, "body");
  put_body(&e, tx);
  if (with_sig) {
    tea_cbor_put_cstr(&e, "sig");
    tea_cbor_put_bytes(&e, tx->sig, TEA_LEDGER_SIG_LEN);
  }
  tea_cbor_end(&e);
  tea_code c = tea_cbor_enc_finish(&e, out, n, err);
  tea_cbor_enc_free(&e);
  return c;
}

tea_code tea_ledger_tx_encode(const tea_ledger_tx *tx, uint8_t **out, size_t *n, tea_error *err) {
  return encode(tx, true, out, n, err);
}

tea_code tea_ledger_tx_id(const tea_ledger_tx *tx, uint8_t id[TEA_SHA256_LEN], tea_error *err) {
  uint8_t *buf;
  size_t n;
  tea_code c = encode(tx, false, &buf, &n, err);
  if (c) return c;
  c = tea_domain_hash(TEA_LEDGER_TX_DOMAIN, buf, n, id, err);
  free(buf);
  return c;
}

tea_code tea_ledger_tx_sign(tea_ledger_tx *tx, const tea_ledger_keypair *kp, tea_error *err) {
  uint8_t h[TEA_SHA256_LEN];
  memcpy(tx->from, kp->pk, TEA_LEDGER_KEY_LEN);
  tea_code c = tea_ledger_tx_id(tx, h, err);
  if (c) return c;
  crypto_sign_detached(tx->sig, NULL, h, sizeof h, kp->sk);
  return TEA_OK;
}

tea_code tea_ledger_tx_verify_sig(const tea_ledger_tx *tx, tea_error *err) {
  uint8_t h[TEA_SHA256_LEN];
  tea_code c = tea_ledger_tx_id(tx, h, err);
  if (c) return c;
  if (crypto_sign_verify_detached(tx->sig, h, sizeof h, tx->from) != 0)
    return tea_fail(err, TEA_ERR_CRYPTO, "%s: bad transaction signature", tea_tx_kind_name(tx->kind));
  return TEA_OK;
}

/* ---- decoding ---- */

/* Reads an array of sorted, distinct 32-byte keys. */
static tea_code read_key_list(tea_cbor_reader *r, uint8_t (*keys)[TEA_LEDGER_KEY_LEN], uint32_t max,
                              uint32_t *n, const char *what, tea_error *err) {
  uint64_t cnt;
  tea_code c = tea_cbor_read_array(r, &cnt, err);
  if (c) return tea_fail(err, c, "%s: expected an array", what);
  if (cnt > max) return tea_fail(err, TEA_ERR_LIMIT, "%s: more than %u", what, max);
  for (uint64_t i = 0; i < cnt; i++) {
    if ((c = tea_read_fixed(r, keys[i], TEA_LEDGER_KEY_LEN, what, err))) return c;
    if (i && memcmp(keys[i - 1], keys[i], TEA_LEDGER_KEY_LEN) >= 0)
      return tea_fail(err, TEA_ERR_MALFORMED, "%s: keys must be sorted and distinct", what);
  }
  *n = (uint32_t)cnt;
  return TEA_OK;
}

/* Field tables: each body is a map of known text keys, all required. */
#define KEY_IS(k, s) (strcmp((k), (s)) == 0)

static tea_code read_actor(tea_cbor_reader *r, tea_ledger_actor *a, bool name_only, tea_error *err) {
  uint64_t np;
  tea_code c = tea_cbor_read_map(r, &np, err);
  if (c) return c;
  uint32_t seen = 0;
  char k[32];
  for (uint64_t i = 0; i < np; i++) {
    if ((c = tea_read_key(r, k, sizeof k, err))) return c;
    if (KEY_IS(k, "name")) c = tea_read_str(r, a->name, sizeof a->name, "name", err), seen |= 1;
    else if (name_only) return tea_fail(err, TEA_ERR_MALFORMED, "actor.retire: unknown field '%s'", k);
    else if (KEY_IS(k, "cid")) c = tea_read_cid(r, &a->cid, err), seen |= 2;
    else if (KEY_IS(k, "issuers"))
      c = read_key_list(r, a->issuers, TEA_LEDGER_MAX_ISSUERS, &a->nissuers, "issuers", err), seen |= 4;
    else if (KEY_IS(k, "caps")) {
      uint64_t n;
      if ((c = tea_cbor_read_array(r, &n, err))) return c;
      if (n > TEA_LEDGER_MAX_CAPS) return tea_fail(err, TEA_ERR_LIMIT, "caps: more than %d", TEA_LEDGER_MAX_CAPS);
      for (uint64_t j = 0; j < n; j++) {
        if ((c = tea_read_str(r, a->caps[j], TEA_LEDGER_NAME_MAX, "capability", err))) return c;
        if (j && strcmp(a->caps[j - 1], a->caps[j]) >= 0)
          return tea_fail(err, TEA_ERR_MALFORMED, "caps must be sorted and distinct");
      }
      a->ncaps = (uint32_t)n;
      seen |= 8;
    } else if (KEY_IS(k, "min_rev")) c = tea_cbor_read_uint(r, &a->min_rev, err), seen |= 16;
    else if (KEY_IS(k, "limits")) {
      uint64_t lp;
      if ((c = tea_cbor_read_map(r, &lp, err))) return c;
      if (lp != 2) return tea_fail(err, TEA_ERR_MALFORMED, "limits: expected fuel and memory");
      if ((c = tea_cbor_expect_text(r, "fuel", err)) || (c = tea_cbor_read_uint(r, &a->limits.fuel, err)) ||
          (c = tea_cbor_expect_text(r, "memory", err)) ||
          (c = tea_cbor_read_uint(r, &a->limits.memory, err)))
        return c;
      seen |= 32;
    } else return tea_fail(err, TEA_ERR_MALFORMED, "actor: unknown field '%s'", k);
    if (c) return c;
  }
  return tea_check_fields(seen, name_only ? 1 : 63, "actor", err);
}

static tea_code read_body(tea_cbor_reader *r, tea_ledger_tx *tx, tea_error *err) {
  if (tx->kind == TEA_TX_ACTOR_REGISTER || tx->kind == TEA_TX_ACTOR_UPDATE)
    return read_actor(r, &tx->u.actor, false, err);
  if (tx->kind == TEA_TX_ACTOR_RETIRE) return read_actor(r, &tx->u.actor, true, err);
  uint64_t np;
  tea_code c = tea_cbor_read_map(r, &np, err);
  if (c) return c;
  uint32_t seen = 0, want = 0;
  char k[32];
  const char *what = tea_tx_kind_name(tx->kind);
  for (uint64_t i = 0; i < np; i++) {
    if ((c = tea_read_key(r, k, sizeof k, err))) return c;
    c = TEA_ERR_NOT_FOUND; /* stays so when the kind has no such field */
    switch (tx->kind) {
    case TEA_TX_COMMITTEE: {
      tea_ledger_committee *cm = &tx->u.committee;
      want = 3;
      if (KEY_IS(k, "keys")) c = read_key_list(r, cm->keys, TEA_LEDGER_MAX_COMMITTEE, &cm->n, "keys", err), seen |= 1;
      else if (KEY_IS(k, "threshold")) c = tea_read_u32(r, &cm->threshold, "threshold", err), seen |= 2;
      break;
    }
    case TEA_TX_RUNTIME_APPROVE:
    case TEA_TX_RUNTIME_RETIRE: {
      tea_ledger_runtime *rt = &tx->u.runtime;
      bool approve = tx->kind == TEA_TX_RUNTIME_APPROVE;
      want = approve ? 7 : 9;
      if (KEY_IS(k, "hash")) c = tea_read_fixed(r, rt->hash, TEA_SHA256_LEN, "hash", err), seen |= 1;
      else if (approve && KEY_IS(k, "version")) c = tea_read_str(r, rt->version, sizeof rt->version, "version", err), seen |= 2;
      else if (approve && KEY_IS(k, "platform")) c = tea_read_str(r, rt->platform, sizeof rt->platform, "platform", err), seen |= 4;
      else if (!approve && KEY_IS(k, "at")) c = tea_cbor_read_uint(r, &rt->retire_height, err), seen |= 8;
      break;
    }
    case TEA_TX_PROVIDER: {
      tea_ledger_provider *p = &tx->u.provider;
      want = 3;
      if (KEY_IS(k, "name")) c = tea_read_str(r, p->name, sizeof p->name, "name", err), seen |= 1;
      else if (KEY_IS(k, "platforms")) {
        uint64_t n;
        if ((c = tea_cbor_read_map(r, &n, err))) return c;
        if (n > TEA_LEDGER_MAX_PLATFORMS) return tea_fail(err, TEA_ERR_LIMIT, "platforms: more than %d", TEA_LEDGER_MAX_PLATFORMS);
        for (uint64_t j = 0; j < n; j++) {
          tea_ledger_artifact *a = &p->a[j];
          tea_cbor_type t;
          if ((c = tea_read_str(r, a->platform, sizeof a->platform, "platform", err)) ||
              (c = tea_cbor_peek(r, &t, err)))
            return c;
          a->is_cid = t == TEA_CBOR_TAG;
          c = a->is_cid ? tea_read_cid(r, &a->cid, err) : tea_read_fixed(r, a->hash, TEA_SHA256_LEN, "platform hash", err);
          if (c) return c;
        }
        p->n = (uint32_t)n;
        seen |= 2;
      }
      break;
    }
    case TEA_TX_NODE_REGISTER: {
      tea_ledger_node_reg *n = &tx->u.node;
      want = 127;
      if (KEY_IS(k, "node")) c = tea_read_fixed(r, n->node, TEA_LEDGER_KEY_LEN, "node", err), seen |= 1;
      else if (KEY_IS(k, "ak")) c = tea_read_var(r, n->ak, sizeof n->ak, &n->ak_len, "ak", err), seen |= 2;
      else if (KEY_IS(k, "ak_alg")) c = tea_read_str(r, n->ak_alg, sizeof n->ak_alg, "ak_alg", err), seen |= 4;
      else if (KEY_IS(k, "enc")) c = tea_read_fixed(r, n->enc, TEA_LEDGER_KEY_LEN, "enc", err), seen |= 8;
      else if (KEY_IS(k, "endpoint")) c = tea_read_str(r, n->endpoint, sizeof n->endpoint, "endpoint", err), seen |= 16;
      else if (KEY_IS(k, "tier")) c = tea_read_u32(r, &n->tier, "tier", err), seen |= 32;
      else if (KEY_IS(k, "evidence")) c = tea_read_var(r, n->evidence, sizeof n->evidence, &n->evidence_len, "evidence", err), seen |= 64;
      break;
    }
    case TEA_TX_VERDICT: {
      tea_ledger_verdict *v = &tx->u.verdict;
      want = 127;
      if (KEY_IS(k, "subject")) c = tea_read_fixed(r, v->subject, TEA_LEDGER_KEY_LEN, "subject", err), seen |= 1;
      else if (KEY_IS(k, "nonce")) c = tea_read_var(r, v->nonce, sizeof v->nonce, &v->nonce_len, "nonce", err), seen |= 2;
      else if (KEY_IS(k, "result")) {
        char res[8];
        if ((c = tea_read_str(r, res, sizeof res, "result", err))) return c;
        if (!KEY_IS(res, "pass") && !KEY_IS(res, "fail"))
          return tea_fail(err, TEA_ERR_MALFORMED, "verdict result must be \"pass\" or \"fail\"");
        v->pass = KEY_IS(res, "pass");
        seen |= 4;
      } else if (KEY_IS(k, "reason")) c = tea_read_str(r, v->reason, sizeof v->reason, "reason", err), seen |= 8;
      else if (KEY_IS(k, "evidence")) c = tea_read_fixed(r, v->evidence_hash, TEA_SHA256_LEN, "evidence", err), seen |= 16;
      else if (KEY_IS(k, "fresh_height")) c = tea_cbor_read_uint(r, &v->fresh_height, err), seen |= 32;
      else if (KEY_IS(k, "fresh_block")) c = tea_read_cid(r, &v->fresh_cid, err), seen |= 64;
      break;
    }
    case TEA_TX_QUARANTINE:
    case TEA_TX_REINSTATE:
      want = 3;
      if (KEY_IS(k, "node")) c = tea_read_fixed(r, tx->u.quarantine.node, TEA_LEDGER_KEY_LEN, "node", err), seen |= 1;
      else if (KEY_IS(k, "reason")) c = tea_read_str(r, tx->u.quarantine.reason, TEA_LEDGER_TEXT_MAX, "reason", err), seen |= 2;
      break;
    case TEA_TX_UPGRADE: {
      tea_ledger_upgrade *u = &tx->u.upgrade;
      want = 15;
      if (KEY_IS(k, "actor")) c = tea_read_str(r, u->actor, sizeof u->actor, "actor", err), seen |= 1;
      else if (KEY_IS(k, "cid")) c = tea_read_cid(r, &u->cid, err), seen |= 2;
      else if (KEY_IS(k, "passes")) c = tea_read_u32(r, &u->passes, "passes", err), seen |= 8;
      else if (KEY_IS(k, "waves")) {
        uint64_t n;
        if ((c = tea_cbor_read_map(r, &n, err))) return c;
        if (n > TEA_LEDGER_MAX_WAVES) return tea_fail(err, TEA_ERR_LIMIT, "waves: more than %d", TEA_LEDGER_MAX_WAVES);
        for (uint64_t j = 0; j < n; j++)
          if ((c = tea_read_u32(r, &u->waves[j].tier, "wave tier", err)) ||
              (c = tea_cbor_read_uint(r, &u->waves[j].start, err)))
            return c;
        u->nwaves = (uint32_t)n;
        seen |= 4;
      }
      break;
    }
    default:
      break;
    }
    if (c == TEA_ERR_NOT_FOUND) return tea_fail(err, TEA_ERR_MALFORMED, "%s: unknown field '%s'", what, k);
    if (c) return c;
  }
  return tea_check_fields(seen, want, what, err);
}

tea_code tea_ledger_tx_decode(const uint8_t *buf, size_t n, tea_ledger_tx *tx, tea_error *err) {
  tea_cbor_reader r;
  tea_code c = tea_cbor_reader_init(&r, buf, n, err);
  if (c) return c;
  memset(tx, 0, sizeof *tx);
  uint64_t np, v;
  if ((c = tea_cbor_read_map(&r, &np, err))) return c;
  if (np != 8) return tea_fail(err, TEA_ERR_MALFORMED, "transaction: expected 8 fields, got %llu",
                               (unsigned long long)np);
  /* Canonical key order: shorter keys first, then bytewise. */
  char kind[32];
  if ((c = tea_cbor_expect_text(&r, "v", err)) || (c = tea_cbor_read_uint(&r, &v, err))) return c;
  if (v != 1) return tea_fail(err, TEA_ERR_UNSUPPORTED, "transaction version %llu", (unsigned long long)v);
  if ((c = tea_cbor_expect_text(&r, "sig", err)) ||
      (c = tea_read_fixed(&r, tx->sig, TEA_LEDGER_SIG_LEN, "sig", err)) ||
      (c = tea_cbor_expect_text(&r, "body", err)))
    return c;
  /* The body is read after "kind" (which follows it in canonical order). */
  tea_cbor_reader body = r;
  if ((c = tea_cbor_skip(&r, NULL, NULL, err)) || (c = tea_cbor_expect_text(&r, "from", err)) ||
      (c = tea_read_fixed(&r, tx->from, TEA_LEDGER_KEY_LEN, "from", err)) ||
      (c = tea_cbor_expect_text(&r, "kind", err)) || (c = tea_read_str(&r, kind, sizeof kind, "kind", err)) ||
      (c = tea_cbor_expect_text(&r, "type", err)))
    return c;
  const char *s;
  size_t sl;
  if ((c = tea_cbor_read_text(&r, &s, &sl, err))) return c;
  if (sl != 6 || memcmp(s, "tea/tx", 6) != 0) return tea_fail(err, TEA_ERR_MALFORMED, "not a transaction (type)");
  if ((c = tea_cbor_expect_text(&r, "chain", err)) ||
      (c = tea_read_fixed(&r, tx->chain, TEA_SHA256_LEN, "chain", err)) ||
      (c = tea_cbor_expect_text(&r, "nonce", err)) || (c = tea_cbor_read_uint(&r, &tx->nonce, err)))
    return c;
  tx->kind = tea_tx_kind_parse(kind);
  if (!tx->kind) return tea_fail(err, TEA_ERR_MALFORMED, "unknown transaction kind '%s'", kind);
  return read_body(&body, tx, err);
}
