/* The registry's rules: what each transaction may do and how verdicts and upgrade
 * waves move node status. Everything here is a pure function of the state and the
 * block, so every node derives the same registry. docs/ledger.md states the rules. */
#include <stdlib.h>
#include <string.h>

#include "ledger/internal.h"

static bool is_member(const tea_ledger_committee *c, const uint8_t *key) {
  for (uint32_t i = 0; i < c->n; i++)
    if (memcmp(c->keys[i], key, TEA_LEDGER_KEY_LEN) == 0) return true;
  return false;
}

static tea_code check_committee(const tea_ledger_committee *c, const char *what, tea_error *err) {
  if (c->n == 0) return tea_fail(err, TEA_ERR_INVALID, "%s: empty committee", what);
  if (c->threshold == 0 || c->threshold > c->n)
    return tea_fail(err, TEA_ERR_INVALID, "%s: threshold %u outside 1..%u", what, c->threshold, c->n);
  return TEA_OK;
}

tea_code tea_apply_genesis(tea_state *st, const tea_ledger_block *b, tea_error *err) {
  tea_code c = check_committee(&b->committee, "genesis", err);
  if (c) return c;
  const tea_ledger_params *p = &b->params;
  if (p->quarantine_attestors < 1 || p->quarantine_attestors > TEA_LEDGER_MAX_ATTESTORS ||
      p->recover_passes < 1 || p->recover_passes > TEA_LEDGER_MAX_ATTESTORS || p->fresh_window < 1)
    return tea_fail(err, TEA_ERR_INVALID, "genesis: parameters out of range (attestor counts 1..%d, window >= 1)",
                    TEA_LEDGER_MAX_ATTESTORS);
  if (b->ntx) return tea_fail(err, TEA_ERR_INVALID, "genesis carries no transactions");
  return tea_state_put(st, ST_COMMITTEE, "", 0, &b->committee, sizeof b->committee, err);
}

static bool in_set(uint8_t (*set)[TEA_LEDGER_KEY_LEN], uint32_t n, const uint8_t *key) {
  for (uint32_t i = 0; i < n; i++)
    if (memcmp(set[i], key, TEA_LEDGER_KEY_LEN) == 0) return true;
  return false;
}

/* Adds key to a bounded set of distinct attestors. */
static void add_to_set(uint8_t (*set)[TEA_LEDGER_KEY_LEN], uint32_t *n, const uint8_t *key) {
  if (in_set(set, *n, key) || *n == TEA_LEDGER_MAX_ATTESTORS) return;
  memcpy(set[(*n)++], key, TEA_LEDGER_KEY_LEN);
}

static void reset_to_active(tea_ledger_node *n) {
  n->status = TEA_NODE_ACTIVE;
  n->nfailed = n->npassed = n->needed = 0;
}

/* A verdict that counts (not stale, duplicate, self or from a quarantined attestor). */
static void count_verdict(tea_ledger_node *n, const uint8_t *attestor, bool pass, const tea_ledger_params *p) {
  if (n->status == TEA_NODE_QUARANTINED) return; /* only the committee reinstates */
  if (!pass) {
    add_to_set(n->failed_by, &n->nfailed, attestor);
    n->npassed = 0; /* a failure restarts the recovery count */
    if (n->nfailed >= p->quarantine_attestors) {
      n->status = TEA_NODE_QUARANTINED;
    } else {
      n->status = TEA_NODE_SUSPICIOUS;
      n->needed = p->recover_passes;
    }
    return;
  }
  if (n->status == TEA_NODE_ACTIVE) return;
  add_to_set(n->passed_by, &n->npassed, attestor);
  if (n->npassed >= n->needed) reset_to_active(n);
}

