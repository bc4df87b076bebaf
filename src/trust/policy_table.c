/* An in-memory tea_policy: a few tables with height ranges. Tests use it, and so does
 * `teanode verify --policy FILE` until the real ledger is wired in. */
#include <stdlib.h>
#include <string.h>

#include "trust/internal.h"

typedef struct range_entry {
  uint8_t hash[TEA_SHA256_LEN];
  char *name, *cid;
  uint64_t from, until; /* approved in [from, until) */
} range_entry;

typedef struct node_entry {
  uint8_t node[TEA_ED25519_PK_LEN];
  tea_ak ak;
  uint64_t registered, quarantined;
} node_entry;

typedef struct block_entry {
  uint64_t height;
  uint8_t hash[TEA_SHA256_LEN];
} block_entry;

#define TABLE(T) \
  struct {       \
    T *v;        \
    size_t n, cap; \
  }

struct tea_policy_table {
  uint64_t head;
  bool allow_software;
  TABLE(block_entry) blocks;
  TABLE(node_entry) nodes;
  TABLE(range_entry) runtimes, actors, providers;
};

/* Grows a table by one zeroed slot. */
static void *grow(void **v, size_t *n, size_t *cap, size_t size) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 8;
    void *nv = realloc(*v, nc * size);
    if (!nv) return NULL;
    *v = nv;
    *cap = nc;
  }
  void *slot = (char *)*v + (*n)++ * size;
  memset(slot, 0, size);
  return slot;
}
#define GROW(t) grow((void **)&(t).v, &(t).n, &(t).cap, sizeof *(t).v)

tea_code tea_policy_table_new(tea_policy_table **out, tea_error *err) {
  *out = calloc(1, sizeof **out);
  if (!*out) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  return TEA_OK;
}

static void free_ranges(range_entry *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(v[i].name);
    free(v[i].cid);
  }
  free(v);
}

void tea_policy_table_free(tea_policy_table *t) {
  if (!t) return;
  free(t->blocks.v);
  free(t->nodes.v);
  free_ranges(t->runtimes.v, t->runtimes.n);
  free_ranges(t->actors.v, t->actors.n);
  free_ranges(t->providers.v, t->providers.n);
  free(t);
}

void tea_policy_table_set_head(tea_policy_table *t, uint64_t height) { t->head = height; }
void tea_policy_table_allow_software(tea_policy_table *t, bool ok) { t->allow_software = ok; }

tea_code tea_policy_table_add_block(tea_policy_table *t, uint64_t height, const uint8_t hash[TEA_SHA256_LEN],
                                    tea_error *err) {
  block_entry *b = GROW(t->blocks);
  if (!b) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  b->height = height;
  memcpy(b->hash, hash, TEA_SHA256_LEN);
  if (height > t->head) t->head = height;
  return TEA_OK;
}

tea_code tea_policy_table_add_node(tea_policy_table *t, const uint8_t node[TEA_ED25519_PK_LEN], const tea_ak *ak,
                                   uint64_t registered, uint64_t quarantined, tea_error *err) {
  node_entry *e = GROW(t->nodes);
  if (!e) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  memcpy(e->node, node, TEA_ED25519_PK_LEN);
  e->ak = *ak;
  e->registered = registered;
  e->quarantined = quarantined;
  return TEA_OK;
}

