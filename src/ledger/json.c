/* JSON views of blocks and of the registry, for people and the HTTP API (jansson:
 * exact 64-bit integers, sorted keys). Byte strings are lower-case hex; CIDs are text. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/internal.h"

static json_t *hex(const uint8_t *p, size_t n) {
  char *s = malloc(2 * n + 1);
  if (!s) return NULL;
  tea_hex_encode(p, n, s);
  json_t *j = json_string(s);
  free(s);
  return j;
}

static json_t *cid_json(const tea_cid *c) {
  char s[TEA_CID_STR_MAX];
  if (tea_cid_format(c, s, NULL)) return json_null();
  return json_string(s);
}

/* jansson integers are signed 64-bit: larger values go out as decimal strings rather
 * than wrapping negative. */
static json_t *u64(uint64_t v) {
  if (v <= (uint64_t)INT64_MAX) return json_integer((json_int_t)v);
  char s[24];
  snprintf(s, sizeof s, "%llu", (unsigned long long)v);
  return json_string(s);
}

static json_t *keys_json(const uint8_t (*keys)[TEA_LEDGER_KEY_LEN], uint32_t n) {
  json_t *a = json_array();
  for (uint32_t i = 0; i < n; i++) json_array_append_new(a, hex(keys[i], TEA_LEDGER_KEY_LEN));
  return a;
}

static json_t *actor_json(const tea_ledger_actor *a) {
  json_t *caps = json_array();
  for (uint32_t i = 0; i < a->ncaps; i++) json_array_append_new(caps, json_string(a->caps[i]));
  return json_pack("{s:s, s:o, s:o, s:o, s:o, s:{s:o, s:o}, s:b}", "name", a->name, "cid", cid_json(&a->cid),
                   "issuers", keys_json(a->issuers, a->nissuers), "caps", caps, "min_rev", u64(a->min_rev),
                   "limits", "fuel", u64(a->limits.fuel), "memory", u64(a->limits.memory), "retired",
                   a->retired);
}

static json_t *provider_json(const tea_ledger_provider *p) {
  json_t *pl = json_object();
  for (uint32_t i = 0; i < p->n; i++)
    json_object_set_new(pl, p->a[i].platform,
                        p->a[i].is_cid ? cid_json(&p->a[i].cid) : hex(p->a[i].hash, TEA_SHA256_LEN));
  return json_pack("{s:s, s:o}", "name", p->name, "platforms", pl);
}

static json_t *upgrade_json(const tea_ledger_upgrade *u) {
  json_t *w = json_object();
  for (uint32_t i = 0; i < u->nwaves; i++) {
    char tier[16];
    snprintf(tier, sizeof tier, "%u", u->waves[i].tier);
    json_object_set_new(w, tier, u64(u->waves[i].start));
  }
  return json_pack("{s:s, s:o, s:o, s:i}", "actor", u->actor, "cid", cid_json(&u->cid), "waves", w, "passes",
                   (json_int_t)u->passes);
}