static tea_code apply_verdict(tea_state *st, const tea_ledger_tx *tx, const tea_apply_ctx *ctx, tea_error *err) {
  const tea_ledger_verdict *v = &tx->u.verdict;
  const tea_ledger_node *att = tea_state_head(st, ST_NODE, tx->from, TEA_LEDGER_KEY_LEN);
  if (!att) return tea_fail(err, TEA_ERR_INVALID, "verdict: the attestor is not a registered node");
  const tea_ledger_node *subj = tea_state_head(st, ST_NODE, v->subject, TEA_LEDGER_KEY_LEN);
  if (!subj) return tea_fail(err, TEA_ERR_INVALID, "verdict: the subject is not a registered node");
  if (v->fresh_height >= ctx->height)
    return tea_fail(err, TEA_ERR_INVALID, "verdict: fresh against block %llu, not before this block (%llu)",
                    (unsigned long long)v->fresh_height, (unsigned long long)ctx->height);
  if (!tea_cid_equal(&v->fresh_cid, &ctx->cids[v->fresh_height]))
    return tea_fail(err, TEA_ERR_INVALID, "verdict: fresh-against block %llu is not this chain's",
                    (unsigned long long)v->fresh_height);
  /* Ignored, but the transaction stays valid: they carry no weight. */
  if (memcmp(tx->from, v->subject, TEA_LEDGER_KEY_LEN) == 0) return TEA_OK;              /* self */
  if (v->fresh_height + ctx->params->fresh_window < ctx->height) return TEA_OK;         /* stale */
  if (att->status == TEA_NODE_QUARANTINED) return TEA_OK;
  /* duplicate: the same attestor, subject and nonce were counted before */
  uint8_t dk[TEA_SHA256_LEN];
  tea_sha256_ctx h;
  tea_code c = tea_sha256_init(&h, err);
  if (c) return c;
  if ((c = tea_sha256_update(&h, tx->from, TEA_LEDGER_KEY_LEN, err)) ||
      (c = tea_sha256_update(&h, v->subject, TEA_LEDGER_KEY_LEN, err)) ||
      (c = tea_sha256_update(&h, v->nonce, v->nonce_len, err))) {
    tea_sha256_abort(&h);
    return c;
  }
  if ((c = tea_sha256_final(&h, dk, err))) return c;
  if (tea_state_head(st, ST_VERDICT, dk, sizeof dk)) return TEA_OK;
  uint8_t one = 1;
  if ((c = tea_state_put(st, ST_VERDICT, dk, sizeof dk, &one, 1, err))) return c;
  tea_ledger_node n = *subj;
  count_verdict(&n, tx->from, v->pass, ctx->params);
  return tea_state_put(st, ST_NODE, n.node, TEA_LEDGER_KEY_LEN, &n, sizeof n, err);
}

static tea_code apply_node_register(tea_state *st, const tea_ledger_tx *tx, const tea_apply_ctx *ctx,
                                    tea_error *err) {
  const tea_ledger_node_reg *r = &tx->u.node;
  if (memcmp(tx->from, r->node, TEA_LEDGER_KEY_LEN) != 0)
    return tea_fail(err, TEA_ERR_INVALID, "node.register: not signed by the node key");
  if (tea_state_head(st, ST_NODE, r->node, TEA_LEDGER_KEY_LEN))
    return tea_fail(err, TEA_ERR_INVALID, "node.register: node already registered");
  if (r->ak_len == 0 || !r->ak_alg[0]) return tea_fail(err, TEA_ERR_INVALID, "node.register: no attestation key");
  tea_ledger_node n;
  memset(&n, 0, sizeof n);
  memcpy(n.node, r->node, sizeof n.node);
  memcpy(n.ak, r->ak, r->ak_len);
  n.ak_len = r->ak_len;
  memcpy(n.ak_alg, r->ak_alg, sizeof n.ak_alg);
  memcpy(n.enc, r->enc, sizeof n.enc);
  memcpy(n.endpoint, r->endpoint, sizeof n.endpoint);
  n.tier = r->tier;
  n.registered_height = ctx->height;
  n.status = TEA_NODE_ACTIVE;
  tea_code c = tea_sha256(r->evidence, r->evidence_len, n.evidence_hash, err);
  if (c) return c;
  return tea_state_put(st, ST_NODE, n.node, TEA_LEDGER_KEY_LEN, &n, sizeof n, err);
}

