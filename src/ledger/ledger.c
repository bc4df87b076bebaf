/* The verified chain: every block read from a store or offered for appending is
 * checked against the head (chain id, height, previous link, committee signatures)
 * and applied to the registry state inside a journal, so a rejected block changes
 * nothing. The store is never trusted. */
#include <stdlib.h>
#include <string.h>

#include "ledger/internal.h"

typedef struct chain {
  tea_state *st;
  uint64_t count;
  uint8_t id[TEA_SHA256_LEN];
  tea_ledger_params params;
  tea_cid *cids; /* CID of each block, by height */
  size_t cap;
  uint64_t last_time; /* the head's time */
} chain;

struct tea_ledger {
  tea_ledger_store *store;
  chain c;
};

static void chain_free(chain *ch) {
  tea_state_free(ch->st);
  free(ch->cids);
  memset(ch, 0, sizeof *ch);
}

static tea_code chain_init(chain *ch, tea_error *err) {
  memset(ch, 0, sizeof *ch);
  return tea_state_new(&ch->st, err);
}

/* Checks block bytes against the head and applies them with the journal left open:
 * the caller commits (chain_commit) or rolls back. */
static tea_code chain_apply_block(chain *ch, const tea_ledger_block *b, bool check_sigs, tea_error *err) {
  tea_code c;
  if (b->height != ch->count)
    return tea_fail(err, TEA_ERR_INVALID, "block at height %llu, expected %llu", (unsigned long long)b->height,
                    (unsigned long long)ch->count);
  tea_state_begin(ch->st, b->height);
  if (ch->count == 0) {
    /* Genesis is self-certifying: its committee signs it. Trust in it comes from
     * pinning its CID (docs/ledger.md). */
    if (check_sigs && (c = tea_ledger_block_verify_sigs(b, &b->committee, err))) return c;
    return tea_apply_genesis(ch->st, b, err);
  }
  if (memcmp(b->chain, ch->id, TEA_SHA256_LEN) != 0)
    return tea_fail(err, TEA_ERR_INVALID, "block %llu belongs to another chain", (unsigned long long)b->height);
  if (!tea_cid_equal(&b->prev, &ch->cids[ch->count - 1]))
    return tea_fail(err, TEA_ERR_INVALID, "block %llu: broken previous link", (unsigned long long)b->height);
  /* Time is the proposer's claim; it may stand still but never run backwards, so
   * "as of time T" has one answer. */
  if (b->time < ch->last_time)
    return tea_fail(err, TEA_ERR_INVALID, "block %llu: time goes backwards (%llu < %llu)",
                    (unsigned long long)b->height, (unsigned long long)b->time, (unsigned long long)ch->last_time);
  /* The committee as of the previous block signs this one (a committee.set takes
   * effect from the next block). */
  const tea_ledger_committee *cm = tea_state_head(ch->st, ST_COMMITTEE, "", 0);
  if (check_sigs && (c = tea_ledger_block_verify_sigs(b, cm, err))) return c;
  tea_ledger_committee signer = *cm;
  tea_apply_ctx ctx = {ch->id, &ch->params, &signer, ch->cids, b->height};
  return tea_apply_block(ch->st, b, &ctx, err);
}

static tea_code chain_apply(chain *ch, const uint8_t *buf, size_t n, tea_ledger_block *b, tea_cid *cid,
                            tea_error *err) {
  tea_code c = tea_ledger_block_decode(buf, n, b, err);
  if (c) return c;
  if ((c = tea_cid_of(TEA_CODEC_DAG_CBOR, buf, n, cid, err))) return c;
  return chain_apply_block(ch, b, true, err);
}

static tea_code chain_commit(chain *ch, const tea_ledger_block *b, const tea_cid *cid, tea_error *err) {
  if (ch->count == ch->cap) {
    size_t cap = ch->cap ? ch->cap * 2 : 64;
    tea_cid *c = realloc(ch->cids, cap * sizeof *c);
    if (!c) {
      tea_state_rollback(ch->st);
      return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    }
    ch->cids = c;
    ch->cap = cap;
  }
  tea_state_commit(ch->st);
  if (ch->count == 0) {
    memcpy(ch->id, b->chain, TEA_SHA256_LEN);
    ch->params = b->params;
  }
  ch->cids[ch->count++] = *cid;
  ch->last_time = b->time;
  return TEA_OK;
}

/* Reads the stored blocks past ch's head into ch (all of them for a fresh chain). */
static tea_code replay(tea_ledger_store *s, chain *ch, tea_error *err) {
  uint64_t n;
  tea_code c = s->ops->count(s, &n, err);
  for (uint64_t h = ch->count; !c && h < n; h++) {
    uint8_t *buf;
    size_t len;
    if ((c = s->ops->get(s, h, &buf, &len, err))) break;
    tea_ledger_block b;
    tea_cid cid;
    c = chain_apply(ch, buf, len, &b, &cid, err);
    if (c) {
      tea_state_rollback(ch->st);
      if (err) {
        char msg[sizeof err->msg];
        memcpy(msg, err->msg, sizeof msg);
        tea_fail(err, c, "stored block %llu: %s", (unsigned long long)h, msg);
      }
    } else {
      c = chain_commit(ch, &b, &cid, err);
    }
    tea_ledger_block_free(&b);
    free(buf);
  }
  return c;
}