static tea_code add_range(range_entry *e, const uint8_t *hash, const char *name, const char *cid, uint64_t from,
                          uint64_t until, tea_error *err) {
  if (!e) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if (hash) memcpy(e->hash, hash, TEA_SHA256_LEN);
  e->from = from;
  e->until = until;
  if (name && !(e->name = strdup(name))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if (cid && !(e->cid = strdup(cid))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  return TEA_OK;
}

tea_code tea_policy_table_add_runtime(tea_policy_table *t, const uint8_t hash[TEA_SHA256_LEN], uint64_t approved,
                                      uint64_t retired, tea_error *err) {
  return add_range(GROW(t->runtimes), hash, NULL, NULL, approved, retired, err);
}

tea_code tea_policy_table_add_actor(tea_policy_table *t, const char *name, const char *cid, uint64_t approved,
                                    uint64_t retired, tea_error *err) {
  return add_range(GROW(t->actors), NULL, name, cid, approved, retired, err);
}

tea_code tea_policy_table_add_provider(tea_policy_table *t, const uint8_t hash[TEA_SHA256_LEN], uint64_t approved,
                                       uint64_t retired, tea_error *err) {
  return add_range(GROW(t->providers), hash, NULL, NULL, approved, retired, err);
}

/* The best answer over all matching entries: approved beats retired beats unknown
 * (an artefact may be approved again after being retired). */
static tea_approval judge(const range_entry *v, size_t n, const uint8_t *hash, const char *name, const char *cid,
                          uint64_t h) {
  tea_approval best = TEA_UNKNOWN;
  for (size_t i = 0; i < n; i++) {
    const range_entry *e = &v[i];
    if (hash && memcmp(e->hash, hash, TEA_SHA256_LEN) != 0) continue;
    if (name && (!e->name || strcmp(e->name, name) != 0)) continue;
    if (cid && (!e->cid || strcmp(e->cid, cid) != 0)) continue;
    if (h < e->from) continue;
    if (h < e->until) return TEA_APPROVED;
    best = TEA_RETIRED;
  }
  return best;
}

static tea_code p_head(void *ctx, uint64_t *height, tea_error *err) {
  (void)err;
  *height = ((tea_policy_table *)ctx)->head;
  return TEA_OK;
}

static tea_code p_block(void *ctx, uint64_t height, uint8_t out[TEA_SHA256_LEN], tea_error *err) {
  tea_policy_table *t = ctx;
  for (size_t i = 0; i < t->blocks.n; i++)
    if (t->blocks.v[i].height == height) {
      memcpy(out, t->blocks.v[i].hash, TEA_SHA256_LEN);
      return TEA_OK;
    }
  return tea_fail(err, TEA_ERR_NOT_FOUND, "no block at height %llu", (unsigned long long)height);
}

static const node_entry *find_node(tea_policy_table *t, const uint8_t node[TEA_ED25519_PK_LEN]) {
  for (size_t i = 0; i < t->nodes.n; i++)
    if (memcmp(t->nodes.v[i].node, node, TEA_ED25519_PK_LEN) == 0) return &t->nodes.v[i];
  return NULL;
}

static tea_code p_ak(void *ctx, const uint8_t node[TEA_ED25519_PK_LEN], tea_ak *ak, tea_error *err) {
  const node_entry *e = find_node(ctx, node);
  if (!e) return tea_fail(err, TEA_ERR_NOT_FOUND, "node not registered");
  *ak = e->ak;
  return TEA_OK;
}

static tea_code p_status(void *ctx, const uint8_t node[TEA_ED25519_PK_LEN], uint64_t height, tea_peer_status *st,
                         tea_error *err) {
  (void)err;
  const node_entry *e = find_node(ctx, node);
  if (!e || height < e->registered) *st = TEA_PEER_UNREGISTERED;
  else if (height >= e->quarantined) *st = TEA_PEER_QUARANTINED;
  else *st = TEA_PEER_ACTIVE;
  return TEA_OK;
}

static tea_code p_runtime(void *ctx, const uint8_t hash[TEA_SHA256_LEN], uint64_t h, tea_approval *a, tea_error *err) {
  (void)err;
  tea_policy_table *t = ctx;
  *a = judge(t->runtimes.v, t->runtimes.n, hash, NULL, NULL, h);
  return TEA_OK;
}

static tea_code p_actor(void *ctx, const char *name, const char *cid, uint64_t h, tea_approval *a, tea_error *err) {
  (void)err;
  tea_policy_table *t = ctx;
  *a = judge(t->actors.v, t->actors.n, NULL, name, cid, h);
  return TEA_OK;
}

static tea_code p_provider(void *ctx, const uint8_t hash[TEA_SHA256_LEN], uint64_t h, tea_approval *a,
                           tea_error *err) {
  (void)err;
  tea_policy_table *t = ctx;
  *a = judge(t->providers.v, t->providers.n, hash, NULL, NULL, h);
  return TEA_OK;
}

static tea_code p_soft(void *ctx, uint64_t h, bool *ok, tea_error *err) {
  (void)h;
  (void)err;
  *ok = ((tea_policy_table *)ctx)->allow_software;
  return TEA_OK;
}

tea_policy tea_policy_table_policy(tea_policy_table *t) {
  tea_policy p = {
      .ctx = t,
      .head = p_head,
      .block_hash = p_block,
      .registered_ak = p_ak,
      .node_status = p_status,
      .runtime = p_runtime,
      .actor = p_actor,
      .provider = p_provider,
      .software_tpm_allowed = p_soft,
  };
  return p;
}

const char *tea_peer_status_name(tea_peer_status s) {
  switch (s) {
  case TEA_PEER_UNREGISTERED: return "unregistered";
  case TEA_PEER_PENDING: return "pending";
  case TEA_PEER_ACTIVE: return "active";
  case TEA_PEER_SUSPICIOUS: return "suspicious";
  case TEA_PEER_QUARANTINED: return "quarantined";
  }
  return "unknown";
}

const char *tea_approval_name(tea_approval a) {
  switch (a) {
  case TEA_UNKNOWN: return "not approved";
  case TEA_APPROVED: return "approved";
  case TEA_RETIRED: return "retired";
  }
  return "unknown";
}