static tea_code apply_quarantine(tea_state *st, const tea_ledger_tx *tx, tea_error *err) {
  const tea_ledger_node *cur = tea_state_head(st, ST_NODE, tx->u.quarantine.node, TEA_LEDGER_KEY_LEN);
  const char *what = tea_tx_kind_name(tx->kind);
  if (!cur) return tea_fail(err, TEA_ERR_INVALID, "%s: unknown node", what);
  tea_ledger_node n = *cur;
  if (tx->kind == TEA_TX_QUARANTINE) {
    if (n.status == TEA_NODE_QUARANTINED) return tea_fail(err, TEA_ERR_INVALID, "%s: already quarantined", what);
    n.status = TEA_NODE_QUARANTINED;
  } else {
    if (n.status == TEA_NODE_ACTIVE) return tea_fail(err, TEA_ERR_INVALID, "%s: node is active", what);
    reset_to_active(&n);
    memset(n.failed_by, 0, sizeof n.failed_by);
    memset(n.passed_by, 0, sizeof n.passed_by);
  }
  return tea_state_put(st, ST_NODE, n.node, TEA_LEDGER_KEY_LEN, &n, sizeof n, err);
}

static tea_code apply_actor(tea_state *st, const tea_ledger_tx *tx, tea_error *err) {
  const tea_ledger_actor *cur = tea_state_head(st, ST_ACTOR, tx->u.actor.name, strlen(tx->u.actor.name));
  const char *what = tea_tx_kind_name(tx->kind);
  tea_ledger_actor a = tx->u.actor;
  if (!a.name[0]) return tea_fail(err, TEA_ERR_INVALID, "%s: empty name", what);
  switch (tx->kind) {
  case TEA_TX_ACTOR_REGISTER:
    if (cur && !cur->retired) return tea_fail(err, TEA_ERR_INVALID, "%s: actor '%s' exists", what, a.name);
    break;
  case TEA_TX_ACTOR_UPDATE:
    if (!cur || cur->retired) return tea_fail(err, TEA_ERR_INVALID, "%s: no actor '%s'", what, a.name);
    /* The minimum revision only rises: an update can never re-admit old builds. */
    if (a.min_rev < cur->min_rev)
      return tea_fail(err, TEA_ERR_INVALID, "%s: minimum revision would go down (%llu < %llu)", what,
                      (unsigned long long)a.min_rev, (unsigned long long)cur->min_rev);
    break;
  default: /* retire */
    if (!cur || cur->retired) return tea_fail(err, TEA_ERR_INVALID, "%s: no actor '%s'", what, a.name);
    a = *cur;
    a.retired = true;
    break;
  }
  a.retired = tx->kind == TEA_TX_ACTOR_RETIRE;
  return tea_state_put(st, ST_ACTOR, a.name, strlen(a.name), &a, sizeof a, err);
}

static tea_code apply_runtime(tea_state *st, const tea_ledger_tx *tx, const tea_apply_ctx *ctx, tea_error *err) {
  const tea_ledger_runtime *cur = tea_state_head(st, ST_RUNTIME, tx->u.runtime.hash, TEA_SHA256_LEN);
  const char *what = tea_tx_kind_name(tx->kind);
  tea_ledger_runtime r;
  if (tx->kind == TEA_TX_RUNTIME_APPROVE) {
    if (cur && !cur->retire_height) return tea_fail(err, TEA_ERR_INVALID, "%s: already approved", what);
    r = tx->u.runtime;
    r.retire_height = 0;
  } else {
    if (!cur || cur->retire_height) return tea_fail(err, TEA_ERR_INVALID, "%s: not an approved runtime", what);
    /* Retirement is announced ahead: the build stays valid below that height. */
    if (tx->u.runtime.retire_height <= ctx->height)
      return tea_fail(err, TEA_ERR_INVALID, "%s: retirement height %llu is not after this block", what,
                      (unsigned long long)tx->u.runtime.retire_height);
    r = *cur;
    r.retire_height = tx->u.runtime.retire_height;
  }
  return tea_state_put(st, ST_RUNTIME, r.hash, TEA_SHA256_LEN, &r, sizeof r, err);
}