tea_code tea_ledger_open(tea_ledger **out, tea_ledger_store *store, tea_error *err) {
  tea_ledger *l = calloc(1, sizeof *l);
  if (!l) {
    tea_ledger_store_close(store);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  }
  l->store = store;
  tea_code c = chain_init(&l->c, err);
  if (!c) c = replay(store, &l->c, err);
  if (c) {
    tea_ledger_close(l);
    return c;
  }
  *out = l;
  return TEA_OK;
}

void tea_ledger_close(tea_ledger *l) {
  if (!l) return;
  chain_free(&l->c);
  tea_ledger_store_close(l->store);
  free(l);
}

uint64_t tea_ledger_count(const tea_ledger *l) { return l->c.count; }

const uint8_t *tea_ledger_chain_id(const tea_ledger *l) { return l->c.count ? l->c.id : NULL; }

tea_code tea_ledger_block_cid_at(const tea_ledger *l, uint64_t height, tea_cid *cid, tea_error *err) {
  if (height >= l->c.count) return tea_fail(err, TEA_ERR_NOT_FOUND, "no block at height %llu", (unsigned long long)height);
  *cid = l->c.cids[height];
  return TEA_OK;
}

tea_code tea_ledger_block_bytes(tea_ledger *l, uint64_t height, uint8_t **buf, size_t *n, tea_error *err) {
  if (height >= l->c.count) return tea_fail(err, TEA_ERR_NOT_FOUND, "no block at height %llu", (unsigned long long)height);
  return l->store->ops->get(l->store, height, buf, n, err);
}

tea_code tea_ledger_check(tea_ledger *l, const uint8_t *buf, size_t n, tea_error *err) {
  tea_ledger_block b;
  tea_cid cid;
  tea_code c = chain_apply(&l->c, buf, n, &b, &cid, err);
  tea_state_rollback(l->c.st);
  tea_ledger_block_free(&b);
  return c;
}

tea_code tea_ledger_append(tea_ledger *l, const uint8_t *buf, size_t n, tea_error *err) {
  tea_ledger_block b;
  tea_cid cid;
  tea_code c = chain_apply(&l->c, buf, n, &b, &cid, err);
  /* Durable first, then visible: a crash between leaves the block in the store,
   * and the next open re-verifies it. */
  if (!c) c = l->store->ops->append(l->store, l->c.count, buf, n, err);
  if (c) tea_state_rollback(l->c.st);
  else c = chain_commit(&l->c, &b, &cid, err);
  tea_ledger_block_free(&b);
  return c;
}

tea_code tea_ledger_refresh(tea_ledger *l, uint64_t *added, tea_error *err) {
  uint64_t before = l->c.count;
  tea_code c = replay(l->store, &l->c, err);
  *added = l->c.count - before;
  return c;
}

tea_code tea_ledger_check_candidate(tea_ledger *l, const tea_ledger_block *b, tea_error *err) {
  tea_code c = chain_apply_block(&l->c, b, false, err);
  tea_state_rollback(l->c.st);
  return c;
}

uint64_t tea_ledger_head_time(const tea_ledger *l) { return l->c.last_time; }

const tea_ledger_committee *tea_ledger_head_committee(const tea_ledger *l) {
  return tea_state_head(l->c.st, ST_COMMITTEE, "", 0);
}

tea_code tea_ledger_verify_all(tea_ledger *l, tea_error *err) {
  chain fresh;
  tea_code c = chain_init(&fresh, err);
  if (!c) c = replay(l->store, &fresh, err);
  if (!c && fresh.count != l->c.count)
    c = tea_fail(err, TEA_ERR_STATE, "the store holds %llu blocks, the open ledger %llu",
                 (unsigned long long)fresh.count, (unsigned long long)l->c.count);
  for (uint64_t h = 0; !c && h < fresh.count; h++)
    if (!tea_cid_equal(&fresh.cids[h], &l->c.cids[h]))
      c = tea_fail(err, TEA_ERR_STATE, "block %llu changed in the store", (unsigned long long)h);
  chain_free(&fresh);
  return c;
}

/* ---- queries ---- */

static const void *get_at(const tea_ledger *l, int kind, const void *key, size_t klen, uint64_t h,
                          const char *what, tea_error *err) {
  if (h >= l->c.count) {
    tea_fail(err, TEA_ERR_NOT_FOUND, "height %llu is past the head", (unsigned long long)h);
    return NULL;
  }
  const void *r = tea_state_get(l->c.st, kind, key, klen, h);
  if (!r) tea_fail(err, TEA_ERR_NOT_FOUND, "no %s at height %llu", what, (unsigned long long)h);
  return r;
}

#define QUERY(type, kind, key, klen, what)                        \
  const type *r = get_at(l, kind, key, klen, h, what, err);       \
  if (!r) return TEA_ERR_NOT_FOUND;                               \
  *out = *r;                                                      \
  return TEA_OK

