/* Actors by name: the ledger says which CID a name means at a height (and,
 * during an upgrade, for this node's tier); the code comes from the local
 * blob store or a peer, is verified, measured and compiled once per CID. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/internal.h"

/* The host's view of an actor's registry record, from the ledger's. */
void node_record_from_ledger(node_record *nr, const tea_ledger_actor *rec, const char *name,
                             const tea_cid *cid) {
  for (uint32_t i = 0; i < rec->nissuers; i++) {
    tea_nkey_encode_public(TEA_NKEY_ACCOUNT, rec->issuers[i], nr->issuers[i]);
    nr->issuer_ptrs[i] = nr->issuers[i];
  }
  for (uint32_t i = 0; i < rec->ncaps; i++) nr->caps[i] = rec->caps[i];
  nr->r = (tea_actor_record){
      .name = name,
      .cid = *cid,
      .issuers = nr->issuer_ptrs,
      .nissuers = rec->nissuers,
      .caps = nr->caps,
      .ncaps = rec->ncaps,
      .min_rev = rec->min_rev,
  };
  nr->r.limits.fuel = rec->limits.fuel;
  nr->r.limits.memory_pages = (uint32_t)(rec->limits.memory / 65536);
}

static node_actor *cached(tea_node *n, const char *name, const tea_cid *cid) {
  for (size_t i = 0; i < n->nactors; i++)
    if (strcmp(n->actors[i].name, name) == 0 && tea_cid_equal(&n->actors[i].cid, cid))
      return &n->actors[i];
  return NULL;
}

static tea_code code_for(tea_node *n, const tea_cid *cid, uint8_t **bytes, size_t *len,
                         tea_error *err) {
  return node_fetch_code(n, cid, bytes, len, err); /* sync.c: blob store, peers, gateways */
}

/* Called with the node lock held. */
tea_code node_actor_get(tea_node *n, const char *name, uint64_t height, node_actor **out,
                        tea_error *err) {
  tea_ledger_actor rec;
  tea_cid cid;
  tea_code rc = tea_ledger_actor_at(n->ledger, name, height, &rec, err);
  if (rc != TEA_OK) return rc;
  if (rec.retired) return tea_fail(err, TEA_ERR_NOT_FOUND, "actor \"%s\" is retired", name);
  rc = tea_ledger_actor_cid_for(n->ledger, name, n->cfg.tier, height, &cid, err);
  if (rc != TEA_OK) return rc;
  node_actor *hit = cached(n, name, &cid);
  if (hit) {
    atomic_fetch_add(&n->m.cache_hits, 1);
    *out = hit;
    return TEA_OK;
  }
  atomic_fetch_add(&n->m.cache_misses, 1);
  if (n->nactors == TEA_NODE_MAX_ACTORS)
    return tea_fail(err, TEA_ERR_LIMIT, "this node holds %d actors at most", TEA_NODE_MAX_ACTORS);

  uint8_t *bytes = NULL;
  size_t len = 0;
  rc = code_for(n, &cid, &bytes, &len, err);
  if (rc != TEA_OK) return rc;

  node_record nr;
  node_record_from_ledger(&nr, &rec, name, &cid);
  node_actor *slot = &n->actors[n->nactors];
  n->loading_cid = cid;
  rc = tea_cid_format(&cid, slot->cid_text, err);
  if (rc == TEA_OK) rc = tea_host_load(n->host, bytes, len, &nr.r, &slot->actor, err);
  free(bytes);
  if (rc != TEA_OK) return rc;
  snprintf(slot->name, sizeof slot->name, "%s", name);
  slot->cid = cid;
  n->nactors++;
  *out = slot;
  return TEA_OK;
}

/* When a wave of an upgrade reaches this node's tier, the actors it runs move
 * to their new code at once (fetched, verified, measured, compiled), so that
 * peers attest the new state before the node serves again. */
void node_follow_upgrades(tea_node *n) {
  pthread_mutex_lock(&n->lock);
  uint64_t count = tea_ledger_count(n->ledger);
  size_t loaded = n->nactors;
  char names[TEA_NODE_MAX_ACTORS][TEA_LEDGER_NAME_MAX];
  for (size_t i = 0; i < loaded; i++) snprintf(names[i], sizeof names[i], "%s", n->actors[i].name);
  for (size_t i = 0; count && i < loaded; i++) {
    node_actor *a;
    tea_error err;
    if (node_actor_get(n, names[i], count - 1, &a, &err) != TEA_OK)
      node_log(n, NODE_LOG_WARN, "actor.upgrade_failed", "cannot follow the upgrade of %s: %s", names[i],
               err.msg);
  }
  pthread_mutex_unlock(&n->lock);
}