static json_t *tx_json(const tea_ledger_tx *tx) {
  json_t *body;
  switch (tx->kind) {
  case TEA_TX_COMMITTEE:
    body = json_pack("{s:o, s:i}", "keys", keys_json(tx->u.committee.keys, tx->u.committee.n), "threshold",
                     (json_int_t)tx->u.committee.threshold);
    break;
  case TEA_TX_RUNTIME_APPROVE:
    body = json_pack("{s:o, s:s, s:s}", "hash", hex(tx->u.runtime.hash, TEA_SHA256_LEN), "version",
                     tx->u.runtime.version, "platform", tx->u.runtime.platform);
    break;
  case TEA_TX_RUNTIME_RETIRE:
    body = json_pack("{s:o, s:o}", "hash", hex(tx->u.runtime.hash, TEA_SHA256_LEN), "at",
                     u64(tx->u.runtime.retire_height));
    break;
  case TEA_TX_ACTOR_REGISTER:
  case TEA_TX_ACTOR_UPDATE:
    body = actor_json(&tx->u.actor);
    json_object_del(body, "retired");
    break;
  case TEA_TX_ACTOR_RETIRE:
    body = json_pack("{s:s}", "name", tx->u.actor.name);
    break;
  case TEA_TX_PROVIDER:
    body = provider_json(&tx->u.provider);
    break;
  case TEA_TX_NODE_REGISTER: {
    const tea_ledger_node_reg *n = &tx->u.node;
    body = json_pack("{s:o, s:o, s:s, s:o, s:s, s:i, s:o}", "node", hex(n->node, TEA_LEDGER_KEY_LEN), "ak",
                     hex(n->ak, n->ak_len), "ak_alg", n->ak_alg, "enc", hex(n->enc, TEA_LEDGER_KEY_LEN), "endpoint",
                     n->endpoint, "tier", (json_int_t)n->tier, "evidence", hex(n->evidence, n->evidence_len));
    break;
  }
  case TEA_TX_VERDICT: {
    const tea_ledger_verdict *v = &tx->u.verdict;
    body = json_pack("{s:o, s:o, s:s, s:s, s:o, s:o, s:o}", "subject", hex(v->subject, TEA_LEDGER_KEY_LEN), "nonce",
                     hex(v->nonce, v->nonce_len), "result", v->pass ? "pass" : "fail", "reason", v->reason,
                     "evidence", hex(v->evidence_hash, TEA_SHA256_LEN), "fresh_height", u64(v->fresh_height),
                     "fresh_block", cid_json(&v->fresh_cid));
    break;
  }
  case TEA_TX_QUARANTINE:
  case TEA_TX_REINSTATE:
    body = json_pack("{s:o, s:s}", "node", hex(tx->u.quarantine.node, TEA_LEDGER_KEY_LEN), "reason",
                     tx->u.quarantine.reason);
    break;
  case TEA_TX_UPGRADE:
    body = upgrade_json(&tx->u.upgrade);
    break;
  default:
    body = json_null();
  }
  return json_pack("{s:s, s:o, s:o, s:o, s:o}", "kind", tea_tx_kind_name(tx->kind), "from",
                   hex(tx->from, TEA_LEDGER_KEY_LEN), "nonce", u64(tx->nonce), "body", body ? body : json_null(),
                   "sig", hex(tx->sig, TEA_LEDGER_SIG_LEN));
}

static tea_code dump(json_t *j, char **out, tea_error *err) {
  if (!j) return tea_fail(err, TEA_ERR_NOMEM, "JSON view failed");
  *out = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
  json_decref(j);
  if (!*out) return tea_fail(err, TEA_ERR_NOMEM, "JSON view failed");
  return TEA_OK;
}

tea_code tea_ledger_block_json(const tea_ledger_block *b, char **out, tea_error *err) {
  json_t *j = json_object();
  json_object_set_new(j, "chain", hex(b->chain, TEA_SHA256_LEN));
  json_object_set_new(j, "height", u64(b->height));
  json_object_set_new(j, "prev", b->height ? cid_json(&b->prev) : json_null());
  json_object_set_new(j, "time", u64(b->time));
  tea_cid cid;
  if (!tea_ledger_block_cid(b, &cid, NULL)) json_object_set_new(j, "cid", cid_json(&cid));
  if (b->height == 0)
    json_object_set_new(j, "genesis",
                        json_pack("{s:o, s:i, s:{s:i, s:i, s:i}}", "committee",
                                  keys_json(b->committee.keys, b->committee.n), "threshold",
                                  (json_int_t)b->committee.threshold, "params", "quarantine_attestors",
                                  (json_int_t)b->params.quarantine_attestors, "fresh_window",
                                  (json_int_t)b->params.fresh_window, "recover_passes",
                                  (json_int_t)b->params.recover_passes));
  json_t *txs = json_array();
  tea_ledger_tx *tx = malloc(sizeof *tx);
  for (size_t i = 0; tx && i < b->ntx; i++) {
    tea_error e;
    if (tea_ledger_tx_decode(b->txs[i].p, b->txs[i].n, tx, &e)) json_array_append_new(txs, json_pack("{s:s}", "error", e.msg));
    else json_array_append_new(txs, tx_json(tx));
  }
  free(tx);
  json_object_set_new(j, "txs", txs);
  json_t *sigs = json_array();
  for (size_t i = 0; i < b->nsigs; i++)
    json_array_append_new(sigs, json_pack("{s:o, s:o}", "key", hex(b->sigs[i].key, TEA_LEDGER_KEY_LEN), "sig",
                                          hex(b->sigs[i].sig, TEA_LEDGER_SIG_LEN)));
  json_object_set_new(j, "sigs", sigs);
  return dump(j, out, err);
}