tea_code tea_ledger_committee_at(const tea_ledger *l, uint64_t h, tea_ledger_committee *out, tea_error *err) {
  QUERY(tea_ledger_committee, ST_COMMITTEE, "", 0, "committee");
}

tea_code tea_ledger_params_get(const tea_ledger *l, tea_ledger_params *p, tea_error *err) {
  if (!l->c.count) return tea_fail(err, TEA_ERR_NOT_FOUND, "no genesis");
  *p = l->c.params;
  return TEA_OK;
}

tea_code tea_ledger_node_at(const tea_ledger *l, const uint8_t key[TEA_LEDGER_KEY_LEN], uint64_t h,
                            tea_ledger_node *out, tea_error *err) {
  QUERY(tea_ledger_node, ST_NODE, key, TEA_LEDGER_KEY_LEN, "such node");
}

tea_code tea_ledger_actor_at(const tea_ledger *l, const char *name, uint64_t h, tea_ledger_actor *out,
                             tea_error *err) {
  QUERY(tea_ledger_actor, ST_ACTOR, name, strlen(name), "such actor");
}

tea_code tea_ledger_provider_at(const tea_ledger *l, const char *name, uint64_t h, tea_ledger_provider *out,
                                tea_error *err) {
  QUERY(tea_ledger_provider, ST_PROVIDER, name, strlen(name), "such provider");
}

tea_code tea_ledger_runtime_at(const tea_ledger *l, const uint8_t hash[TEA_SHA256_LEN], uint64_t h,
                               tea_ledger_runtime *out, tea_error *err) {
  QUERY(tea_ledger_runtime, ST_RUNTIME, hash, TEA_SHA256_LEN, "such runtime");
}

tea_code tea_ledger_upgrade_at(const tea_ledger *l, const char *actor, uint64_t h, tea_ledger_upgrade *out,
                               tea_error *err) {
  QUERY(tea_ledger_upgrade, ST_UPGRADE, actor, strlen(actor), "upgrade");
}

bool tea_ledger_runtime_valid(const tea_ledger *l, const uint8_t hash[TEA_SHA256_LEN], uint64_t h) {
  tea_ledger_runtime r;
  if (tea_ledger_runtime_at(l, hash, h, &r, NULL)) return false;
  return r.retire_height == 0 || h < r.retire_height;
}

tea_code tea_ledger_actor_cid_for(const tea_ledger *l, const char *name, uint32_t tier, uint64_t h, tea_cid *cid,
                                  tea_error *err) {
  tea_ledger_actor a;
  tea_code c = tea_ledger_actor_at(l, name, h, &a, err);
  if (c) return c;
  if (a.retired) return tea_fail(err, TEA_ERR_NOT_FOUND, "actor '%s' is retired at height %llu", name,
                                 (unsigned long long)h);
  *cid = a.cid;
  tea_ledger_upgrade u;
  if (tea_ledger_upgrade_at(l, name, h, &u, NULL) || !tea_cid_equal(&u.cid, &a.cid)) return TEA_OK;
  /* A tier without a wave of its own moves when the last wave has started. */
  bool started = u.triggered == (1u << u.nwaves) - 1;
  for (uint32_t i = 0; i < u.nwaves; i++)
    if (u.waves[i].tier == tier) started = u.triggered & (1u << i);
  if (!started) *cid = u.old_cid;
  return TEA_OK;
}

/* Typed callbacks over tea_state_each (calling through a cast pointer would be undefined). */
#define EACH(fname, type, fntype, kind)                                          \
  typedef struct fname##_ctx {                                                 \
    fntype fn;                                                                 \
    void *ctx;                                                                 \
  } fname##_ctx;                                                               \
  static bool fname##_cb(void *c, const void *rec) {                           \
    fname##_ctx *t = c;                                                        \
    return t->fn(t->ctx, (const type *)rec);                                   \
  }                                                                            \
  void fname(const tea_ledger *l, uint64_t h, fntype fn, void *ctx) {          \
    fname##_ctx t = {fn, ctx};                                                 \
    if (h < l->c.count) tea_state_each(l->c.st, kind, h, fname##_cb, &t);      \
  }

EACH(tea_ledger_each_node, tea_ledger_node, tea_ledger_node_fn, ST_NODE)
EACH(tea_ledger_each_actor, tea_ledger_actor, tea_ledger_actor_fn, ST_ACTOR)
EACH(tea_ledger_each_runtime, tea_ledger_runtime, tea_ledger_runtime_fn, ST_RUNTIME)
EACH(tea_ledger_each_provider, tea_ledger_provider, tea_ledger_provider_fn, ST_PROVIDER)

const char *tea_node_status_name(tea_node_status s) {
  switch (s) {
  case TEA_NODE_ACTIVE: return "active";
  case TEA_NODE_SUSPICIOUS: return "suspicious";
  case TEA_NODE_QUARANTINED: return "quarantined";
  case TEA_NODE_PENDING: return "pending";
  }
  return "unknown";
}