static tea_code apply_upgrade(tea_state *st, const tea_ledger_tx *tx, tea_error *err) {
  tea_ledger_upgrade u = tx->u.upgrade;
  size_t kl = strlen(u.actor);
  const tea_ledger_actor *cur = tea_state_head(st, ST_ACTOR, u.actor, kl);
  if (!cur || cur->retired) return tea_fail(err, TEA_ERR_INVALID, "upgrade: no actor '%s'", u.actor);
  if (tea_cid_equal(&cur->cid, &u.cid)) return tea_fail(err, TEA_ERR_INVALID, "upgrade: the actor already runs that CID");
  if (!u.nwaves) return tea_fail(err, TEA_ERR_INVALID, "upgrade: no waves");
  if (u.passes < 1 || u.passes > TEA_LEDGER_MAX_ATTESTORS)
    return tea_fail(err, TEA_ERR_INVALID, "upgrade: passes outside 1..%d", TEA_LEDGER_MAX_ATTESTORS);
  const tea_ledger_upgrade *prev = tea_state_head(st, ST_UPGRADE, u.actor, kl);
  if (prev && prev->triggered != (1u << prev->nwaves) - 1)
    return tea_fail(err, TEA_ERR_INVALID, "upgrade: an upgrade of '%s' is still rolling out", u.actor);
  u.old_cid = cur->cid;
  u.triggered = 0;
  tea_ledger_actor a = *cur;
  a.cid = u.cid;
  tea_code c = tea_state_put(st, ST_ACTOR, u.actor, kl, &a, sizeof a, err);
  if (c) return c;
  return tea_state_put(st, ST_UPGRADE, u.actor, kl, &u, sizeof u, err);
}

static bool committee_only(tea_tx_kind k) { return k != TEA_TX_NODE_REGISTER && k != TEA_TX_VERDICT; }

static tea_code apply_tx(tea_state *st, const tea_ledger_tx *tx, const tea_apply_ctx *ctx, tea_error *err) {
  if (memcmp(tx->chain, ctx->chain, TEA_SHA256_LEN) != 0)
    return tea_fail(err, TEA_ERR_INVALID, "%s: transaction for another chain", tea_tx_kind_name(tx->kind));
  tea_code c = tea_ledger_tx_verify_sig(tx, err);
  if (c) return c;
  uint8_t id[TEA_SHA256_LEN];
  if ((c = tea_ledger_tx_id(tx, id, err))) return c;
  if (tea_state_head(st, ST_TXID, id, sizeof id))
    return tea_fail(err, TEA_ERR_INVALID, "%s: duplicate transaction", tea_tx_kind_name(tx->kind));
  uint8_t one = 1;
  if ((c = tea_state_put(st, ST_TXID, id, sizeof id, &one, 1, err))) return c;
  if (committee_only(tx->kind) && !is_member(ctx->committee, tx->from))
    return tea_fail(err, TEA_ERR_INVALID, "%s: proposer is not a committee member", tea_tx_kind_name(tx->kind));
  switch (tx->kind) {
  case TEA_TX_COMMITTEE:
    if ((c = check_committee(&tx->u.committee, "committee.set", err))) return c;
    return tea_state_put(st, ST_COMMITTEE, "", 0, &tx->u.committee, sizeof tx->u.committee, err);
  case TEA_TX_RUNTIME_APPROVE:
  case TEA_TX_RUNTIME_RETIRE:
    return apply_runtime(st, tx, ctx, err);
  case TEA_TX_ACTOR_REGISTER:
  case TEA_TX_ACTOR_UPDATE:
  case TEA_TX_ACTOR_RETIRE:
    return apply_actor(st, tx, err);
  case TEA_TX_PROVIDER:
    if (!tx->u.provider.name[0] || !tx->u.provider.n)
      return tea_fail(err, TEA_ERR_INVALID, "provider.register: needs a name and a platform");
    return tea_state_put(st, ST_PROVIDER, tx->u.provider.name, strlen(tx->u.provider.name), &tx->u.provider,
                         sizeof tx->u.provider, err);
  case TEA_TX_NODE_REGISTER:
    return apply_node_register(st, tx, ctx, err);
  case TEA_TX_VERDICT:
    return apply_verdict(st, tx, ctx, err);
  case TEA_TX_QUARANTINE:
  case TEA_TX_REINSTATE:
    return apply_quarantine(st, tx, err);
  case TEA_TX_UPGRADE:
    return apply_upgrade(st, tx, err);
  }
  return tea_fail(err, TEA_ERR_INVALID, "unknown transaction kind");
}

/* ---- upgrade waves ---- */

typedef struct wave_ctx {
  tea_state *st;
  const tea_ledger_upgrade *u;
  uint32_t tier;
  uint8_t (*keys)[TEA_LEDGER_KEY_LEN];
  size_t n, cap;
  tea_code c;
} wave_ctx;