static bool node_cb(void *ctx, const tea_ledger_node *n) {
  json_array_append_new(ctx, json_pack("{s:o, s:s, s:i, s:s, s:s, s:o, s:o, s:i, s:i, s:i}", "node",
                                       hex(n->node, TEA_LEDGER_KEY_LEN), "endpoint", n->endpoint, "tier",
                                       (json_int_t)n->tier, "status", tea_node_status_name(n->status), "ak_alg",
                                       n->ak_alg, "enc", hex(n->enc, TEA_LEDGER_KEY_LEN), "registered", u64(n->registered_height),
                                       "failed_attestors", (json_int_t)n->nfailed, "passes", (json_int_t)n->npassed,
                                       "needed", (json_int_t)n->needed));
  return true;
}

static bool actor_cb(void *ctx, const tea_ledger_actor *a) {
  json_array_append_new(ctx, actor_json(a));
  return true;
}

static bool runtime_cb(void *ctx, const tea_ledger_runtime *r) {
  json_array_append_new(ctx, json_pack("{s:o, s:s, s:s, s:o}", "hash", hex(r->hash, TEA_SHA256_LEN), "version",
                                       r->version, "platform", r->platform, "retire_height",
                                       r->retire_height ? u64(r->retire_height) : json_null()));
  return true;
}

static bool provider_cb(void *ctx, const tea_ledger_provider *p) {
  json_array_append_new(ctx, provider_json(p));
  return true;
}

tea_code tea_ledger_state_json(const tea_ledger *l, uint64_t h, char **out, tea_error *err) {
  tea_ledger_committee c;
  tea_code rc = tea_ledger_committee_at(l, h, &c, err);
  if (rc) return rc;
  tea_ledger_params p;
  tea_ledger_params_get(l, &p, NULL);
  tea_cid cid;
  tea_ledger_block_cid_at(l, h, &cid, NULL);
  json_t *nodes = json_array(), *actors = json_array(), *runtimes = json_array(), *providers = json_array();
  tea_ledger_each_node(l, h, node_cb, nodes);
  tea_ledger_each_actor(l, h, actor_cb, actors);
  tea_ledger_each_runtime(l, h, runtime_cb, runtimes);
  tea_ledger_each_provider(l, h, provider_cb, providers);
  json_t *j = json_pack("{s:o, s:o, s:o, s:{s:o, s:i}, s:{s:i, s:i, s:i}, s:o, s:o, s:o, s:o}", "chain",
                        hex(tea_ledger_chain_id(l), TEA_SHA256_LEN), "height", u64(h), "block", cid_json(&cid),
                        "committee", "keys", keys_json(c.keys, c.n), "threshold", (json_int_t)c.threshold, "params",
                        "quarantine_attestors", (json_int_t)p.quarantine_attestors, "fresh_window",
                        (json_int_t)p.fresh_window, "recover_passes", (json_int_t)p.recover_passes, "nodes", nodes,
                        "actors", actors, "runtimes", runtimes, "providers", providers);
  return dump(j, out, err);
}