static bool collect_tier(void *vctx, const void *rec) {
  wave_ctx *w = vctx;
  const tea_ledger_node *n = rec;
  if (n->tier != w->tier || (n->status != TEA_NODE_ACTIVE && n->status != TEA_NODE_PENDING)) return true;
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 16;
    void *k = realloc(w->keys, cap * TEA_LEDGER_KEY_LEN);
    if (!k) {
      w->c = TEA_ERR_NOMEM;
      return false;
    }
    w->keys = k;
    w->cap = cap;
  }
  memcpy(w->keys[w->n++], n->node, TEA_LEDGER_KEY_LEN);
  return true;
}

typedef struct upgrades_ctx {
  const tea_ledger_upgrade **due;
  size_t n, cap;
  uint64_t h;
  bool nomem;
} upgrades_ctx;

static bool collect_due(void *vctx, const void *rec) {
  upgrades_ctx *u = vctx;
  const tea_ledger_upgrade *up = rec;
  for (uint32_t i = 0; i < up->nwaves; i++)
    if (!(up->triggered & (1u << i)) && up->waves[i].start <= u->h) {
      if (u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 4;
        const tea_ledger_upgrade **d = realloc(u->due, cap * sizeof *d);
        if (!d) {
          u->nomem = true;
          return false;
        }
        u->due = d;
        u->cap = cap;
      }
      u->due[u->n++] = up;
      break;
    }
  return true;
}

/* At the end of block h every wave whose start is <= h begins: the tier's active nodes
 * become pending until enough distinct peers attest them again. */
static tea_code run_waves(tea_state *st, uint64_t h, tea_error *err) {
  upgrades_ctx uc = {.h = h};
  tea_state_each(st, ST_UPGRADE, UINT64_MAX, collect_due, &uc);
  if (uc.nomem) {
    free(uc.due);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  }
  tea_code c = TEA_OK;
  /* Copy first: puts below may replace the records the list points at. */
  tea_ledger_upgrade *ups = uc.n ? malloc(uc.n * sizeof *ups) : NULL;
  if (uc.n && !ups) c = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  for (size_t i = 0; !c && i < uc.n; i++) ups[i] = *uc.due[i];
  free(uc.due);
  for (size_t i = 0; !c && i < uc.n; i++) {
    tea_ledger_upgrade *u = &ups[i];
    for (uint32_t w = 0; !c && w < u->nwaves; w++) {
      if ((u->triggered & (1u << w)) || u->waves[w].start > h) continue;
      u->triggered |= 1u << w;
      wave_ctx wc = {.st = st, .u = u, .tier = u->waves[w].tier};
      tea_state_each(st, ST_NODE, UINT64_MAX, collect_tier, &wc);
      if (wc.c) c = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
      for (size_t k = 0; !c && k < wc.n; k++) {
        tea_ledger_node n = *(const tea_ledger_node *)tea_state_head(st, ST_NODE, wc.keys[k], TEA_LEDGER_KEY_LEN);
        n.status = TEA_NODE_PENDING;
        n.npassed = 0;
        n.needed = u->passes;
        memset(n.passed_by, 0, sizeof n.passed_by);
        c = tea_state_put(st, ST_NODE, n.node, TEA_LEDGER_KEY_LEN, &n, sizeof n, err);
      }
      free(wc.keys);
    }
    if (!c) c = tea_state_put(st, ST_UPGRADE, u->actor, strlen(u->actor), u, sizeof *u, err);
  }
  free(ups);
  return c;
}

tea_code tea_apply_block(tea_state *st, const tea_ledger_block *b, const tea_apply_ctx *ctx, tea_error *err) {
  tea_ledger_tx *tx = malloc(sizeof *tx);
  if (!tx) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  tea_code c = TEA_OK;
  for (size_t i = 0; !c && i < b->ntx; i++) {
    c = tea_ledger_tx_decode(b->txs[i].p, b->txs[i].n, tx, err);
    if (!c) c = apply_tx(st, tx, ctx, err);
    if (c && err) {
      /* Name the transaction: a block is rejected whole, so say which part failed. */
      char msg[sizeof err->msg];
      memcpy(msg, err->msg, sizeof msg);
      tea_fail(err, err->code, "transaction %zu: %s", i, msg);
    }
  }
  free(tx);
  if (!c) c = run_waves(st, b->height, err);
  return c;
}
